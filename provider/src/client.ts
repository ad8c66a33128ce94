/**
 * What `configure` hands every resource: one service configuration, the time bound, the gateways, and the retry
 * policy, plus the small helpers that turn them into core options.
 */
import {
  createService, DEFAULT_GATEWAYS, DEFAULT_MAX_RETRY_TIME_MS, DEFAULT_TIMEOUT_MS, gatewayUrls, isPinshipError, urlsFor,
  type OpOptions, type PinningService, type PinshipError, type RetryOptions, type ServiceConfig, type ServiceSlug
} from '../../src/core/index.js'
import { errorAt } from './framework/types.js'

export interface ClientOptions {
  /** A slug of SERVICE_SLUGS. */
  service: ServiceSlug
  endpoint?: string
  token?: string
  /** @default DEFAULT_TIMEOUT_MS */
  timeoutMs?: number
  /** Gateway base URLs (already checked); default: the local service's own gateway for `local`, else DEFAULT_GATEWAYS. */
  gateways?: string[]
  /** Retry policy of every request (tests scale delays down). @default retry.ts defaults, refused connections not retried */
  retry?: RetryOptions
  /** Backoff between status polls. @default wait.ts defaults */
  poll?: RetryOptions
}

export interface ConfigProblem {
  summary: string
  detail: string
  /** The provider block holds values known only after apply: plans go ahead, service calls wait. */
  deferred?: boolean
}

export interface Client {
  readonly slug: ServiceSlug
  readonly timeoutMs: number
  readonly gateways: string[]
  readonly retry: RetryOptions
  readonly poll: RetryOptions
  /** The provider block is not fully known yet (values from other resources): plans must not call the service. */
  readonly deferred: boolean
  /** The service configuration; throws a diagnostic when the provider block cannot reach a service yet. */
  service: () => ServiceConfig
  /** The adapter, for what it can do (uploads, pins by id, deals); throws like `service()`. */
  adapter: () => PinningService
  /** Options for one core op. */
  op: (signal: AbortSignal) => OpOptions
  /** `url` (first subdomain URL, else the first path URL) and `urls` (each gateway: path, then subdomain). */
  urls: (cid: string) => { url: string, urls: string[] }
}

/** Network failures that mean "nothing listens there": retrying them only delays the diagnostic by a minute. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'])

function causeCodes (err: unknown): string[] {
  const codes: string[] = []
  const seen = new Set<unknown>()
  let cur: any = err
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur)
    if (typeof cur.code === 'string') codes.push(cur.code)
    if (Array.isArray(cur.errors)) for (const e of cur.errors) if (typeof e?.code === 'string') codes.push(e.code)
    cur = cur.cause
  }
  return codes
}

/** True for a connection that was refused (or a host/network that cannot be reached at all). */
export function isUnreachable (err: unknown): boolean {
  return isPinshipError(err) && err.code === 'ERR_NETWORK' && causeCodes(err).some(c => UNREACHABLE.has(c))
}

export function createClient (options: ClientOptions, problem?: ConfigProblem): Client {
  const config: ServiceConfig = {
    service: options.service,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.token !== undefined ? { token: options.token } : {})
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const retry: RetryOptions = {
    shouldRetry: (e: PinshipError) => e.retryable && !isUnreachable(e),
    // reads and removals retry within the provider's timeout too, not the core's five minutes
    maxRetryTimeMs: Math.min(DEFAULT_MAX_RETRY_TIME_MS, timeoutMs),
    ...options.retry
  }
  const gateways = options.gateways !== undefined && options.gateways.length > 0
    ? options.gateways
    : options.service === 'local' && options.endpoint !== undefined ? [new URL(options.endpoint).origin] : [...DEFAULT_GATEWAYS]
  const fail = (): never => {
    if (problem !== undefined) throw errorAt(undefined, problem.summary, problem.detail)
    throw errorAt(undefined, 'The pinship provider is not configured', 'This call needs a configured provider "pinship" block; this is a bug in the provider if you see it after terraform init.')
  }
  let adapter: PinningService | undefined
  return {
    slug: options.service,
    timeoutMs,
    gateways,
    retry,
    poll: options.poll ?? {},
    deferred: problem?.deferred === true,
    service: () => problem === undefined ? config : fail(),
    adapter: () => {
      if (problem !== undefined) fail()
      adapter ??= createService(config, { requireToken: false })
      return adapter
    },
    op: signal => ({ service: problem === undefined ? config : fail(), signal, retry }),
    urls: cid => {
      const urls = gatewayUrls(cid, gateways)
      const first = urlsFor(cid, gateways[0])
      return { url: first.subdomain ?? first.path, urls }
    }
  }
}
