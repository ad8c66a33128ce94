/**
 * The one HTTP helper every adapter uses. It sends a request through undici (the platform `fetch` with an undici
 * `Agent`) or, for streamed uploads, through `node:http`/`node:https` (`nock` intercepts both in tests), enforces an
 * idle timeout, honours cancellation, and turns every failure into a PinshipError subclass whose message names the
 * service and says what to do. It never retries: retries live in `retry.ts`.
 */
import { Agent as HttpAgent, request as httpNodeRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsNodeRequest } from 'node:https'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Agent } from 'undici'
// the Agent module alone (see undici-agent.d.ts): the whole package is ~3× the start-up
import UndiciAgent from 'undici/lib/dispatcher/agent.js'
import {
  AbortedError, AuthError, ForbiddenError, InvalidEndpointError, NetworkError, NotFoundError, NotServiceApiError, PinshipError, QuotaError,
  RateLimitedError, ServiceError, ServiceUnavailableError, TimeoutError, TooLargeError
} from './errors.js'

/** Abort a request when no bytes move (either way) for this long. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000
export const USER_AGENT = 'pinship/0.1.0'

let sharedAgent: Agent | undefined
function agent (): Agent {
  // Timeouts are enforced by our own idle timer (which also works under nock); the agent only pools connections.
  sharedAgent ??= new UndiciAgent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 4_000, connections: 32 })
  return sharedAgent
}

/** Keep-alive pools for streamed uploads (node:http), sized like the undici agent. */
let nodeAgents: { http: HttpAgent, https: HttpsAgent } | undefined
function nodeAgent (url: URL): HttpAgent {
  nodeAgents ??= {
    http: new HttpAgent({ keepAlive: true, maxSockets: 32, timeout: 4_000 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 32, timeout: 4_000 })
  }
  return url.protocol === 'https:' ? nodeAgents.https : nodeAgents.http
}

/** What an adapter extracted from a service's error body. */
export interface ErrorDetail {
  /** The service's own words, already trimmed. */
  message?: string
  /** The service's machine code (INSUFFICIENT_FUNDS, SlowDown, ERROR_FEATURE_HAS_BEEN_SUNSET…). */
  code?: string
}

/** Who we are talking to, for messages and redaction. */
export interface HttpContext {
  /** Service slug, e.g. "psa". */
  service: string
  /** Strings that must never appear in an error message (tokens, secrets). */
  secrets?: string[]
  /** Pulls the service's message out of an error body (each adapter knows its own error shape). */
  parseError?: (status: number, body: string, headers: Headers) => ErrorDetail
  /** Lets an adapter turn a specific answer into a more precise error; undefined = use the generic mapping. */
  mapError?: (status: number, detail: ErrorDetail, where: string) => PinshipError | undefined
}

export interface HttpRequestInit {
  method?: string
  headers?: Record<string, string>
  /** Streams must be fresh per call: a retry calls the adapter again, which opens the file again. */
  body?: string | Uint8Array | FormData | ReadableStream<Uint8Array> | Readable
  signal?: AbortSignal
  /** Idle timeout. @default DEFAULT_REQUEST_TIMEOUT_MS */
  timeoutMs?: number
  /** Statuses to hand back instead of throwing (e.g. 404 for "not known here"). */
  allowStatus?: number[]
  /** Called with the running count of request-body bytes sent (stream bodies only). */
  onUploadBytes?: (bytes: number) => void
}

export interface HttpResponse {
  status: number
  headers: Headers
  /** The whole response body as text (bodies we read are small JSON/XML answers). */
  text: string
}

/** Parse a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter (value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** Replace every secret with "***" so a service echoing a token cannot leak it into a message. */
export function redact (text: string, secrets: string[] = []): string {
  let out = text
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('***')
  }
  return out
}

function describeEndpoint (url: URL): string {
  return `${url.protocol}//${url.host}`
}

class IdleTimer {
  private timer: NodeJS.Timeout | undefined
  fired = false
  constructor (private readonly ms: number, private readonly controller: AbortController) {
    this.touch()
  }

  touch (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.ms <= 0 || !Number.isFinite(this.ms)) return
    this.timer = setTimeout(() => { this.fired = true; this.controller.abort(new Error('idle timeout')) }, this.ms)
    this.timer.unref?.()
  }

  stop (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
  }
}

/**
 * Count bytes as fetch pulls them: upload progress, and the idle timer stays alive during long uploads. An async
 * generator over the Node stream is about twice as fast as Readable.toWeb + a TransformStream (bench/deploy.mjs).
 */
async function * counted (body: ReadableStream<Uint8Array> | Readable, timer: IdleTimer,
  onBytes: ((n: number) => void) | undefined): AsyncGenerator<Uint8Array> {
  let sent = 0
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    sent += chunk.byteLength
    timer.touch()
    onBytes?.(sent)
    yield chunk
  }
}

/** The same count as `counted`, for a node:http upload: a second 'data' listener next to the pipe (no extra stage). */
function countBytes (body: Readable, timer: IdleTimer, onBytes: ((n: number) => void) | undefined): void {
  let sent = 0
  body.on('data', (chunk: Uint8Array) => {
    sent += chunk.byteLength
    timer.touch()
    onBytes?.(sent)
  })
}

function toHeaders (res: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = res.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1])
  return headers
}

/**
 * A streamed upload through node:http(s): `stream.pipeline` from the body into the request. Measured on loopback
 * (bench/deploy.mjs), fetch with an async-iterable body costs about a third more wall time per shard (undici copies
 * every chunk into a web stream). Redirects are not followed (a streamed body cannot be sent twice); a 3xx maps
 * like any other unexpected status.
 */
async function sendStream (target: URL, method: string, headers: Record<string, string>, body: Readable,
  signal: AbortSignal, timer: IdleTimer, onBytes: ((n: number) => void) | undefined): Promise<{ res: IncomingMessage, done: () => boolean }> {
  const send = target.protocol === 'https:' ? httpsNodeRequest : httpNodeRequest
  const req = send(target, { method, headers, signal, agent: nodeAgent(target) })
  let finished = false
  // A body that fails to read (file gone) is the cause, not the request the pipeline then tears down.
  let bodyError: unknown
  body.once('error', err => { bodyError ??= err })
  const responded = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.once('error', reject)
  })
  // A failed upload destroys the request, which rejects `responded`; an answer that comes before the whole body
  // (an early 401 or 413) wins over the write error that may follow it.
  countBytes(body, timer, onBytes)
  pipeline(body, req).then(() => { finished = true }, () => {})
  try {
    return { res: await responded, done: () => finished }
  } catch (err) {
    body.destroy()
    throw bodyError ?? err
  }
}

async function readNodeText (res: IncomingMessage, timer: IdleTimer): Promise<string> {
  const decoder = new TextDecoder()
  let out = ''
  for await (const chunk of res as AsyncIterable<Buffer>) {
    timer.touch()
    out += decoder.decode(chunk, { stream: true })
  }
  return out + decoder.decode()
}

function networkCode (err: unknown): string | undefined {
  const seen = new Set<unknown>()
  let cur: any = err
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur)
    if (typeof cur.code === 'string') return cur.code
    if (Array.isArray(cur.errors) && cur.errors.length > 0 && typeof cur.errors[0]?.code === 'string') return cur.errors[0].code
    cur = cur.cause
  }
  return undefined
}

function causeMessages (err: unknown): string[] {
  const out: string[] = []
  const seen = new Set<unknown>()
  let cur: any = err
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur)
    if (typeof cur.message === 'string') out.push(cur.message)
    cur = cur.cause
  }
  return out
}

const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is the service running and is the endpoint right?',
  ENOTFOUND: 'host not found: check the endpoint URL',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ECONNRESET: 'connection reset by the peer',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable'
}

function transportError (err: unknown, ctx: HttpContext, url: URL, init: HttpRequestInit, timer: IdleTimer,
  phase: 'sending the request' | 'reading the response'): PinshipError {
  const where = `${ctx.service} at ${describeEndpoint(url)}`
  if (err instanceof PinshipError) return err
  if (init.signal?.aborted === true) {
    return new AbortedError(`${where}: request cancelled`, { cause: init.signal.reason })
  }
  if (timer.fired) {
    const ms = init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const idle = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`
    return new TimeoutError(`${where}: no data for ${idle} while ${phase}; the service may be overloaded (it will be retried)`, { cause: err })
  }
  if (causeMessages(err).includes('bad port')) {
    // fetch refuses the ports of other protocols (the WHATWG "bad port" list: 9 discard, 25 SMTP, 6000 X11…)
    return new InvalidEndpointError(`${where}: port ${url.port} is reserved for another protocol and fetch refuses to connect to it; ` +
      'check --endpoint: the service listens on another port (pinship serve uses 8787)', { cause: err })
  }
  const code = networkCode(err)
  const hint = code !== undefined ? (CONNECT_HINTS[code] ?? code) : (err instanceof Error ? err.message : String(err))
  const retryable = code !== 'ENOTFOUND'
  return new NetworkError(redact(`${where}: ${hint} (while ${phase})`, ctx.secrets), { cause: err, retryable })
}

/**
 * Statuses a proxy in front of a real API answers with an HTML page of its own (basic auth, body too large, rate
 * limit, backend down or slow): those keep their usual meaning. Any other HTML answer to an API request (a 200
 * index.html, a 404 or 501 page) means the endpoint is not the API at all.
 */
const PROXY_STATUSES = new Set([401, 403, 407, 413, 429, 502, 503, 504])

function isHtml (headers: Headers, text: string): boolean {
  if (/^\s*text\/html\b/i.test(headers.get('content-type') ?? '')) return true
  return /^\s*<(!doctype html|html[\s>])/i.test(text.slice(0, 100))
}

/** An HTML page where an API answer was expected (a static file server's 404/501, a web app's index.html). */
export function notApiError (ctx: HttpContext, url: URL, status: number, headers: Headers, text: string): PinshipError | undefined {
  if (PROXY_STATUSES.has(status) || !isHtml(headers, text)) return undefined
  const title = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(text)?.[1]?.trim()
  return new NotServiceApiError(redact(`${ctx.service} at ${describeEndpoint(url)} answered ${url.pathname} with an HTML page ` +
    `(HTTP ${status}${title !== undefined && title !== '' ? `, "${title}"` : ''}), not the ${ctx.service} API: check that --endpoint is the ` +
    `API root of a ${ctx.service} service, not a website or a gateway`, ctx.secrets), { status })
}

/** The generic status → error mapping, after the adapter had its say. */
export function statusError (ctx: HttpContext, url: URL, status: number, body: string, headers: Headers): PinshipError {
  const where = `${ctx.service} at ${describeEndpoint(url)}`
  let detail: ErrorDetail = {}
  try { detail = ctx.parseError?.(status, body, headers) ?? {} } catch { /* an unparsable error body still maps by status */ }
  if (detail.message === undefined) {
    const plain = body.trim()
    if (plain !== '' && plain.length <= 300 && !plain.startsWith('<')) detail.message = plain
  }
  const said = detail.message !== undefined ? `: ${detail.message}` : ''
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'))
  const mapped = ctx.mapError?.(status, detail, where)
  const err = mapped ?? genericStatusError(where, status, said, detail, retryAfterMs)
  if (ctx.secrets === undefined || ctx.secrets.length === 0) return err
  const clean = redact(err.message, ctx.secrets)
  if (clean === err.message) return err
  const Cls = err.constructor as new (m: string, o: object) => PinshipError
  return new Cls(clean, { retryable: err.retryable, retryAfterMs: err.retryAfterMs, status: err.status })
}

function genericStatusError (where: string, status: number, said: string, detail: ErrorDetail,
  retryAfterMs: number | undefined): PinshipError {
  const opts = { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  if (status === 401) {
    return new AuthError(`${where} rejected the token (HTTP 401${said}). Check --token or PINSHIP_TOKEN holds a valid token for this service.`, opts)
  }
  if (status === 403 && /token|credential|unauthori[sz]ed|session expired|api key/i.test(detail.message ?? '')) {
    // NFT.Storage-style APIs (and ours) answer a wrong token with 403 "Token is not valid".
    return new AuthError(`${where} rejected the token (HTTP 403${said}). Check --token or PINSHIP_TOKEN holds a valid, unexpired token for this service.`, opts)
  }
  if (status === 403) {
    return new ForbiddenError(`${where} refused the request (HTTP 403${said}). The token may be invalid, expired or lack permission for this operation: create one with the needed scope.`, opts)
  }
  if (status === 402 || (status === 409 && /insufficient_funds|quota/i.test(`${detail.code ?? ''} ${detail.message ?? ''}`))) {
    return new QuotaError(`${where} says the account is over its quota (HTTP ${status}${said}). Free space, unpin old content or upgrade the plan.`, opts)
  }
  if (status === 413) {
    return new TooLargeError(`${where} refused the request as too large (HTTP 413${said}). Use a smaller --shard-size.`, opts)
  }
  if (status === 404) return new NotFoundError(`${where}: not found (HTTP 404${said}). Check that the endpoint URL points at the API root of this kind of service and that the CID or id is right.`, opts)
  if (status === 410) {
    return new ServiceError(`${where} no longer offers this API (HTTP 410${said}). The service has shut down: pick another --service, or point --endpoint at a compatible server (e.g. \`pinship serve\`).`, opts)
  }
  if (status === 429) {
    const wait = retryAfterMs !== undefined ? `; it asks to wait ${Math.ceil(retryAfterMs / 1000)} s` : ''
    return new RateLimitedError(`${where} is rate limiting requests (HTTP 429${said})${wait}`, opts)
  }
  if (status >= 500) {
    return new ServiceUnavailableError(`${where} failed with HTTP ${status}${said}; the service may be down or overloaded`, { ...opts, retryable: true })
  }
  return new ServiceError(`${where} rejected the request (HTTP ${status}${said})`, opts)
}

/**
 * Send one request. Resolves with status, headers and body text for 2xx (and `allowStatus`); throws a mapped
 * PinshipError otherwise.
 */
export async function httpRequest (ctx: HttpContext, url: string | URL, init: HttpRequestInit = {}): Promise<HttpResponse> {
  const target = typeof url === 'string' ? new URL(url) : url
  const controller = new AbortController()
  const timer = new IdleTimer(init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, controller)
  const onAbort = (): void => controller.abort(init.signal?.reason)
  if (init.signal?.aborted === true) {
    timer.stop()
    throw new AbortedError(`${ctx.service}: request cancelled`, { cause: init.signal.reason })
  }
  init.signal?.addEventListener('abort', onAbort, { once: true })
  let body: BodyInit | undefined
  let streaming = false
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...init.headers }
  if (init.body instanceof Readable) {
    try {
      return await streamedRequest(ctx, target, init, headers, init.body, controller, timer)
    } finally {
      timer.stop()
      init.signal?.removeEventListener('abort', onAbort)
    }
  }
  if (init.body instanceof ReadableStream) {
    // fetch takes an async iterable body (undici), with duplex: 'half'
    body = counted(init.body, timer, init.onUploadBytes) as unknown as BodyInit
    streaming = true
  } else if (init.body instanceof FormData) {
    // undici encodes the multipart body; streaming its encoding through the counter lets the idle timer see the
    // upload move (a FormData body handed to fetch as is would time out any upload longer than timeoutMs).
    const encoded = await multipartStream(init.body)
    Object.assign(headers, encoded.headers)
    body = counted(encoded.body, timer, init.onUploadBytes) as unknown as BodyInit
    streaming = true
  } else {
    body = init.body as BodyInit | undefined
  }
  try {
    let res: Response
    try {
      res = await fetch(target, {
        method: init.method ?? 'GET',
        headers,
        body,
        signal: controller.signal,
        redirect: 'follow',
        ...(streaming ? { duplex: 'half' } : {}),
        // undici's own option, understood by the platform fetch
        dispatcher: agent()
      } as RequestInit)
    } catch (err) {
      throw transportError(err, ctx, target, init, timer, 'sending the request')
    }
    timer.touch()
    let text: string
    try {
      text = await readText(res, timer)
    } catch (err) {
      throw transportError(err, ctx, target, init, timer, 'reading the response')
    }
    const html = notApiError(ctx, target, res.status, res.headers, text)
    if (html !== undefined) throw html
    const ok = (res.status >= 200 && res.status < 300) || (init.allowStatus?.includes(res.status) ?? false)
    if (!ok) throw statusError(ctx, target, res.status, text, res.headers)
    return { status: res.status, headers: res.headers, text }
  } finally {
    timer.stop()
    init.signal?.removeEventListener('abort', onAbort)
  }
}

/** httpRequest for a Node stream body: sent through node:http(s), answered and mapped exactly like fetch's. */
async function streamedRequest (ctx: HttpContext, target: URL, init: HttpRequestInit, headers: Record<string, string>,
  body: Readable, controller: AbortController, timer: IdleTimer): Promise<HttpResponse> {
  let sent: Awaited<ReturnType<typeof sendStream>>
  try {
    sent = await sendStream(target, init.method ?? 'POST', headers, body, controller.signal, timer, init.onUploadBytes)
  } catch (err) {
    throw transportError(err, ctx, target, init, timer, 'sending the request')
  }
  const { res } = sent
  timer.touch()
  let text: string
  try {
    text = await readNodeText(res, timer)
  } catch (err) {
    throw transportError(err, ctx, target, init, timer, 'reading the response')
  } finally {
    // answered before the whole body went out: this connection cannot be reused
    if (!sent.done()) { res.destroy(); body.destroy() }
  }
  const status = res.statusCode ?? 0
  const resHeaders = toHeaders(res)
  const html = notApiError(ctx, target, status, resHeaders, text)
  if (html !== undefined) throw html
  const ok = (status >= 200 && status < 300) || (init.allowStatus?.includes(status) ?? false)
  if (!ok) throw statusError(ctx, target, status, text, resHeaders)
  return { status, headers: resHeaders, text }
}

/**
 * A FormData body as undici encodes it, as a stream, with its content type and length. The length is measured,
 * not computed: the same form with empty files encodes to exactly the bytes around the files (undici's boundaries
 * all have one length), so length = that + the file sizes. Files are read from disk only when the stream is.
 */
async function multipartStream (form: FormData): Promise<{ headers: Record<string, string>, body: ReadableStream<Uint8Array> }> {
  const skeleton = new FormData()
  let fileBytes = 0
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      skeleton.append(name, value)
    } else {
      fileBytes += value.size
      skeleton.append(name, new Blob([], { type: value.type }), value.name)
    }
  }
  const around = (await new Response(skeleton).arrayBuffer()).byteLength
  const encoded = new Response(form)
  const type = encoded.headers.get('content-type')
  if (encoded.body === null || type === null) throw new PinshipError('ERR_UNEXPECTED', 'could not encode a multipart body')
  return { headers: { 'content-type': type, 'content-length': String(around + fileBytes) }, body: encoded.body }
}

async function readText (res: Response, timer: IdleTimer): Promise<string> {
  if (res.body === null) return ''
  const decoder = new TextDecoder()
  let out = ''
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    timer.touch()
    out += decoder.decode(value, { stream: true })
  }
  return out + decoder.decode()
}

/** Send a request and stream the response body (for gateway CAR fetches); the caller must consume or cancel it. */
export async function httpStream (ctx: HttpContext, url: string | URL, init: HttpRequestInit = {}): Promise<{ status: number, headers: Headers, body: AsyncIterable<Uint8Array> }> {
  const target = typeof url === 'string' ? new URL(url) : url
  const controller = new AbortController()
  const timer = new IdleTimer(init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, controller)
  const onAbort = (): void => controller.abort(init.signal?.reason)
  init.signal?.addEventListener('abort', onAbort, { once: true })
  const cleanup = (): void => { timer.stop(); init.signal?.removeEventListener('abort', onAbort) }
  let res: Response
  try {
    res = await fetch(target, {
      method: init.method ?? 'GET',
      headers: { 'user-agent': USER_AGENT, ...init.headers },
      signal: controller.signal,
      dispatcher: agent()
    } as RequestInit)
  } catch (err) {
    cleanup()
    throw transportError(err, ctx, target, init, timer, 'sending the request')
  }
  if (res.status < 200 || res.status >= 300) {
    let text = ''
    try { text = await readText(res, timer) } catch { /* the status alone says enough */ }
    cleanup()
    throw statusError(ctx, target, res.status, text, res.headers)
  }
  const stream = res.body
  async function * iterate (): AsyncGenerator<Uint8Array> {
    if (stream === null) { cleanup(); return }
    const reader = stream.getReader()
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>
        try {
          chunk = await reader.read()
        } catch (err) {
          throw transportError(err, ctx, target, init, timer, 'reading the response')
        }
        if (chunk.done) return
        timer.touch()
        yield chunk.value
      }
    } finally {
      cleanup()
      reader.releaseLock()
      await stream.cancel().catch(() => {})
    }
  }
  return { status: res.status, headers: res.headers, body: iterate() }
}

/** Parse JSON from a response, with an error that names the service when it is not JSON. */
export function parseJson<T> (ctx: HttpContext, res: HttpResponse, what: string): T {
  try {
    return JSON.parse(res.text) as T
  } catch (err) {
    const snippet = redact(res.text.slice(0, 120), ctx.secrets)
    throw new NotServiceApiError(`${ctx.service} answered ${what} with something that is not JSON (${JSON.stringify(snippet)}): is the endpoint the right kind of service?`, { cause: err, status: res.status })
  }
}

/** Join a base endpoint (which may carry a path prefix) with an API path. */
export function joinUrl (endpoint: string, path: string, query?: Record<string, string | number | boolean | undefined>): URL {
  const base = endpoint.endsWith('/') ? endpoint : endpoint + '/'
  const url = new URL(path.replace(/^\//, ''), base)
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v))
  }
  return url
}
