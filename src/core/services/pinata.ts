/**
 * Pinata. Uploads a whole CAR through v3 `POST /v3/files` (`car=true`, public network), switching to TUS on the
 * same URL for bodies over 100 MB (a retried TUS upload resumes where the server says it got to); pins by CID
 * through legacy `pinByHash`. Status comes from `pinJobs` while a pin-by-CID job exists, then from `pinList` (a
 * finished job leaves the job list; seed 002).
 */
import { QuotaError, ServiceError, TooLargeError } from '../errors.js'
import { httpRequest, joinUrl, parseJson } from '../http.js'
import type { ListedPin, PinFields, PinningService, PinState, RequestOptions, ServiceConfig, ServiceStatus, ShardUpload, UploadReceipt } from './api.js'
import { bearer, context, fileBlob, fileStream, isString, listedPin, parseJsonError, type AdapterOptions } from './common.js'

export const PINATA_ENDPOINT = 'https://api.pinata.cloud'
export const PINATA_UPLOADS_ENDPOINT = 'https://uploads.pinata.cloud'
/** Bodies above this go through TUS (Pinata refuses larger plain uploads). */
export const DEFAULT_TUS_THRESHOLD_BYTES = 100_000_000
/** TUS chunks must stay under 50 MB. */
export const DEFAULT_TUS_CHUNK_BYTES = 45 * 1024 * 1024
/** Largest file Pinata takes at all (25 GB on paid plans). */
export const PINATA_MAX_REQUEST_BYTES = 25_000_000_000

const JOB_STATES: Record<string, PinState> = {
  prechecking: 'queued',
  searching: 'pinning',
  retrieving: 'pinning',
  expired: 'failed',
  over_free_limit: 'failed',
  over_max_size: 'failed',
  invalid_object: 'failed',
  bad_host_node: 'failed'
}

/** What each failed job status means for the user (seed 002). */
const JOB_ADVICE: Record<string, string> = {
  expired: 'Pinata could not find the content on the IPFS network within a day: make sure it is provided, then pin again',
  over_free_limit: 'pinning this would exceed the free plan: add a payment method',
  over_max_size: 'the content is too large for Pinata to pin by CID: contact Pinata or upload it instead',
  invalid_object: 'IPFS nodes cannot read this object',
  bad_host_node: 'a host node given was invalid or unreachable'
}

export interface PinataOptions extends AdapterOptions {
  /** @default DEFAULT_TUS_THRESHOLD_BYTES */
  tusThresholdBytes?: number
  /** @default DEFAULT_TUS_CHUNK_BYTES */
  tusChunkBytes?: number
}

function b64 (s: string): string {
  return Buffer.from(s).toString('base64')
}

export function createPinata (config: ServiceConfig, options: PinataOptions = {}): PinningService {
  const slug = 'pinata'
  const endpoint = config.endpoint ?? PINATA_ENDPOINT
  // A custom endpoint (a proxy, a test double) serves both APIs; Pinata itself splits them over two hosts.
  const custom = config.endpoint !== undefined && config.endpoint.replace(/\/+$/, '') !== PINATA_ENDPOINT
  const uploadsEndpoint = config.extras?.uploadsEndpoint ?? (custom ? endpoint : PINATA_UPLOADS_ENDPOINT)
  const ctx = context(config, slug, parseJsonError, (status, detail, where) => {
    const text = `${detail.code ?? ''} ${detail.message ?? ''}`
    if (status === 403 && /limit|plan|upgrade|quota/i.test(text)) {
      return new QuotaError(`${where} refused: the plan's limit is reached (HTTP 403: ${detail.message ?? detail.code}). Upgrade the plan or unpin old content.`, { status })
    }
    if (status === 413 || /too large|max.*size/i.test(text)) {
      return new TooLargeError(`${where} refused the file as too large (HTTP ${status}: ${detail.message ?? detail.code}). Check the plan's file size limit.`, { status })
    }
    return undefined
  })
  const timeoutMs = options.timeoutMs
  const auth = bearer(config.token)
  const tusThreshold = options.tusThresholdBytes ?? DEFAULT_TUS_THRESHOLD_BYTES
  const tusChunk = options.tusChunkBytes ?? DEFAULT_TUS_CHUNK_BYTES

  async function uploadSimple (shard: ShardUpload, opts: RequestOptions & { name?: string }): Promise<UploadReceipt> {
    const form = new FormData()
    form.append('network', 'public')
    form.append('car', 'true')
    form.append('name', opts.name ?? `${shard.carCid}.car`)
    form.append('file', await fileBlob(shard.path), `${shard.carCid}.car`)
    const res = await httpRequest(ctx, joinUrl(uploadsEndpoint, '/v3/files'), {
      method: 'POST', headers: auth, body: form, signal: opts.signal, timeoutMs
    })
    opts.onBytes?.(shard.bytes)
    const body = parseJson<{ data?: { id?: string, cid?: string } }>(ctx, res, 'POST /v3/files')
    if (!isString(body.data?.cid)) throw new ServiceError(`${slug} accepted the CAR but its answer has no data.cid; cannot confirm what it stored`)
    const receipt: UploadReceipt = { cid: body.data.cid }
    if (isString(body.data.id)) receipt.requestId = body.data.id
    return receipt
  }

  /**
   * TUS uploads begun by this adapter and not finished, by shard: a retry (retry.ts calls `uploadCar` again) resumes
   * the same upload instead of sending every byte again. The adapter lives for one deploy, so this map does too.
   */
  const tusUploads = new Map<string, URL>()
  const tusKey = (shard: ShardUpload): string => `${shard.path}\0${shard.bytes}\0${shard.carCid}`
  const tusHeaders = { ...auth, 'tus-resumable': '1.0.0' }

  /** TUS 1.0.0 create (POST): the upload's URL, from `Location`. */
  async function tusCreate (shard: ShardUpload, opts: RequestOptions & { name?: string }): Promise<URL> {
    const name = opts.name ?? `${shard.carCid}.car`
    const metadata = [`filename ${b64(`${shard.carCid}.car`)}`, `filetype ${b64('application/vnd.ipld.car')}`,
      `name ${b64(name)}`, `network ${b64('public')}`, `car ${b64('true')}`].join(',')
    const create = await httpRequest(ctx, joinUrl(uploadsEndpoint, '/v3/files'), {
      method: 'POST',
      headers: { ...tusHeaders, 'upload-length': String(shard.bytes), 'upload-metadata': metadata },
      signal: opts.signal,
      timeoutMs
    })
    const location = create.headers.get('location')
    if (!isString(location)) throw new ServiceError(`${slug} started a TUS upload without a Location header; cannot continue`)
    return new URL(location, joinUrl(uploadsEndpoint, '/v3/files'))
  }

  /**
   * TUS 1.0.0 HEAD: how many bytes of an earlier upload the server holds, or null when it no longer knows the upload
   * (404, 410) or holds one we cannot continue (another length, or every byte but no CID to show for it).
   */
  async function tusOffset (uploadUrl: URL, shard: ShardUpload, opts: RequestOptions): Promise<{ offset: number, cid?: string } | null> {
    const res = await httpRequest(ctx, uploadUrl, { method: 'HEAD', headers: tusHeaders, signal: opts.signal, timeoutMs, allowStatus: [404, 410] })
    if (res.status === 404 || res.status === 410) return null
    const said = res.headers.get('upload-offset')
    const offset = Number(said)
    if (said === null || !Number.isSafeInteger(offset) || offset < 0 || offset > shard.bytes) {
      throw new ServiceError(`${slug} answered HEAD on a TUS upload without a usable Upload-Offset (${said ?? 'none'}); cannot tell where to resume`, { retryable: true })
    }
    const length = res.headers.get('upload-length')
    if (length !== null && Number(length) !== shard.bytes) return null
    const cid = res.headers.get('upload-cid')
    if (offset === shard.bytes) return isString(cid) && cid !== '' ? { offset, cid } : null
    return { offset }
  }

  /**
   * TUS 1.0.0: create (POST), then PATCH chunks; the last 204 carries the root in `upload-cid`. A call for a shard
   * whose earlier upload failed part way asks the server where it got to (HEAD) and sends only the rest.
   */
  async function uploadTus (shard: ShardUpload, opts: RequestOptions & { name?: string }): Promise<UploadReceipt> {
    const key = tusKey(shard)
    let uploadUrl = tusUploads.get(key)
    let offset = 0
    if (uploadUrl !== undefined) {
      const resume = await tusOffset(uploadUrl, shard, opts)
      if (resume === null) {
        uploadUrl = undefined
        tusUploads.delete(key)
      } else if (resume.cid !== undefined) {
        // The last PATCH landed but its answer was lost.
        tusUploads.delete(key)
        opts.onBytes?.(shard.bytes)
        return { cid: resume.cid }
      } else {
        offset = resume.offset
      }
    }
    if (uploadUrl === undefined) {
      uploadUrl = await tusCreate(shard, opts)
      tusUploads.set(key, uploadUrl)
    }
    const target = uploadUrl
    let cid: string | null = null
    while (offset < shard.bytes) {
      const end = Math.min(offset + tusChunk, shard.bytes)
      const base = offset
      const res = await httpRequest(ctx, target, {
        method: 'PATCH',
        headers: {
          ...tusHeaders,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
          'content-length': String(end - offset)
        },
        body: fileStream(shard.path, { start: offset, end }),
        signal: opts.signal,
        timeoutMs,
        onUploadBytes: n => opts.onBytes?.(base + n)
      })
      const next = Number(res.headers.get('upload-offset'))
      if (!Number.isFinite(next) || next <= offset) {
        throw new ServiceError(`${slug} did not advance the TUS upload offset (sent up to ${end}, server says ${res.headers.get('upload-offset') ?? 'nothing'})`, { retryable: true })
      }
      offset = next
      cid = res.headers.get('upload-cid') ?? cid
    }
    tusUploads.delete(key)
    if (!isString(cid)) throw new ServiceError(`${slug} finished the TUS upload without an upload-cid header; cannot confirm what it stored`)
    return { cid }
  }

  async function uploadCar (_root: string, shard: ShardUpload, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    return shard.bytes > tusThreshold ? await uploadTus(shard, opts) : await uploadSimple(shard, opts)
  }

  async function pin (cid: string, opts: RequestOptions & PinFields = {}): Promise<UploadReceipt> {
    const payload: Record<string, unknown> = { hashToPin: cid }
    if (isString(opts.name)) payload.pinataMetadata = { name: opts.name }
    // Pinata's word for PSA origins; it takes at most 5
    if (opts.origins !== undefined && opts.origins.length > 0) payload.pinataOptions = { hostNodes: opts.origins.slice(0, 5) }
    const res = await httpRequest(ctx, joinUrl(endpoint, '/pinning/pinByHash'), {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ id?: string, ipfsHash?: string, status?: string }>(ctx, res, 'POST /pinning/pinByHash')
    const receipt: UploadReceipt = { cid: isString(body.ipfsHash) ? body.ipfsHash : cid }
    if (isString(body.id)) receipt.requestId = body.id
    return receipt
  }

  async function pinned (cid: string, opts: RequestOptions): Promise<boolean> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/data/pinList', { cid, status: 'pinned', pageLimit: 1 }), {
      headers: auth, signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ count?: number, rows?: unknown[] }>(ctx, res, 'GET /data/pinList')
    return (body.count ?? 0) > 0 || (body.rows?.length ?? 0) > 0
  }

  async function status (cid: string, opts: RequestOptions & { requestId?: string } = {}): Promise<ServiceStatus> {
    const jobsRes = await httpRequest(ctx, joinUrl(endpoint, '/pinning/pinJobs', { ipfs_pin_hash: cid, sort: 'DESC', limit: 5 }), {
      headers: auth, signal: opts.signal, timeoutMs
    })
    const jobs = parseJson<{ rows?: Array<{ id?: string, status?: string }> }>(ctx, jobsRes, 'GET /pinning/pinJobs')
    const rows = jobs.rows ?? []
    const job = rows.find(r => opts.requestId !== undefined && r.id === opts.requestId) ?? rows[0]
    if (job !== undefined && isString(job.status)) {
      const state = JOB_STATES[job.status] ?? 'queued'
      const out: ServiceStatus = { cid, pin: state, deals: [], rawStatus: job.status }
      if (state === 'failed' && JOB_ADVICE[job.status] !== undefined) out.rawStatus = `${job.status}: ${JOB_ADVICE[job.status]}`
      return out
    }
    // No job: either never asked, or finished — pinList tells which.
    return (await pinned(cid, opts)) ? { cid, pin: 'pinned', deals: [], rawStatus: 'pinned' } : { cid, pin: null, deals: [] }
  }

  async function unpin (cid: string, opts: RequestOptions = {}): Promise<void> {
    await httpRequest(ctx, joinUrl(endpoint, `/pinning/unpin/${encodeURIComponent(cid)}`), { method: 'DELETE', headers: auth, signal: opts.signal, timeoutMs })
  }

  async function list (opts: RequestOptions & { limit?: number } = {}): Promise<ListedPin[]> {
    const res = await httpRequest(ctx, joinUrl(endpoint, '/data/pinList', { status: 'pinned', pageLimit: opts.limit ?? 25 }), {
      headers: auth, signal: opts.signal, timeoutMs
    })
    const body = parseJson<{ rows?: Array<{ ipfs_pin_hash?: string, date_pinned?: string, metadata?: { name?: string } }> }>(ctx, res, 'GET /data/pinList')
    return (body.rows ?? []).filter(r => isString(r.ipfs_pin_hash)).map(r => {
      return listedPin(r.ipfs_pin_hash as string, 'pinned', r.metadata?.name, r.date_pinned)
    })
  }

  return {
    slug,
    endpoint,
    maxRequestBytes: PINATA_MAX_REQUEST_BYTES,
    // Each v3 CAR upload becomes its own file: a partial DAG would not pin.
    acceptsShards: false,
    uploads: true,
    uploadCar,
    pin,
    status,
    unpin,
    list
  }
}
