/**
 * IPFS Pinning Service API v1.0.0 (Pinata `/psa`, Filebase, IPFS Cluster, our embedded service): pin by CID only.
 * `POST /pins` → 202 PinStatus, `GET /pins/{requestid}`, `GET /pins?cid=…&status=…`, `DELETE /pins/{requestid}`.
 */
import { InvalidEndpointError, QuotaError, ServiceError } from '../errors.js'
import { httpRequest, joinUrl, parseJson } from '../http.js'
import type { ListedPin, PinFields, PinningService, PinRequest, PinState, RequestOptions, ServiceConfig, ServiceStatus, UploadReceipt } from './api.js'
import { bearer, context, isString, listedPin, parseJsonError, type AdapterOptions } from './common.js'

const ALL_STATES = 'queued,pinning,pinned,failed'
const PSA_STATES = new Set<PinState>(['queued', 'pinning', 'pinned', 'failed'])

interface PinStatusBody {
  requestid?: string
  /** Some services send camelCase (services.md "what breaks" #6); accepted too. */
  requestId?: string
  status?: string
  created?: string
  pin?: { cid?: string, name?: string, origins?: unknown, meta?: unknown }
  delegates?: unknown
  info?: Record<string, unknown>
}

function stringList (v: unknown): string[] {
  return Array.isArray(v) ? v.filter(isString) : []
}

function stringMap (v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {}
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

function requestIdOf (p: PinStatusBody): string | undefined {
  return isString(p.requestid) ? p.requestid : isString(p.requestId) ? p.requestId : undefined
}

function stateOf (word: string | undefined): PinState | null {
  const w = (word ?? '').toLowerCase() as PinState
  return PSA_STATES.has(w) ? w : null
}

export function createPsa (config: ServiceConfig, options: AdapterOptions = {}, slug = 'psa'): PinningService {
  if (!isString(config.endpoint)) {
    throw new InvalidEndpointError(`${slug} needs the Pinning Service API endpoint: pass --endpoint (e.g. https://api.pinata.cloud/psa) or set PINSHIP_ENDPOINT`)
  }
  const endpoint = config.endpoint
  const ctx = context(config, slug, parseJsonError, (status, detail, where) => {
    // The spec's 409 INSUFFICIENT_FUNDS is the PSA way of saying "over quota".
    if (/INSUFFICIENT_FUNDS/i.test(`${detail.code ?? ''} ${detail.message ?? ''}`)) {
      return new QuotaError(`${where} has no funds left for this pin (HTTP ${status}: ${detail.message ?? detail.code}). Add credit or free space on the account, then retry.`, { status })
    }
    return undefined
  })
  const timeoutMs = options.timeoutMs
  const auth = bearer(config.token)
  const json = { 'content-type': 'application/json' }

  function parsePinStatus (body: PinStatusBody, what: string): { requestId: string, state: PinState | null, cid?: string, raw?: string } {
    const requestId = requestIdOf(body)
    if (requestId === undefined) throw new ServiceError(`${slug} answered ${what} without a requestid: is the endpoint a Pinning Service API?`)
    const out: { requestId: string, state: PinState | null, cid?: string, raw?: string } = { requestId, state: stateOf(body.status) }
    if (isString(body.pin?.cid)) out.cid = body.pin.cid
    if (isString(body.status)) out.raw = body.status
    return out
  }

  function pinBody (cid: string, opts: PinFields): string {
    const payload: Record<string, unknown> = { cid }
    if (isString(opts.name)) payload.name = opts.name.slice(0, 255)
    if (opts.origins !== undefined && opts.origins.length > 0) payload.origins = opts.origins.slice(0, 20)
    if (opts.meta !== undefined) payload.meta = opts.meta
    return JSON.stringify(payload)
  }

  async function pin (cid: string, opts: RequestOptions & PinFields = {}): Promise<UploadReceipt> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/pins'), {
      method: 'POST', headers: { ...auth, ...json }, body: pinBody(cid, opts), signal: opts.signal, timeoutMs
    })
    const p = parsePinStatus(parseJson<PinStatusBody>(ctx, res, 'POST /pins'), 'POST /pins')
    return { cid: p.cid ?? cid, requestId: p.requestId }
  }

  async function replacePin (requestId: string, cid: string, opts: RequestOptions & PinFields = {}): Promise<UploadReceipt> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(requestId)}`), {
      method: 'POST', headers: { ...auth, ...json }, body: pinBody(cid, opts), signal: opts.signal, timeoutMs
    })
    const p = parsePinStatus(parseJson<PinStatusBody>(ctx, res, 'POST /pins/{requestid}'), 'POST /pins/{requestid}')
    return { cid: p.cid ?? cid, requestId: p.requestId }
  }

  async function getPin (requestId: string, opts: RequestOptions = {}): Promise<PinRequest | null> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(requestId)}`), {
      headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404]
    })
    if (res.status === 404) return null
    const body = parseJson<PinStatusBody>(ctx, res, 'GET /pins/{requestid}')
    const p = parsePinStatus(body, 'GET /pins/{requestid}')
    if (p.cid === undefined) throw new ServiceError(`${slug} answered GET /pins/{requestid} without pin.cid: is the endpoint a Pinning Service API?`)
    const out: PinRequest = {
      requestId: p.requestId,
      cid: p.cid,
      pin: p.state,
      origins: stringList(body.pin?.origins),
      meta: stringMap(body.pin?.meta),
      delegates: stringList(body.delegates)
    }
    if (p.raw !== undefined) out.rawStatus = p.raw
    if (isString(body.created)) out.created = body.created
    if (isString(body.pin?.name)) out.name = body.pin.name
    return out
  }

  async function removePin (requestId: string, opts: RequestOptions = {}): Promise<boolean> {
    const res = await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(requestId)}`), {
      method: 'DELETE', headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404]
    })
    return res.status !== 404
  }

  async function find (cid: string, opts: RequestOptions & { status?: string, limit?: number } = {}): Promise<PinStatusBody[]> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/pins', { cid, status: opts.status ?? ALL_STATES, limit: opts.limit ?? 10 }), {
      headers: auth, signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ count?: number, results?: PinStatusBody[] }>(ctx, res, 'GET /pins')
    if (!Array.isArray(body.results)) throw new ServiceError(`${slug} answered GET /pins without a results list: is the endpoint a Pinning Service API?`)
    return body.results
  }

  async function status (cid: string, opts: RequestOptions & { requestId?: string } = {}): Promise<ServiceStatus> {
    let body: PinStatusBody | undefined
    if (isString(opts.requestId)) {
      const res = await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(opts.requestId)}`), {
        headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404]
      })
      if (res.status !== 404) body = parseJson<PinStatusBody>(ctx, res, 'GET /pins/{requestid}')
    }
    if (body === undefined) {
      // Newest request first: that is the one a fresh deploy made.
      const found = await find(cid, opts)
      body = found.sort((a, b) => String(b.created ?? '').localeCompare(String(a.created ?? '')))[0]
    }
    if (body === undefined) return { cid, pin: null, deals: [] }
    const p = parsePinStatus(body, 'GET /pins')
    const out: ServiceStatus = { cid: p.cid ?? cid, pin: p.state ?? 'queued', deals: [] }
    if (p.raw !== undefined) out.rawStatus = p.raw
    return out
  }

  async function unpin (cid: string, opts: RequestOptions = {}): Promise<void> {
    const found = await find(cid, { ...opts, limit: 1000 })
    if (found.length === 0) {
      throw new ServiceError(`${slug} has no pin request for ${cid}; nothing to unpin`, { status: 404 })
    }
    for (const p of found) {
      const id = requestIdOf(p)
      if (id === undefined) continue
      await httpRequest(ctx, joinUrl(endpoint, `/pins/${encodeURIComponent(id)}`), {
        method: 'DELETE', headers: auth, signal: opts.signal, timeoutMs, allowStatus: [404]
      })
    }
  }

  async function list (opts: RequestOptions & { limit?: number } = {}): Promise<ListedPin[]> {
    // Without a status filter the spec lists only pinned; pins stuck in queued/failed must show too.
    const res = await httpRequest(ctx, joinUrl(endpoint, '/pins', { status: ALL_STATES, limit: opts.limit ?? 25 }), {
      headers: auth, signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ results?: PinStatusBody[] }>(ctx, res, 'GET /pins')
    if (!Array.isArray(body.results)) throw new ServiceError(`${slug} answered GET /pins without a results list`)
    return body.results.filter(r => isString(r.pin?.cid)).map(r => {
      return listedPin(r.pin?.cid as string, stateOf(r.status), r.pin?.name, r.created)
    })
  }

  return {
    slug,
    endpoint,
    maxRequestBytes: 0,
    acceptsShards: false,
    uploads: false,
    pin,
    getPin,
    replacePin,
    removePin,
    status,
    unpin,
    list
  }
}
