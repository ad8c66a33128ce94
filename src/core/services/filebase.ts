/**
 * Filebase through its S3 API: `PutObject` of the CAR with metadata `import: car` makes Filebase import the DAG and
 * answer the root in `x-amz-meta-cid` (also on `HeadObject`). Requests are signed with SigV4 (@smithy/signature-v4),
 * the body is streamed (`UNSIGNED-PAYLOAD`).
 *
 * Credentials: the token is `ACCESS_KEY:SECRET_KEY[:BUCKET]` (or that, base64-encoded, as Filebase shows it); the
 * bucket may also come from the endpoint path (`https://s3.filebase.com/my-bucket`) or `extras.bucket`.
 */
import type { SignatureV4 } from '@smithy/signature-v4'
import { AuthError, ForbiddenError, InvalidArgumentError, MissingTokenError, QuotaError, ServiceError, TooLargeError } from '../errors.js'
import { httpRequest, type ErrorDetail, type HttpResponse } from '../http.js'
import type { PinningService, RequestOptions, ServiceConfig, ServiceStatus, ShardUpload, UploadReceipt } from './api.js'
import { context, fileStream, isString, type AdapterOptions } from './common.js'

export const FILEBASE_ENDPOINT = 'https://s3.filebase.com'
export const FILEBASE_REGION = 'us-east-1'
/** Largest single PutObject S3 allows. */
export const FILEBASE_MAX_REQUEST_BYTES = 5 * 1024 ** 3

function xmlField (xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)
  return m?.[1]?.trim() === '' ? undefined : m?.[1]?.trim()
}

/** S3 errors are XML `<Error><Code>…</Code><Message>…</Message></Error>`. */
function parseS3Error (_status: number, body: string): ErrorDetail {
  const code = xmlField(body, 'Code')
  const message = xmlField(body, 'Message')
  return { code, message: [code, message].filter(isString).join(': ') || undefined }
}

interface Credentials { accessKeyId: string, secretAccessKey: string, bucket?: string }

function parseToken (token: string): Credentials | undefined {
  const split = (s: string): Credentials | undefined => {
    const parts = s.split(':')
    if (parts.length < 2 || parts.length > 3 || parts.some(p => p === '')) return undefined
    return { accessKeyId: parts[0], secretAccessKey: parts[1], ...(parts[2] !== undefined ? { bucket: parts[2] } : {}) }
  }
  const direct = split(token)
  if (direct !== undefined) return direct
  if (/^[A-Za-z0-9+/=]+$/.test(token)) return split(Buffer.from(token, 'base64').toString('utf8'))
  return undefined
}

function objectPath (bucket: string, key: string): string {
  return `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`
}

export function createFilebase (config: ServiceConfig, options: AdapterOptions = {}): PinningService {
  const slug = 'filebase'
  const endpointUrl = new URL(config.endpoint ?? FILEBASE_ENDPOINT)
  const creds = isString(config.token) ? parseToken(config.token) : undefined
  if (creds === undefined) {
    throw new MissingTokenError('filebase needs S3 credentials: set --token or PINSHIP_TOKEN to ACCESS_KEY:SECRET_KEY:BUCKET (from the Filebase console, Access Keys)')
  }
  const pathBucket = endpointUrl.pathname.split('/').filter(s => s !== '')[0]
  const bucket = config.extras?.bucket ?? creds.bucket ?? pathBucket
  if (!isString(bucket)) {
    throw new InvalidArgumentError('filebase needs a bucket: add it to the token (ACCESS_KEY:SECRET_KEY:BUCKET) or to the endpoint (https://s3.filebase.com/BUCKET)')
  }
  const origin = `${endpointUrl.protocol}//${endpointUrl.host}`
  // the SigV4 code loads on the first signed request: every deploy to another service would pay for it at start-up
  let signer: Promise<SignatureV4> | undefined
  const getSigner = async (): Promise<SignatureV4> => await (signer ??= (async () => {
    const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')])
    return new SignatureV4({
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
      region: config.extras?.region ?? FILEBASE_REGION,
      service: 's3',
      sha256: Sha256,
      // S3 signs the path exactly as sent (no second round of escaping).
      uriEscapePath: false
    })
  })())
  const ctx = context({ ...config, extras: { ...config.extras, secretAccessKey: creds.secretAccessKey } }, slug, parseS3Error, (status, detail, where) => {
    const said = detail.message !== undefined ? `: ${detail.message}` : ''
    switch (detail.code) {
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
      case 'AuthorizationHeaderMalformed':
        return new AuthError(`${where} rejected the credentials (HTTP ${status}${said}). Check the access key and secret in --token (ACCESS_KEY:SECRET_KEY:BUCKET).`, { status })
      case 'AccessDenied':
        return new ForbiddenError(`${where} denied access to bucket ${bucket} (HTTP ${status}${said}). Use keys that can write to this bucket.`, { status })
      case 'NoSuchBucket':
        return new ServiceError(`${where} has no bucket named ${bucket} (HTTP ${status}). Create it in the Filebase console (IPFS network) or fix the bucket name.`, { status })
      case 'EntityTooLarge':
        return new TooLargeError(`${where} refused the CAR as too large (HTTP ${status}${said}). A single upload is limited to 5 GB.`, { status })
      case 'QuotaExceeded':
      case 'StorageQuotaExceeded':
        return new QuotaError(`${where} says the account is over its storage quota (HTTP ${status}${said}). Free space or upgrade the plan.`, { status })
      default:
        return undefined
    }
  })
  const timeoutMs = options.timeoutMs

  async function signed (method: string, key: string, headers: Record<string, string>): Promise<{ url: URL, headers: Record<string, string> }> {
    const path = objectPath(bucket as string, key)
    const req = await (await getSigner()).sign({
      method,
      protocol: endpointUrl.protocol,
      hostname: endpointUrl.hostname,
      ...(endpointUrl.port !== '' ? { port: Number(endpointUrl.port) } : {}),
      path,
      query: {},
      headers: { host: endpointUrl.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers }
    })
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() !== 'host') out[k] = v
    return { url: new URL(origin + path), headers: out }
  }

  async function head (key: string, opts: RequestOptions): Promise<HttpResponse> {
    const s = await signed('HEAD', key, {})
    return await httpRequest(ctx, s.url, { method: 'HEAD', headers: s.headers, signal: opts.signal, timeoutMs, allowStatus: [404] })
  }

  async function uploadCar (root: string, shard: ShardUpload, opts: RequestOptions & { name?: string } = {}): Promise<UploadReceipt> {
    const key = opts.name ?? root
    const s = await signed('PUT', key, {
      'content-type': 'application/vnd.ipld.car',
      'content-length': String(shard.bytes),
      'x-amz-meta-import': 'car'
    })
    const res = await httpRequest(ctx, s.url, {
      method: 'PUT', headers: s.headers, body: fileStream(shard.path), signal: opts.signal, timeoutMs, onUploadBytes: opts.onBytes
    })
    let cid = res.headers.get('x-amz-meta-cid')
    if (!isString(cid)) {
      // Some gateways in front of Filebase drop response metadata; HeadObject always carries it.
      const h = await head(key, opts)
      cid = h.headers.get('x-amz-meta-cid')
    }
    if (!isString(cid)) throw new ServiceError(`${slug} stored object ${key} but reported no CID (x-amz-meta-cid); is bucket ${bucket} an IPFS bucket?`)
    return { cid, requestId: key }
  }

  async function status (cid: string, opts: RequestOptions & { requestId?: string } = {}): Promise<ServiceStatus> {
    const key = opts.requestId ?? cid
    const res = await head(key, opts)
    if (res.status === 404) return { cid, pin: null, deals: [] }
    const got = res.headers.get('x-amz-meta-cid')
    // The object exists; Filebase sets the cid once the import is pinned.
    if (!isString(got)) return { cid, pin: 'pinning', deals: [], rawStatus: 'no x-amz-meta-cid yet' }
    return { cid: got, pin: 'pinned', deals: [], rawStatus: 'object stored' }
  }

  async function unpin (cid: string, opts: RequestOptions & { requestId?: string } = {}): Promise<void> {
    const s = await signed('DELETE', opts.requestId ?? cid, {})
    await httpRequest(ctx, s.url, { method: 'DELETE', headers: s.headers, signal: opts.signal, timeoutMs })
  }

  return {
    slug,
    endpoint: `${origin}/${bucket}`,
    maxRequestBytes: FILEBASE_MAX_REQUEST_BYTES,
    // Each object is imported on its own: a partial CAR would not pin.
    acceptsShards: false,
    uploads: true,
    uploadCar,
    status,
    unpin
  }
}
