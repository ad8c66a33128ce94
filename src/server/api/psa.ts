import { InvalidArgumentError, InvalidCidError, NotFoundError } from '../../core/errors.js'
import { readJson } from '../http/body.js'
import { sendEmpty, sendJson } from '../http/respond.js'
import type { Router } from '../http/router.js'
import { parseCid } from '../store/dag-walk.js'
import type { PinRecord } from '../store/records.js'
import type { Ctx, ServerState } from '../state.js'
import { dateParam } from './web3.js'
import { nftDeal } from '../deals/views.js'

/** IPFS Pinning Service API v1.0.0 limits. */
export const DEFAULT_PSA_LIMIT = 10
export const MAX_PSA_LIMIT = 1000
export const MAX_CIDS_FILTER = 10
export const MAX_NAME_LENGTH = 255
export const MAX_ORIGINS = 20
export const PSA_STATUSES = ['queued', 'pinning', 'pinned', 'failed'] as const
export const PSA_MATCH = ['exact', 'iexact', 'partial', 'ipartial'] as const
type PsaStatus = typeof PSA_STATUSES[number]
type Match = typeof PSA_MATCH[number]

export function registerPsa (router: Router<ServerState>): void {
  router
    .add('GET', /^\/pins\/?$/, 'psa', list)
    .add('POST', /^\/pins\/?$/, 'psa', add)
    .add('GET', /^\/pins\/([^/]+)\/?$/, 'psa', get)
    .add('POST', /^\/pins\/([^/]+)\/?$/, 'psa', replace)
    .add('DELETE', /^\/pins\/([^/]+)\/?$/, 'psa', remove)
}

/** The PSA spec answers 401 for a missing and for an unknown token alike. */
function authenticate (ctx: Ctx): string {
  return ctx.state.auth.authenticate(ctx.req, { invalidStatus: 401 }).user
}

function delegates (state: ServerState): string[] {
  const host = state.host === '0.0.0.0' || state.host === '::' ? '127.0.0.1' : state.host
  return [`/${host.includes(':') ? 'ip6' : 'ip4'}/${host}/tcp/${state.port}/http`]
}

function statusView (state: ServerState, p: PinRecord): Record<string, unknown> {
  const status = state.repo.statusOf(p.cid, p.created)
  const info: Record<string, string> = {}
  if (status !== 'pinned') {
    const missing = state.repo.missingCount(p.cid)
    const failure = state.repo.fetchFailureFor(p.cid, p.created)
    const phase = state.repo.fetchPhase(p.cid)
    const waiting = `${missing > 0 ? ` (${missing} block${missing === 1 ? '' : 's'} missing)` : ''}`
    if (failure !== undefined) {
      info.status_details = `${failure.status}: ${failure.reason} Pin again (a new request searches again), or upload a CAR with this root (POST /car).`
    } else if (phase !== undefined) {
      info.status_details = phase === 'prechecking' ? 'Queued behind other pins by CID.' : phase === 'searching' ? 'Searching the origins for the content.' : `Retrieving the content from an origin${waiting}.`
    } else {
      info.status_details = status === 'failed'
        ? 'The content did not arrive in time. Upload a CAR with this root (POST /car); the pin turns pinned when the DAG is complete.'
        : `Waiting for content${waiting}: give origins (HTTP multiaddrs of trustless gateways) to fetch it from, or upload a CAR with this root (POST /car).`
    }
  }
  // PSA `info` values are strings: the deals (seed 003's Deal objects, network "local") as JSON text
  const deals = state.deals.dealsOf(p.cid)
  if (deals.length > 0) info.deals = JSON.stringify(deals.map(nftDeal))
  return {
    requestid: p.requestid,
    status,
    created: p.created,
    pin: { cid: p.cid, ...(p.name !== undefined ? { name: p.name } : {}), origins: p.origins, meta: p.meta },
    delegates: delegates(state),
    info
  }
}

function ownPin (ctx: Ctx, user: string): PinRecord {
  let id: string
  try { id = decodeURIComponent(ctx.params[0]) } catch { id = ctx.params[0] }
  const pin = ctx.state.repo.pins.get(id)
  if (pin === undefined || pin.user !== user) throw new NotFoundError(`No pin request with requestid "${id}" for this token.`)
  return pin
}

/** Validates a Pin object (POST body) and returns its fields. */
function parsePin (body: unknown): Pick<PinRecord, 'cid' | 'name' | 'origins' | 'meta'> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('The body must be a Pin object: {"cid": "…", "name"?: "…", "origins"?: [], "meta"?: {}}.')
  }
  const b = body as Record<string, unknown>
  if (typeof b.cid !== 'string' || b.cid === '') throw new InvalidArgumentError('The Pin object needs a "cid" string.')
  const cid = parseCid(b.cid)
  if (cid === undefined) throw new InvalidCidError(`"${b.cid}" is not a valid CID.`)
  if (b.name !== undefined && (typeof b.name !== 'string' || b.name.length > MAX_NAME_LENGTH)) {
    throw new InvalidArgumentError(`"name" must be a string of at most ${MAX_NAME_LENGTH} characters.`)
  }
  const origins = b.origins ?? []
  if (!Array.isArray(origins) || origins.length > MAX_ORIGINS || !origins.every(o => typeof o === 'string' && o.startsWith('/'))) {
    throw new InvalidArgumentError(`"origins" must be an array of at most ${MAX_ORIGINS} multiaddr strings (each starting with /).`)
  }
  const meta = b.meta ?? {}
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Object.values(meta).every(v => typeof v === 'string')) {
    throw new InvalidArgumentError('"meta" must be an object of string values.')
  }
  return { cid: cid.toString(), name: b.name as string | undefined, origins: origins as string[], meta: meta as Record<string, string> }
}

async function add (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const pin = parsePin(await readJson(ctx.req))
  const record = await ctx.state.repo.addPin({ ...pin, user })
  ctx.state.fetcher.consider(record.cid)
  sendJson(ctx.res, 202, statusView(ctx.state, record))
}

async function get (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  sendJson(ctx.res, 200, statusView(ctx.state, ownPin(ctx, user)))
}

async function replace (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const old = ownPin(ctx, user)
  const pin = parsePin(await readJson(ctx.req))
  const record = await ctx.state.repo.addPin({ ...pin, user }, old.requestid)
  ctx.state.fetcher.release(old.cid)
  ctx.state.fetcher.consider(record.cid)
  sendJson(ctx.res, 202, statusView(ctx.state, record))
}

async function remove (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const pin = ownPin(ctx, user)
  await ctx.state.repo.removePin(pin.requestid)
  ctx.state.fetcher.release(pin.cid)
  sendEmpty(ctx.res, 202)
}

function listParam (url: URL, name: string): string[] | undefined {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  return raw.split(',').map(s => s.trim()).filter(s => s !== '')
}

function nameMatches (name: string | undefined, wanted: string, match: Match): boolean {
  if (name === undefined) return false
  switch (match) {
    case 'exact': return name === wanted
    case 'iexact': return name.toLowerCase() === wanted.toLowerCase()
    case 'partial': return name.includes(wanted)
    case 'ipartial': return name.toLowerCase().includes(wanted.toLowerCase())
  }
}

async function list (ctx: Ctx): Promise<void> {
  const user = authenticate(ctx)
  const { url, state } = ctx

  const cids = listParam(url, 'cid')?.map(c => {
    const parsed = parseCid(c)
    if (parsed === undefined) throw new InvalidCidError(`cid filter: "${c}" is not a valid CID.`)
    return parsed.toString()
  })
  if (cids !== undefined && cids.length > MAX_CIDS_FILTER) throw new InvalidArgumentError(`cid filter: at most ${MAX_CIDS_FILTER} CIDs per request; got ${cids.length}.`)

  const name = url.searchParams.get('name') ?? undefined
  if (name !== undefined && name.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`name filter: at most ${MAX_NAME_LENGTH} characters.`)
  const rawMatch = url.searchParams.get('match') ?? 'exact'
  if (!(PSA_MATCH as readonly string[]).includes(rawMatch)) throw new InvalidArgumentError(`match must be one of ${PSA_MATCH.join(', ')}; got "${rawMatch}".`)
  const match = rawMatch as Match

  const statuses = listParam(url, 'status') ?? ['pinned']
  for (const s of statuses) {
    if (!(PSA_STATUSES as readonly string[]).includes(s)) throw new InvalidArgumentError(`status must be a comma list of ${PSA_STATUSES.join(', ')}; got "${s}".`)
  }
  const before = dateParam(url, 'before')
  const after = dateParam(url, 'after')

  const rawLimit = url.searchParams.get('limit')
  let limit = DEFAULT_PSA_LIMIT
  if (rawLimit !== null && rawLimit !== '') {
    limit = Number(rawLimit)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PSA_LIMIT) throw new InvalidArgumentError(`limit must be an integer from 1 to ${MAX_PSA_LIMIT}; got "${rawLimit}".`)
  }

  let meta: Record<string, unknown> | undefined
  const rawMeta = url.searchParams.get('meta')
  if (rawMeta !== null && rawMeta !== '') {
    try { meta = JSON.parse(rawMeta) } catch { meta = undefined }
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      throw new InvalidArgumentError('meta must be a URL-encoded JSON object such as {"app_id":"99986338-1113-4706-8302-4420da6158aa"}.')
    }
  }
  // the spec's generated JS client sends meta deepObject-style (meta[key]=value) instead of JSON: accept both
  for (const [key, value] of url.searchParams) {
    const m = /^meta\[(.+)\]$/.exec(key)
    if (m !== null) (meta ??= {})[m[1]] = value
  }

  const now = Date.now()
  const matches = [...state.repo.pins.values()].filter(p => {
    if (p.user !== user) return false
    if (cids !== undefined && !cids.includes(p.cid)) return false
    if (name !== undefined && !nameMatches(p.name, name, match)) return false
    if (before !== undefined && !(p.created < before)) return false
    if (after !== undefined && !(p.created > after)) return false
    if (meta !== undefined && !Object.entries(meta).every(([k, v]) => p.meta[k] === v)) return false
    return statuses.includes(state.repo.statusOf(p.cid, p.created, now) satisfies PsaStatus)
  }).sort((a, b) => b.created.localeCompare(a.created))

  sendJson(ctx.res, 200, { count: matches.length, results: matches.slice(0, limit).map(p => statusView(state, p)) })
}
