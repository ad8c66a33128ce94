import { createHash } from 'node:crypto'

/**
 * The record of a pull request's previews, kept in a hidden line of its pinship comment: which service (and which
 * endpoint, hashed: an endpoint is nobody's business in a public comment) stored which CID under which name, so
 * the run on `pull_request: closed` knows what to remove. The service's own record must still say the same
 * (the name the preview was stored under) before anything is removed; the ledger only says where to look.
 */
export interface PreviewEntry {
  service: string
  /** endpointId() of the service's endpoint. */
  endpoint: string
  cid: string
  /** The name the preview was stored under (pin name plus the preview suffix). */
  name: string
  /** Head commit the preview was built from. */
  sha: string
  /** The pin request this run made, for services that track requests (Pinning Service API). */
  requestId?: string
  /**
   * The account already held this CID, under another record, before the preview was stored (the default branch, a
   * pin made by hand, another pull request): never removed.
   */
  held: boolean
  /** Removed (or found gone) by the run on close. */
  removed?: boolean
}

const PREFIX = '<!-- pinship:previews '
const SUFFIX = ' -->'
/** A comment holds at most 65536 characters; the oldest entries go first, removed ones before the rest. */
export const MAX_LEDGER_ENTRIES = 200

export function endpointId (endpoint: string): string {
  return createHash('sha256').update(endpoint.replace(/\/+$/, '')).digest('hex').slice(0, 16)
}

/** The ledger line of a comment body; [] when there is none or it is unreadable. */
export function readLedger (body: string | undefined): PreviewEntry[] {
  const line = (body ?? '').split('\n').find(l => l.startsWith(PREFIX) && l.endsWith(SUFFIX))
  if (line === undefined) return []
  try {
    const parsed = JSON.parse(Buffer.from(line.slice(PREFIX.length, -SUFFIX.length), 'base64url').toString('utf8')) as unknown
    return Array.isArray(parsed) ? parsed.filter(isEntry) : []
  } catch {
    return []
  }
}

/** Base64url JSON, so no name can end the HTML comment early (`-->`). */
export function ledgerLine (entries: PreviewEntry[]): string {
  let kept = entries
  while (kept.length > MAX_LEDGER_ENTRIES) {
    const i = kept.findIndex(e => e.removed === true)
    kept = kept.filter((_, j) => j !== (i === -1 ? 0 : i))
  }
  return `${PREFIX}${Buffer.from(JSON.stringify(kept)).toString('base64url')}${SUFFIX}`
}

/** Same service, endpoint and CID: the same record on services that keep one per account and CID. */
export function sameRecord (a: PreviewEntry, b: PreviewEntry): boolean {
  return a.service === b.service && a.endpoint === b.endpoint && a.cid === b.cid
}

function key (e: PreviewEntry): string {
  return [e.service, e.endpoint, e.cid, e.name, e.requestId ?? ''].join(' ')
}

/** Entries of both, each once; what `later` says about an entry wins (its `removed` mark, say). */
export function mergeLedgers (earlier: PreviewEntry[], later: PreviewEntry[]): PreviewEntry[] {
  const out = new Map<string, PreviewEntry>()
  for (const e of [...earlier, ...later]) out.set(key(e), { ...out.get(key(e)), ...e, held: (out.get(key(e))?.held ?? false) || e.held })
  return [...out.values()]
}

function isEntry (v: unknown): v is PreviewEntry {
  const e = v as PreviewEntry
  return typeof e === 'object' && e !== null && typeof e.service === 'string' && typeof e.endpoint === 'string' &&
    typeof e.cid === 'string' && typeof e.name === 'string' && typeof e.sha === 'string' && typeof e.held === 'boolean' &&
    (e.requestId === undefined || typeof e.requestId === 'string')
}
