/**
 * NFT.Storage Classic API (seed 003): `POST /upload` with `Content-Type: application/car`, `GET /{cid}` (auth) or
 * `GET /check/{cid}` (no auth) for pin and deals, `GET /` to list, `DELETE /{cid}`. Answers come in an
 * `{ok, value}` / `{ok:false, error:{name, message}}` envelope.
 */
import { AuthError, ServiceError } from '../errors.js'
import { httpRequest, joinUrl, parseJson, type HttpResponse } from '../http.js'
import type { ListedPin, PinningService, RequestOptions, ServiceConfig, ServiceStatus, ShardUpload, UploadReceipt } from './api.js'
import { bearer, context, fileStream, isString, listedPin, mapPinWord, parseJsonError, type AdapterOptions } from './common.js'
import { toDeals } from './web3storage.js'

export const NFTSTORAGE_ENDPOINT = 'https://api.nft.storage'
export const NFTSTORAGE_MAX_REQUEST_BYTES = 100_000_000

interface Envelope<T> { ok?: boolean, value?: T }
interface NftValue {
  cid?: string
  created?: string
  pin?: { cid?: string, name?: string, status?: string }
  deals?: Parameters<typeof toDeals>[0]
}

export function createNftStorage (config: ServiceConfig, options: AdapterOptions = {}): PinningService {
  const slug = 'nftstorage'
  const endpoint = config.endpoint ?? NFTSTORAGE_ENDPOINT
  const ctx = context(config, slug, parseJsonError, (status, detail, where) => {
    // 403 carries the reason in the message: "Token is not valid" or "Session expired".
    if (status === 403 && /token is not valid|session expired/i.test(detail.message ?? '')) {
      return new AuthError(`${where} rejected the token (HTTP 403: ${detail.message}). Create a new API token and pass it with --token or PINSHIP_TOKEN.`, { status })
    }
    return undefined
  })
  const timeoutMs = options.timeoutMs
  const auth = bearer(config.token)

  function unwrap<T> (res: HttpResponse, what: string): T {
    const json = parseJson<Envelope<T>>(ctx, res, what)
    if (json.ok !== true || json.value === undefined) {
      throw new ServiceError(`${slug} answered ${what} without an {ok: true, value} envelope: is the endpoint an NFT.Storage API?`)
    }
    return json.value
  }

  async function uploadCar (_root: string, shard: ShardUpload, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const headers: Record<string, string> = { ...auth, 'content-type': 'application/car', 'content-length': String(shard.bytes) }
    if (isString(opts.name)) headers['x-name'] = encodeURIComponent(opts.name)
    const res = await httpRequest(ctx, joinUrl(endpoint, '/upload'), {
      method: 'POST', headers, body: fileStream(shard.path), signal: opts.signal, timeoutMs, onUploadBytes: opts.onBytes
    })
    const value = unwrap<NftValue>(res, 'POST /upload')
    if (!isString(value.cid)) throw new ServiceError(`${slug} accepted shard ${shard.index}/${shard.count} but its answer has no "cid"; cannot confirm what it stored`)
    return { cid: value.cid }
  }

  async function status (cid: string, opts: RequestOptions = {}): Promise<ServiceStatus> {
    // The authenticated view when we have a token, the public check otherwise (same pin and deals).
    const path = config.token !== undefined && config.token !== '' ? `/${encodeURIComponent(cid)}` : `/check/${encodeURIComponent(cid)}`
    const res = await httpRequest(ctx, joinUrl(endpoint, path), { headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404] })
    if (res.status === 404) return { cid, pin: null, deals: [] }
    const value = unwrap<NftValue>(res, `GET ${path.startsWith('/check') ? '/check/{cid}' : '/{cid}'}`)
    const word = value.pin?.status
    const out: ServiceStatus = { cid: isString(value.cid) ? value.cid : cid, pin: mapPinWord(word) ?? (isString(word) ? 'queued' : null), deals: toDeals(value.deals) }
    if (isString(word)) out.rawStatus = word
    return out
  }

  async function unpin (cid: string, opts: RequestOptions = {}): Promise<void> {
    await httpRequest(ctx, joinUrl(endpoint, `/${encodeURIComponent(cid)}`), { method: 'DELETE', headers: auth, signal: opts.signal, timeoutMs })
  }

  async function list (opts: RequestOptions & { limit?: number } = {}): Promise<ListedPin[]> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/', { limit: opts.limit ?? 25 }), { headers: auth, signal: opts.signal, timeoutMs })
    const value = unwrap<NftValue[]>(res, 'GET /')
    if (!Array.isArray(value)) throw new ServiceError(`${slug} answered GET / with something other than a list`)
    return value.filter(v => isString(v.cid)).map(v => {
      return listedPin(v.cid as string, mapPinWord(v.pin?.status) ?? null, v.pin?.name, v.created)
    })
  }

  /** GET /{cid} with the token answers only this account's own upload (404 when it has none). */
  async function record (cid: string, opts: RequestOptions = {}): Promise<ListedPin | null> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/${encodeURIComponent(cid)}`), { headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404] })
    if (res.status === 404) return null
    const value = unwrap<NftValue>(res, 'GET /{cid}')
    return listedPin(isString(value.cid) ? value.cid : cid, mapPinWord(value.pin?.status) ?? null, value.pin?.name, value.created)
  }

  return {
    slug,
    endpoint,
    maxRequestBytes: NFTSTORAGE_MAX_REQUEST_BYTES,
    acceptsShards: true,
    uploads: true,
    reportsDeals: true,
    uploadCar,
    status,
    unpin,
    list,
    record
  }
}
