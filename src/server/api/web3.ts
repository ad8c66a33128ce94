import { InvalidArgumentError, InvalidCidError, NotFoundError } from '../../core/errors.js'
import { sendJson } from '../http/respond.js'
import type { Router } from '../http/router.js'
import type { UploadRecord } from '../store/records.js'
import type { ContentStatus } from '../store/repo.js'
import type { Ctx, ServerState } from '../state.js'
import { parseCid } from '../store/dag-walk.js'
import { receiveUpload } from './receive.js'
import { web3Deal } from '../deals/views.js'

/** web3.storage's default and maximum page sizes for GET /user/uploads. */
export const DEFAULT_PAGE_SIZE = 25
export const MAX_PAGE_SIZE = 1000

const WEB3_PIN_STATUS: Record<ContentStatus, string> = { queued: 'PinQueued', pinning: 'Pinning', pinned: 'Pinned', failed: 'PinError' }

export function registerWeb3 (router: Router<ServerState>): void {
  router
    .add('POST', /^\/car\/?$/, 'web3', postCar)
    .add('POST', /^\/upload\/?$/, 'web3', postUpload)
    .add('GET', /^\/status\/([^/]+)\/?$/, 'web3', getStatus)
    .add('GET', /^\/user\/uploads\/?$/, 'web3', listUploads)
    .add('GET', /^\/user\/uploads\/([^/]+)\/?$/, 'web3', getUpload)
    .add('DELETE', /^\/user\/uploads\/([^/]+)\/?$/, 'web3', deleteUpload)
}

/** A CID from a path segment, in canonical string form, or 400. */
export function cidParam (raw: string): string {
  let text: string
  try { text = decodeURIComponent(raw) } catch { text = raw }
  const cid = parseCid(text)
  if (cid === undefined) throw new InvalidCidError(`"${text}" is not a valid CID. Send a CIDv0 (Qm…) or CIDv1 (bafy…, bafk…) string.`)
  return cid.toString()
}

async function postCar (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const result = await receiveUpload(ctx, user, 'web3', 'car')
  sendJson(ctx.res, 200, { cid: result.record.cid, carCid: result.carCid })
}

async function postUpload (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const result = await receiveUpload(ctx, user, 'web3', 'files')
  sendJson(ctx.res, 200, { cid: result.record.cid })
}

export function web3PinView (state: ServerState, cid: string, since: string): Record<string, unknown> {
  return {
    status: WEB3_PIN_STATUS[state.repo.statusOf(cid, since)],
    updated: since,
    peerId: state.peerId,
    peerName: state.peerName,
    region: null
  }
}

function uploadType (r: UploadRecord): string {
  if (r.type === 'application/car') return 'Car'
  if (r.type === 'directory') return 'Multipart'
  return 'Blob'
}

function uploadView (state: ServerState, r: UploadRecord): Record<string, unknown> {
  return {
    _id: r.id,
    type: uploadType(r),
    name: r.name,
    cid: r.cid,
    created: r.created,
    updated: r.updated,
    dagSize: state.repo.dagSize(r.cid),
    pins: [web3PinView(state, r.cid, r.updated)],
    // from the local deal pipeline (network "local"; see deals/pipeline.ts)
    deals: state.deals.dealsOf(r.cid).map(web3Deal)
  }
}

async function getStatus (ctx: Ctx): Promise<void> {
  const cid = cidParam(ctx.params[0])
  const { repo } = ctx.state
  const uploads = repo.uploadsOf(cid)
  const pins = repo.pinsOf(cid)
  if (uploads.length === 0 && pins.length === 0) {
    throw new NotFoundError(`No upload or pin of ${cid} is stored here. Upload it with POST /car first.`)
  }
  const created = [...uploads.map(u => u.created), ...pins.map(p => p.created)].sort()[0]
  const latest = [...uploads.map(u => u.updated), ...pins.map(p => p.created)].sort().at(-1) as string
  sendJson(ctx.res, 200, {
    cid,
    dagSize: repo.dagSize(cid),
    created,
    pins: [web3PinView(ctx.state, cid, latest)],
    deals: ctx.state.deals.dealsOf(cid).map(web3Deal)
  })
}

function intParam (url: URL, name: string, def: number, min: number, max: number): number {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Query parameter ${name} must be an integer from ${min} to ${max}; got "${raw}".`)
  return n
}

export function dateParam (url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  const t = Date.parse(raw)
  if (Number.isNaN(t)) throw new InvalidArgumentError(`Query parameter ${name} must be an ISO 8601 date-time such as 2024-01-31T12:00:00Z; got "${raw}".`)
  return new Date(t).toISOString()
}

function enumParam<T extends string> (url: URL, name: string, values: readonly T[], def: T): T {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '') return def
  const found = values.find(v => v.toLowerCase() === raw.toLowerCase())
  if (found === undefined) throw new InvalidArgumentError(`Query parameter ${name} must be one of ${values.join(', ')}; got "${raw}".`)
  return found
}

async function listUploads (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const { url } = ctx
  const size = intParam(url, 'size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
  const all = [...(ctx.state.repo.uploads.get(user)?.values() ?? [])]
  const headers: Record<string, string | number> = { Count: all.length, Size: size }
  let page: UploadRecord[]
  const link = (params: Record<string, string | number>): string => `/user/uploads?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`

  if (url.searchParams.has('page')) {
    const sortBy = enumParam(url, 'sortBy', ['Date', 'Name'] as const, 'Date')
    const sortOrder = enumParam(url, 'sortOrder', ['Desc', 'Asc'] as const, 'Desc')
    const lastPage = Math.max(1, Math.ceil(all.length / size))
    const n = intParam(url, 'page', 1, 1, Number.MAX_SAFE_INTEGER)
    const dir = sortOrder === 'Asc' ? 1 : -1
    all.sort((a, b) => dir * (sortBy === 'Name' ? a.name.localeCompare(b.name) || a.created.localeCompare(b.created) : a.created.localeCompare(b.created) || a.id.localeCompare(b.id)))
    page = all.slice((n - 1) * size, n * size)
    const base = { size, sortBy, sortOrder }
    const links = [`<${link({ ...base, page: 1 })}>; rel="first"`, `<${link({ ...base, page: lastPage })}>; rel="last"`]
    if (n < lastPage) links.unshift(`<${link({ ...base, page: n + 1 })}>; rel="next"`)
    if (n > 1) links.push(`<${link({ ...base, page: Math.min(n - 1, lastPage) })}>; rel="previous"`)
    headers.Page = n
    headers.Link = links.join(', ')
  } else {
    const before = dateParam(url, 'before')
    const older = all.filter(r => before === undefined || r.created < before)
      .sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id))
    page = older.slice(0, size)
    if (older.length > size) headers.Link = `<${link({ before: page[page.length - 1].created, size })}>; rel="next"`
  }
  sendJson(ctx.res, 200, page.map(r => uploadView(ctx.state, r)), headers)
}

async function getUpload (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const cid = cidParam(ctx.params[0])
  const record = ctx.state.repo.uploads.get(user)?.get(cid)
  if (record === undefined) throw new NotFoundError(`You have no upload of ${cid}.`)
  sendJson(ctx.res, 200, uploadView(ctx.state, record))
}

async function deleteUpload (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const cid = cidParam(ctx.params[0])
  if (!await ctx.state.repo.deleteUpload(user, cid)) throw new NotFoundError(`You have no upload of ${cid} to delete.`)
  sendJson(ctx.res, 200, { cid })
}
