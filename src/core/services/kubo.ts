/**
 * Kubo RPC (self-hosted node, default 127.0.0.1:5001). Upload: `POST /api/v0/dag/import?pin-roots=true` with the
 * CAR as a multipart `file`; the ndjson answer names the root and, when pinning failed, a `PinErrorMsg`.
 * Status: `pin/ls`. All calls are POST with flags in the query string.
 */
import { PinFailedError, ServiceError } from '../errors.js'
import { httpRequest, joinUrl, parseJson, type ErrorDetail } from '../http.js'
import type { ListedPin, PinningService, RequestOptions, ServiceConfig, ServiceStatus, ShardUpload, UploadReceipt } from './api.js'
import { authHeader, context, fileBlob, isString, listedPin, parseJsonError, type AdapterOptions } from './common.js'

export const KUBO_ENDPOINT = 'http://127.0.0.1:5001'

interface KuboError { Message?: string, Code?: number, Type?: string }

const KUBO_COMMAND_ERROR = 'kubo-command-error'

function parseKuboError (status: number, body: string): ErrorDetail {
  const detail = parseJsonError(status, body)
  try {
    if ((JSON.parse(body) as KuboError).Type === 'error') return { ...detail, code: KUBO_COMMAND_ERROR }
  } catch { /* not JSON: plain mapping by status */ }
  return detail
}

function ndjson (text: string): any[] {
  return text.split('\n').map(l => l.trim()).filter(l => l !== '').map(l => {
    try { return JSON.parse(l) } catch { return undefined }
  }).filter(v => v !== undefined)
}

export function createKubo (config: ServiceConfig, options: AdapterOptions = {}): PinningService {
  const slug = 'kubo'
  const endpoint = config.endpoint ?? KUBO_ENDPOINT
  const ctx = context(config, slug, parseKuboError, (status: number, detail: ErrorDetail, where: string) => {
    // Kubo answers every failed command with 500 and {Type:"error"}: the command failed, repeating it will not help.
    // A bare 500 (a proxy in front, a crash) stays retryable.
    if (status === 500 && detail.code === KUBO_COMMAND_ERROR) {
      return new ServiceError(`${where}: ${detail.message}`, { status, retryable: false })
    }
    return undefined
  })
  const timeoutMs = options.timeoutMs
  const auth = authHeader(config.token)

  function rpc (command: string, query: Record<string, string | number | boolean | undefined> = {}): URL {
    return joinUrl(endpoint, `/api/v0/${command}`, query)
  }

  async function uploadCar (root: string, shard: ShardUpload, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const form = new FormData()
    form.append('file', await fileBlob(shard.path), `${shard.carCid}.car`)
    const res = await httpRequest(ctx, rpc('dag/import', { 'pin-roots': true, stats: false }), {
      method: 'POST', headers: auth, body: form, signal: opts.signal, timeoutMs
    })
    opts.onBytes?.(shard.bytes)
    const lines = ndjson(res.text)
    const failure = lines.find((l: KuboError) => l.Type === 'error')
    if (failure !== undefined) throw new ServiceError(`${slug} failed to import the CAR: ${failure.Message ?? 'unknown error'}`)
    const roots = lines.filter(l => l.Root !== undefined).map(l => l.Root as { Cid?: { '/'?: string }, PinErrorMsg?: string })
    if (roots.length === 0) throw new ServiceError(`${slug} imported the CAR but named no root; cannot confirm what it stored`)
    const mine = roots.find(r => r.Cid?.['/'] === root) ?? roots[0]
    if (isString(mine.PinErrorMsg)) {
      throw new PinFailedError(`${slug} imported the CAR but could not pin ${mine.Cid?.['/'] ?? root}: ${mine.PinErrorMsg}. A CAR missing blocks cannot be pinned: deploy the complete folder.`)
    }
    const cid = mine.Cid?.['/']
    if (!isString(cid)) throw new ServiceError(`${slug} named a root without a CID; cannot confirm what it stored`)
    return { cid }
  }

  async function pin (cid: string, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const res = await httpRequest(ctx, rpc('pin/add', { arg: cid, recursive: true, name: opts.name }), {
      method: 'POST', headers: auth, signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ Pins?: string[] }>(ctx, res, 'pin/add')
    return { cid: body.Pins?.[0] ?? cid }
  }

  async function status (cid: string, opts: RequestOptions = {}): Promise<ServiceStatus> {
    const res = await httpRequest(ctx, rpc('pin/ls', { arg: cid, type: 'recursive' }), {
      method: 'POST', headers: auth, signal: opts.signal, timeoutMs, allowStatus: [500]
    })
    if (res.status === 500) {
      const err = parseJson<KuboError>(ctx, res, 'pin/ls')
      // "path '…' is not pinned" (or "not pinned or pinned indirectly") is the normal "unknown here" answer.
      if (/not pinned/i.test(err.Message ?? '')) return { cid, pin: null, deals: [] }
      throw new ServiceError(`${slug} at ${new URL(endpoint).host}: pin/ls failed: ${err.Message ?? 'unknown error'}`, { status: 500 })
    }
    const body = parseJson<{ Keys?: Record<string, { Type?: string }> }>(ctx, res, 'pin/ls')
    const keys = Object.keys(body.Keys ?? {})
    return keys.length > 0 ? { cid, pin: 'pinned', deals: [], rawStatus: body.Keys?.[keys[0]]?.Type ?? 'recursive' } : { cid, pin: null, deals: [] }
  }

  async function unpin (cid: string, opts: RequestOptions = {}): Promise<void> {
    await httpRequest(ctx, rpc('pin/rm', { arg: cid }), { method: 'POST', headers: auth, signal: opts.signal, timeoutMs })
  }

  async function list (opts: RequestOptions & { limit?: number } = {}): Promise<ListedPin[]> {
    const res = await httpRequest(ctx, rpc('pin/ls', { type: 'recursive', names: true }), { method: 'POST', headers: auth, signal: opts.signal, timeoutMs })
    const body = parseJson<{ Keys?: Record<string, { Type?: string, Name?: string }> }>(ctx, res, 'pin/ls')
    return Object.entries(body.Keys ?? {}).slice(0, opts.limit ?? 25).map(([cid, v]) => {
      return listedPin(cid, 'pinned', v.Name)
    })
  }

  return {
    slug,
    endpoint,
    // A self-hosted node has no request cap worth sharding for.
    maxRequestBytes: Number.POSITIVE_INFINITY,
    // dag/import pins each request's roots: a partial CAR would fail to pin.
    acceptsShards: false,
    uploads: true,
    uploadCar,
    pin,
    status,
    unpin,
    list
  }
}
