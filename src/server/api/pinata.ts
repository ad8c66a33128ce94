// Pinata's legacy API (api.pinata.cloud): pin by CID (seed 002's job list), the pin list, unpin and an auth check.
import { InvalidArgumentError, InvalidCidError } from '../../core/errors.js'
import { readJson } from '../http/body.js'
import { httpError } from '../http/errors.js'
import { sendJson, sendText } from '../http/respond.js'
import type { Router } from '../http/router.js'
import { parseCid } from '../store/dag-walk.js'
import type { PinataPinRecord } from '../store/records.js'
import type { Ctx, ServerState } from '../state.js'

/** `/pinning/pinJobs` limits (seed 002). */
export const DEFAULT_PINATA_JOBS_LIMIT = 5
export const MAX_PINATA_JOBS_LIMIT = 1000
/** `/data/pinList` limits. */
export const DEFAULT_PINATA_PAGE_LIMIT = 10
export const MAX_PINATA_PAGE_LIMIT = 1000
export const MAX_PINATA_HOST_NODES = 5
export const MAX_PINATA_KEYVALUES = 10
export const MAX_PINATA_NAME_LENGTH = 255
/** Every job status seed 002 lists; this service reports all but over_free_limit (it has no plans). */
export const PINATA_JOB_STATUSES = ['prechecking', 'searching', 'retrieving', 'expired', 'over_free_limit', 'over_max_size', 'invalid_object', 'bad_host_node'] as const
export const PINATA_LIST_STATUSES = ['all', 'pinned', 'unpinned'] as const
type JobStatus = typeof PINATA_JOB_STATUSES[number]
/** A job in one of these is still going: asking again answers it rather than starting another. */
const LIVE_JOB_STATUSES: JobStatus[] = ['prechecking', 'searching', 'retrieving']

/** One region: this node. Pinata reports the policy the content will be replicated with once found. */
const PIN_POLICY = { regions: [{ id: 'PINSHIP1', desiredReplicationCount: 1 }], version: 1 }

export function registerPinata (router: Router<ServerState>): void {
  router
    .add('POST', /^\/pinning\/pinByHash\/?$/, 'pinata', pinByHash)
    .add('GET', /^\/pinning\/pinJobs\/?$/, 'pinata', pinJobs)
    .add('DELETE', /^\/pinning\/unpin\/([^/]+)\/?$/, 'pinata', unpin)
    .add('GET', /^\/data\/pinList\/?$/, 'pinata', pinList)
    .add('GET', /^\/data\/testAuthentication\/?$/, 'pinata', testAuthentication)
}

function authenticate (ctx: Ctx): string {
  return ctx.state.auth.authenticate(ctx.req, { invalidStatus: 401 }).user
}

function cidParam (text: string, what: string): string {
  const cid = parseCid(text)
  if (cid === undefined) throw new InvalidCidError(`${what}: "${text}" is not a valid CID.`)
  return cid.toString()
}

/** Status of a job (an incomplete pin), or undefined once its DAG is complete (it then leaves the job list). */
function jobStatus (state: ServerState, p: PinataPinRecord, now = Date.now()): JobStatus | undefined {
  const { repo } = state
  const s = repo.statusOf(p.cid, p.created, now)
  if (s === 'pinned') return undefined
  if (repo.isBroken(p.cid)) return 'invalid_object'
  const failure = repo.fetchFailureFor(p.cid, p.created)
  if (failure !== undefined) return failure.status
  const phase = repo.fetchPhase(p.cid)
  if (phase !== undefined) return phase
  return s === 'failed' ? 'expired' : 'searching'
}

function datePinned (state: ServerState, created: string): (cid: string) => string {
  return cid => {
    const done = state.repo.completedTime(cid)
    return done !== undefined && done > created ? done : created
  }
}

function parseMetadata (b: Record<string, unknown>): { name?: string, keyvalues: Record<string, string | number> } {
  const meta = b.pinataMetadata ?? {}
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new InvalidArgumentError('"pinataMetadata" must be an object: {"name"?: "…", "keyvalues"?: {…}}.')
  const { name, keyvalues = {} } = meta as Record<string, unknown>
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_PINATA_NAME_LENGTH)) {
    throw new InvalidArgumentError(`"pinataMetadata.name" must be a string of at most ${MAX_PINATA_NAME_LENGTH} characters.`)
  }
  if (typeof keyvalues !== 'object' || keyvalues === null || Array.isArray(keyvalues) ||
    Object.keys(keyvalues).length > MAX_PINATA_KEYVALUES ||
    !Object.values(keyvalues).every(v => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) {
    throw new InvalidArgumentError(`"pinataMetadata.keyvalues" must be an object of at most ${MAX_PINATA_KEYVALUES} string or number values.`)
  }
  return { name: name as string | undefined, keyvalues: keyvalues as Record<string, string | number> }
}

function parseHostNodes (b: Record<string, unknown>): string[] {
  const options = b.pinataOptions ?? {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('"pinataOptions" must be an object: {"hostNodes"?: ["/ip4/…/p2p/…"]}.')
  const hostNodes = (options as Record<string, unknown>).hostNodes ?? []
  if (!Array.isArray(hostNodes) || hostNodes.length > MAX_PINATA_HOST_NODES || !hostNodes.every(h => typeof h === 'string' && h.startsWith('/'))) {
    throw new InvalidArgumentError(`"pinataOptions.hostNodes" must be an array of at most ${MAX_PINATA_HOST_NODES} multiaddr strings (each starting with /).`)
  }
  return hostNodes as string[]
}

async function pinByHash (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const body = await readJson(ctx.req)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('The body must be a JSON object: {"hashToPin": "<cid>", "pinataMetadata"?: {…}, "pinataOptions"?: {…}}.')
  }
  const b = body as Record<string, unknown>
  if (typeof b.hashToPin !== 'string' || b.hashToPin === '') throw new InvalidArgumentError('The body needs "hashToPin", the CID to pin.')
  const cid = cidParam(b.hashToPin, 'hashToPin')
  const { name, keyvalues } = parseMetadata(b)
  const hostNodes = parseHostNodes(b)
  const { repo } = ctx.state

  // one live request per CID and user: asking again answers the same job (or pin); a failed job is replaced by a new one
  const existing = [...repo.pinataPins.values()].find(p => p.user === user && p.cid === cid && p.unpinned === undefined)
  let record: PinataPinRecord
  if (existing !== undefined && LIVE_JOB_STATUSES.includes(jobStatus(ctx.state, existing) ?? 'searching')) {
    record = existing
  } else {
    record = await repo.addPinataPin({ user, cid, name, keyvalues, hostNodes }, existing?.id)
    ctx.state.fetcher.consider(cid)
  }
  const status = jobStatus(ctx.state, record)
  sendJson(ctx.res, 200, { id: record.id, ipfsHash: cid, status: status === undefined ? 'pinned' : record === existing ? status : 'prechecking', name: record.name ?? cid })
}

function intParam (url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}; got "${raw}".`)
  }
  return n
}

async function pinJobs (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const { url, state } = ctx
  const sort = (url.searchParams.get('sort') ?? 'ASC').toUpperCase()
  if (sort !== 'ASC' && sort !== 'DESC') throw new InvalidArgumentError(`sort must be ASC or DESC; got "${url.searchParams.get('sort') ?? ''}".`)
  const status = url.searchParams.get('status') ?? undefined
  if (status !== undefined && status !== '' && !(PINATA_JOB_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidArgumentError(`status must be one of ${PINATA_JOB_STATUSES.join(', ')}; got "${status}".`)
  }
  const rawHash = url.searchParams.get('ipfs_pin_hash')
  const hash = rawHash !== null && rawHash !== '' ? cidParam(rawHash, 'ipfs_pin_hash') : undefined
  const limit = intParam(url, 'limit', DEFAULT_PINATA_JOBS_LIMIT, 1, MAX_PINATA_JOBS_LIMIT)
  const offset = intParam(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)

  const now = Date.now()
  const jobs = [...state.repo.pinataPins.values()]
    .filter(p => p.user === user && p.unpinned === undefined && (hash === undefined || p.cid === hash))
    .map(p => ({ p, s: jobStatus(state, p, now) }))
    .filter((j): j is { p: PinataPinRecord, s: JobStatus } => j.s !== undefined && (status === undefined || status === '' || j.s === status))
    .sort((a, b) => sort === 'ASC' ? a.p.created.localeCompare(b.p.created) : b.p.created.localeCompare(a.p.created))
  sendJson(ctx.res, 200, {
    count: jobs.length,
    rows: jobs.slice(offset, offset + limit).map(({ p, s }) => ({
      id: p.id,
      ipfs_pin_hash: p.cid,
      date_queued: p.created,
      name: p.name ?? null,
      status: s,
      keyvalues: Object.keys(p.keyvalues).length > 0 ? p.keyvalues : null,
      host_nodes: p.hostNodes.length > 0 ? p.hostNodes : null,
      pin_policy: PIN_POLICY
    }))
  })
}

interface PinRow { id: string, cid: string, name: string | null, keyvalues: Record<string, string | number> | null, datePinned: string, dateUnpinned: string | null }

/**
 * The user's complete content in every face, one row per CID (a Pinata pin's metadata first, then an upload's
 * name, then a PSA pin's), plus the unpinned Pinata records.
 */
function pinRows (state: ServerState, user: string): PinRow[] {
  const { repo } = state
  const live = new Map<string, PinRow>()
  const offer = (id: string, cid: string, created: string, name: string | undefined, keyvalues: Record<string, string | number>): void => {
    if (!repo.isComplete(cid)) return
    const pinned = datePinned(state, created)(cid)
    const row = live.get(cid)
    if (row === undefined) {
      live.set(cid, { id, cid, name: name ?? null, keyvalues: Object.keys(keyvalues).length > 0 ? keyvalues : null, datePinned: pinned, dateUnpinned: null })
    } else if (pinned < row.datePinned) {
      row.datePinned = pinned
    }
  }
  const unpinned: PinRow[] = []
  for (const p of repo.pinataPins.values()) {
    if (p.user !== user) continue
    if (p.unpinned !== undefined) {
      // a job cancelled before it completed was never pinned: it does not list
      if (p.pinned !== undefined) unpinned.push({ id: p.id, cid: p.cid, name: p.name ?? null, keyvalues: Object.keys(p.keyvalues).length > 0 ? p.keyvalues : null, datePinned: p.pinned ?? p.created, dateUnpinned: p.unpinned })
    } else {
      offer(p.id, p.cid, p.created, p.name, p.keyvalues)
    }
  }
  for (const u of repo.uploads.get(user)?.values() ?? []) offer(u.id, u.cid, u.created, u.name === '' ? undefined : u.name, {})
  for (const p of repo.pins.values()) if (p.user === user) offer(p.requestid, p.cid, p.created, p.name, p.meta)
  return [...live.values(), ...unpinned]
}

async function pinList (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const { url, state } = ctx
  const rawCid = url.searchParams.get('cid') ?? url.searchParams.get('hashContains')
  const cid = rawCid !== null && rawCid !== '' ? cidParam(rawCid, 'cid') : undefined
  const status = url.searchParams.get('status') ?? 'all'
  if (!(PINATA_LIST_STATUSES as readonly string[]).includes(status)) throw new InvalidArgumentError(`status must be one of ${PINATA_LIST_STATUSES.join(', ')}; got "${status}".`)
  const pageLimit = intParam(url, 'pageLimit', DEFAULT_PINATA_PAGE_LIMIT, 1, MAX_PINATA_PAGE_LIMIT)
  const pageOffset = intParam(url, 'pageOffset', 0, 0, Number.MAX_SAFE_INTEGER)
  const nameFilter = url.searchParams.get('metadata[name]') ?? undefined
  if (url.searchParams.has('metadata[keyvalues]')) {
    throw new InvalidArgumentError('metadata[keyvalues] filters are not supported by this service; filter by cid, status or metadata[name].')
  }

  const rows = pinRows(state, user).filter(r => {
    if (cid !== undefined && r.cid !== cid) return false
    if (status === 'pinned' && r.dateUnpinned !== null) return false
    if (status === 'unpinned' && r.dateUnpinned === null) return false
    if (nameFilter !== undefined && !(r.name ?? '').toLowerCase().includes(nameFilter.toLowerCase())) return false
    return true
  }).sort((a, b) => b.datePinned.localeCompare(a.datePinned))

  sendJson(ctx.res, 200, {
    count: rows.length,
    rows: rows.slice(pageOffset, pageOffset + pageLimit).map(r => ({
      id: r.id,
      ipfs_pin_hash: r.cid,
      size: state.repo.dagSize(r.cid),
      date_pinned: r.datePinned,
      date_unpinned: r.dateUnpinned,
      metadata: { name: r.name, keyvalues: r.keyvalues },
      regions: [{ regionId: PIN_POLICY.regions[0].id, currentReplicationCount: 1, desiredReplicationCount: 1 }]
    }))
  })
}

async function unpin (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  let text: string
  try { text = decodeURIComponent(ctx.params[0]) } catch { text = ctx.params[0] }
  const cid = cidParam(text, 'unpin')
  const { state } = ctx
  const pinataPin = [...state.repo.pinataPins.values()].find(p => p.user === user && p.cid === cid && p.unpinned === undefined)
  const upload = state.repo.uploads.get(user)?.get(cid)
  const psaPin = [...state.repo.pins.values()].find(p => p.user === user && p.cid === cid)
  if (pinataPin === undefined && upload === undefined && psaPin === undefined) {
    throw httpError(404, 'CURRENT_USER_HAS_NOT_PINNED_CID', `This token has not pinned ${cid}: nothing to unpin. List pins with GET /data/pinList.`)
  }
  const base = pinataPin ?? (upload !== undefined
    ? { id: upload.id, user, cid, ...(upload.name !== '' ? { name: upload.name } : {}), keyvalues: {}, hostNodes: [], created: upload.created }
    : { id: (psaPin as NonNullable<typeof psaPin>).requestid, user, cid, name: psaPin?.name, keyvalues: psaPin?.meta ?? {}, hostNodes: [], created: (psaPin as NonNullable<typeof psaPin>).created })
  const wasPinned = pinRows(state, user).find(r => r.cid === cid && r.dateUnpinned === null)
  await state.repo.unpinEverywhere(user, cid, { ...base, ...(wasPinned !== undefined ? { pinned: wasPinned.datePinned } : {}) })
  state.fetcher.release(cid)
  sendText(ctx.res, 200, 'OK')
}

async function testAuthentication (ctx: Ctx): Promise<void> {
  authenticate(ctx)
  sendJson(ctx.res, 200, { message: 'Congratulations! You are communicating with the Pinata API!' })
}
