/**
 * IPFS Cluster REST API (default 127.0.0.1:9094). Upload: `POST /add?format=car` (one CAR, one root); status:
 * `GET /pins/{cid}` whose `peer_map` holds one state per peer; `POST`/`DELETE /pins/{cid}`; `GET /pins` lists.
 */
import { ServiceError } from '../errors.js'
import { httpRequest, joinUrl, parseJson } from '../http.js'
import type { ListedPin, PeerPin, PinningService, PinState, RequestOptions, ServiceConfig, ServiceStatus, ShardUpload, UploadReceipt } from './api.js'
import { authHeader, combinePinStates, context, fileBlob, isString, listedPin, mapPinWord, parseJsonError, type AdapterOptions } from './common.js'

export const CLUSTER_ENDPOINT = 'http://127.0.0.1:9094'

type CidField = string | { '/'?: string } | undefined

interface GlobalPinInfo {
  cid?: CidField
  name?: string
  created?: string
  peer_map?: Record<string, { peername?: string, status?: string, error?: string }>
}

/** Cluster ≥1.0 writes CIDs as strings; older releases as `{"/": cid}`. */
function cidOf (v: CidField): string | undefined {
  if (typeof v === 'string') return v
  return isString(v?.['/']) ? v['/'] : undefined
}

function lines (text: string): any[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    try { return JSON.parse(trimmed) } catch { return [] }
  }
  return trimmed.split('\n').map(l => l.trim()).filter(l => l !== '').map(l => {
    try { return JSON.parse(l) } catch { return undefined }
  }).filter(v => v !== undefined)
}

/** Per-peer words → common model; `remote` and `sharded` peers do not hold the content and are left out. */
function stateOfPeers (info: GlobalPinInfo): { pin: PinState | null, raw: string } {
  const words = Object.values(info.peer_map ?? {}).map(p => p.status).filter(isString)
  const states = words.map(mapPinWord).filter((s): s is PinState => s !== undefined)
  const raw = [...new Set(words)].join(',')
  if (states.length === 0) return { pin: words.length > 0 ? 'queued' : null, raw }
  return { pin: combinePinStates(states), raw }
}

export function createCluster (config: ServiceConfig, options: AdapterOptions = {}): PinningService {
  const slug = 'cluster'
  const endpoint = config.endpoint ?? CLUSTER_ENDPOINT
  const ctx = context(config, slug, parseJsonError)
  const timeoutMs = options.timeoutMs
  const auth = authHeader(config.token)

  async function uploadCar (root: string, shard: ShardUpload, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const form = new FormData()
    form.append('file', await fileBlob(shard.path), `${shard.carCid}.car`)
    const res = await httpRequest(ctx, joinUrl(endpoint, '/add', { format: 'car', name: opts.name, 'stream-channels': false }), {
      method: 'POST', headers: auth, body: form, signal: opts.signal, timeoutMs
    })
    opts.onBytes?.(shard.bytes)
    const added = lines(res.text)
    const failure = added.find(a => isString(a?.message) && a?.code !== undefined)
    if (failure !== undefined) throw new ServiceError(`${slug} failed to add the CAR: ${failure.message}`)
    const cids = added.map(a => cidOf(a?.cid)).filter(isString)
    if (cids.length === 0) throw new ServiceError(`${slug} added the CAR but named no CID; cannot confirm what it stored`)
    // A CAR add reports its single root; take it, preferring the expected one if several lines came back.
    return { cid: cids.includes(root) ? root : cids[cids.length - 1] }
  }

  async function pin (cid: string, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(cid)}`, { name: opts.name }), {
      method: 'POST', headers: auth, signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ cid?: CidField }>(ctx, res, 'POST /pins/{cid}')
    return { cid: cidOf(body.cid) ?? cid }
  }

  async function status (cid: string, opts: RequestOptions = {}): Promise<ServiceStatus> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(cid)}`), { headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404] })
    if (res.status === 404) return { cid, pin: null, deals: [] }
    const info = parseJson<GlobalPinInfo>(ctx, res, 'GET /pins/{cid}')
    const { pin, raw } = stateOfPeers(info)
    const out: ServiceStatus = { cid: cidOf(info.cid) ?? cid, pin, deals: [] }
    if (raw !== '') out.rawStatus = raw
    const peers = Object.entries(info.peer_map ?? {}).filter(([, p]) => isString(p.status)).map(([id, p]) => {
      const peer: PeerPin = { peerId: id, pin: mapPinWord(p.status) ?? null, rawStatus: p.status }
      if (isString(p.peername)) peer.peerName = p.peername
      return peer
    })
    if (peers.length > 0) out.peers = peers
    return out
  }

  async function unpin (cid: string, opts: RequestOptions = {}): Promise<void> {
    await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(cid)}`), { method: 'DELETE', headers: auth, signal: opts.signal, timeoutMs })
  }

  async function list (opts: RequestOptions & { limit?: number } = {}): Promise<ListedPin[]> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/pins'), { headers: auth, signal: opts.signal, timeoutMs })
    return (lines(res.text) as GlobalPinInfo[]).filter(i => cidOf(i.cid) !== undefined).slice(0, opts.limit ?? 25).map(i => {
      return listedPin(cidOf(i.cid) as string, stateOfPeers(i).pin, i.name, i.created)
    })
  }

  return {
    slug,
    endpoint,
    maxRequestBytes: Number.POSITIVE_INFINITY,
    // `format=car` takes exactly one complete CAR with one root.
    acceptsShards: false,
    uploads: true,
    uploadCar,
    pin,
    status,
    unpin,
    list
  }
}
