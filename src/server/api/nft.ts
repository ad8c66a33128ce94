import { InvalidArgumentError, NotFoundError } from '../../core/errors.js'
import { sendJson } from '../http/respond.js'
import type { Router } from '../http/router.js'
import type { UploadRecord } from '../store/records.js'
import type { Ctx, ServerState } from '../state.js'
import { isCarRequest, receiveUpload } from './receive.js'
import { cidParam, dateParam } from './web3.js'
import { nftDeal } from '../deals/views.js'

/** NFT.Storage listing page size default and cap. */
export const DEFAULT_NFT_LIMIT = 10
export const MAX_NFT_LIMIT = 1000

/** NFT.Storage mounted under /nft (seed 003): `{ok, value}` envelopes, 401 Unauthorized / 403 Token is not valid. */
export function registerNft (router: Router<ServerState>): void {
  router
    .add('POST', /^\/nft\/upload\/?$/, 'nft', upload)
    .add('GET', /^\/nft\/?$/, 'nft', list)
    .add('GET', /^\/nft\/check\/([^/]+)\/?$/, 'nft', check)
    .add('GET', /^\/nft\/([^/]+)\/?$/, 'nft', get)
    .add('DELETE', /^\/nft\/([^/]+)\/?$/, 'nft', remove)
}

function pinView (state: ServerState, cid: string, name: string, created: string, since: string): Record<string, unknown> {
  return { cid, name, meta: {}, status: state.repo.statusOf(cid, since), created, size: state.repo.dagSize(cid) }
}

function nftView (state: ServerState, r: UploadRecord): Record<string, unknown> {
  return {
    cid: r.cid,
    size: state.repo.dagSize(r.cid),
    created: r.created,
    type: r.type ?? 'application/octet-stream',
    // tokens have no names here; NFT.Storage reported the token's name
    scope: 'default',
    pin: pinView(state, r.cid, r.name, r.created, r.updated),
    files: r.files ?? [],
    deals: state.deals.dealsOf(r.cid).map(nftDeal)
  }
}

async function upload (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const result = await receiveUpload(ctx, user, 'nft', isCarRequest(ctx) ? 'car' : 'files')
  sendJson(ctx.res, 200, { ok: true, value: nftView(ctx.state, result.record) })
}

async function list (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const before = dateParam(ctx.url, 'before')
  const rawLimit = ctx.url.searchParams.get('limit')
  let limit = DEFAULT_NFT_LIMIT
  if (rawLimit !== null && rawLimit !== '') {
    limit = Number(rawLimit)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NFT_LIMIT) {
      throw new InvalidArgumentError(`limit must be an integer from 1 to ${MAX_NFT_LIMIT}; got "${rawLimit}".`)
    }
  }
  const items = [...(ctx.state.repo.uploads.get(user)?.values() ?? [])]
    .filter(r => before === undefined || r.created < before)
    .sort((a, b) => b.created.localeCompare(a.created))
    .slice(0, limit)
  sendJson(ctx.res, 200, { ok: true, value: items.map(r => nftView(ctx.state, r)) })
}

async function get (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const cid = cidParam(ctx.params[0])
  const record = ctx.state.repo.uploads.get(user)?.get(cid)
  if (record === undefined) throw new NotFoundError(`NFT not found: you have not stored ${cid}.`)
  sendJson(ctx.res, 200, { ok: true, value: nftView(ctx.state, record) })
}

async function remove (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const cid = cidParam(ctx.params[0])
  if (!await ctx.state.repo.deleteUpload(user, cid)) throw new NotFoundError(`NFT not found: you have not stored ${cid}.`)
  sendJson(ctx.res, 200, { ok: true })
}

/**
 * Public: whether anyone stores the CID (seed 003 GET /check/{cid}). It answers for every user's uploads and pins,
 * so it says only what the content's own CID already implies: `cid`, `pin` without name or meta, `deals`.
 */
async function check (ctx: Ctx): Promise<void> {
  const cid = cidParam(ctx.params[0])
  const uploads = ctx.state.repo.uploadsOf(cid)
  const pins = ctx.state.repo.pinsOf(cid)
  if (uploads.length === 0 && pins.length === 0) throw new NotFoundError(`NFT not found: ${cid} is not stored here.`)
  const created = [...uploads.map(u => u.created), ...pins.map(p => p.created)].sort()[0]
  const latest = [...uploads.map(u => u.updated), ...pins.map(p => p.created)].sort().at(-1) as string
  const pin = { cid, status: ctx.state.repo.statusOf(cid, latest), created, size: ctx.state.repo.dagSize(cid) }
  sendJson(ctx.res, 200, { ok: true, value: { cid, pin, deals: ctx.state.deals.dealsOf(cid).map(nftDeal) } })
}
