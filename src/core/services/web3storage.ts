/**
 * The legacy web3.storage HTTP API (seeds 001, 003): `POST /car` per shard, `GET /status/{cid}` for pins and deals,
 * `GET /user/uploads`, `GET`/`DELETE /user/uploads/{cid}`. Any compatible endpoint works (our embedded service speaks it).
 */
import { httpRequest, joinUrl, parseJson } from '../http.js'
import { ServiceError } from '../errors.js'
import type { Deal, ListedPin, PeerPin, PinningService, PinState, RequestOptions, ServiceConfig, ServiceStatus, ShardUpload, UploadReceipt } from './api.js'
import { bearer, combinePinStates, context, fileStream, isString, listedPin, mapDealWord, mapPinWord, parseJsonError, type AdapterOptions } from './common.js'

export const WEB3STORAGE_ENDPOINT = 'https://api.web3.storage'
/** The API refuses bodies over 100 MiB; the official client never sent a CAR that large. */
export const WEB3STORAGE_MAX_REQUEST_BYTES = 100_000_000

interface StatusBody {
  cid?: string
  dagSize?: number
  pins?: Array<{ status?: string, peerId?: string, peerName?: string }>
  deals?: Array<{ status?: string, dealId?: number, chainDealID?: number, storageProvider?: string, miner?: string, pieceCid?: string, activation?: string, expiration?: string, dealActivation?: string, dealExpiration?: string }>
}

export function toDeals (raw: StatusBody['deals']): Deal[] {
  return (raw ?? []).map(d => {
    const deal: Deal = { status: mapDealWord(d.status) }
    if (isString(d.status)) deal.rawStatus = d.status
    const id = d.dealId ?? d.chainDealID
    if (id !== undefined && id !== null) deal.dealId = id
    const sp = d.storageProvider ?? d.miner
    if (isString(sp)) deal.storageProvider = sp
    if (isString(d.pieceCid)) deal.pieceCid = d.pieceCid
    const act = d.activation ?? d.dealActivation
    if (isString(act)) deal.activation = act
    const exp = d.expiration ?? d.dealExpiration
    if (isString(exp)) deal.expiration = exp
    return deal
  })
}

function errorShape (status: number, body: string): ReturnType<typeof parseJsonError> {
  return parseJsonError(status, body)
}

/** Build the adapter; `slug` lets `local` reuse it with its own name in messages. */
export function createWeb3Storage (config: ServiceConfig, options: AdapterOptions = {}, slug = 'web3storage'): PinningService {
  const endpoint = config.endpoint ?? WEB3STORAGE_ENDPOINT
  const ctx = context(config, slug, errorShape)
  const timeoutMs = options.timeoutMs
  const auth = bearer(config.token)

  async function uploadCar (_root: string, shard: ShardUpload, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const headers: Record<string, string> = {
      ...auth,
      'content-type': 'application/vnd.ipld.car',
      'content-length': String(shard.bytes)
    }
    if (isString(opts.name)) headers['x-name'] = encodeURIComponent(opts.name)
    const res = await httpRequest(ctx, joinUrl(endpoint, '/car'), {
      method: 'POST', headers, body: fileStream(shard.path), signal: opts.signal, timeoutMs, onUploadBytes: opts.onBytes
    })
    const json = parseJson<{ cid?: string, carCid?: string }>(ctx, res, 'POST /car')
    if (!isString(json.cid)) throw new ServiceError(`${slug} accepted shard ${shard.index}/${shard.count} but its answer has no "cid"; cannot confirm what it stored`)
    return { cid: json.cid }
  }

  async function status (cid: string, opts: RequestOptions = {}): Promise<ServiceStatus> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/status/${encodeURIComponent(cid)}`), {
      signal: opts.signal, timeoutMs, allowStatus: [404]
    })
    if (res.status === 404) return { cid, pin: null, deals: [] }
    const json = parseJson<StatusBody>(ctx, res, 'GET /status')
    const words = (json.pins ?? []).map(p => p.status).filter(isString)
    const states = words.map(mapPinWord).filter((s): s is PinState => s !== undefined)
    // Known but no pin entry yet: the upload is stored and waiting for a pin.
    const pin = states.length === 0 ? 'queued' : combinePinStates(states)
    const out: ServiceStatus = { cid: isString(json.cid) ? json.cid : cid, pin, deals: toDeals(json.deals) }
    if (words.length > 0) out.rawStatus = [...new Set(words)].join(',')
    const peers = (json.pins ?? []).filter(p => isString(p.status)).map(p => {
      const peer: PeerPin = { pin: mapPinWord(p.status) ?? null, rawStatus: p.status }
      if (isString(p.peerId)) peer.peerId = p.peerId
      if (isString(p.peerName)) peer.peerName = p.peerName
      return peer
    })
    if (peers.length > 0) out.peers = peers
    return out
  }

  async function unpin (cid: string, opts: RequestOptions = {}): Promise<void> {
    await httpRequest(ctx, joinUrl(endpoint, `/user/uploads/${encodeURIComponent(cid)}`), {
      method: 'DELETE', headers: auth, signal: opts.signal, timeoutMs
    })
  }

  async function list (opts: RequestOptions & { limit?: number } = {}): Promise<ListedPin[]> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/user/uploads', { size: opts.limit ?? 25, sortBy: 'Date', sortOrder: 'Desc' }), {
      headers: auth, signal: opts.signal, timeoutMs
    })
    const json = parseJson<unknown>(ctx, res, 'GET /user/uploads')
    if (!Array.isArray(json)) throw new ServiceError(`${slug} answered GET /user/uploads with something other than a list`)
    return json.filter(u => isString(u?.cid)).map((u: StatusBody & { name?: string, created?: string }) => {
      const states = (u.pins ?? []).map(p => mapPinWord(p.status)).filter((s): s is PinState => s !== undefined)
      return listedPin(u.cid as string, states.length === 0 ? 'queued' : combinePinStates(states), u.name, u.created)
    })
  }

  async function record (cid: string, opts: RequestOptions = {}): Promise<ListedPin | null> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/user/uploads/${encodeURIComponent(cid)}`), {
      headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404]
    })
    if (res.status === 404) return null
    const u = parseJson<StatusBody & { name?: string, created?: string }>(ctx, res, 'GET /user/uploads/{cid}')
    if (!isString(u.cid)) throw new ServiceError(`${slug} answered GET /user/uploads/{cid} without a "cid"`)
    const states = (u.pins ?? []).map(p => mapPinWord(p.status)).filter((s): s is PinState => s !== undefined)
    return listedPin(u.cid, states.length === 0 ? 'queued' : combinePinStates(states), u.name, u.created)
  }

  return {
    slug,
    endpoint,
    maxRequestBytes: WEB3STORAGE_MAX_REQUEST_BYTES,
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
