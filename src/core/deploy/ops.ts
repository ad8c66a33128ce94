/**
 * One-off service operations for front ends (`pinship status|pin|unpin|ls`, the provider): the same adapters and
 * the same retry policy as deploy, one service at a time.
 */
import { InvalidCidError, UnsupportedOperationError, type PinshipError } from '../errors.js'
import { CID } from 'multiformats/cid'
import { withRetry, type RetryInfo, type RetryOptions } from '../retry.js'
import { createService } from '../services/index.js'
import type { PinState, ServiceConfig, ServiceStatus, UploadReceipt } from '../services/api.js'
import type { WaitFor } from './api.js'
import { checkReportedCid } from './cid-check.js'
import { isUnreachable } from './preflight.js'
import { waitForState } from './wait.js'

export interface OpOptions {
  service: ServiceConfig
  signal?: AbortSignal
  retry?: RetryOptions
  /** Idle timeout of one request. */
  requestTimeoutMs?: number
  onRetry?: (info: RetryInfo) => void
}

export interface ListedPin { cid: string, name?: string, created?: string, pin: PinState | null }

/** Parse and normalise a CID given on a command line; a clear error instead of a service's 400. */
export function checkCid (cid: string): string {
  try {
    return CID.parse(cid.trim()).toString()
  } catch (err) {
    throw new InvalidCidError(`${JSON.stringify(cid)} is not a valid CID (expected something like bafy… or Qm…)`, { cause: err })
  }
}

function adapter (options: OpOptions, requireToken: boolean): ReturnType<typeof createService> {
  return createService(options.service, { requireToken, ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}) })
}

/**
 * Retries are for services that answered: a first attempt that finds nothing listening (refused, DNS) fails at once
 * instead of backing off for half a minute; once the service has answered, the same failure is retried.
 */
function retryOf (options: OpOptions): RetryOptions {
  let answered = false
  const shouldRetry = (e: PinshipError): boolean => {
    if (!isUnreachable(e)) answered = true
    return e.retryable && answered
  }
  return { ...options.retry, shouldRetry, ...(options.signal !== undefined ? { signal: options.signal } : {}), ...(options.onRetry !== undefined ? { onRetry: options.onRetry } : {}) }
}

export async function status (cid: string, options: OpOptions & { requestId?: string }): Promise<ServiceStatus> {
  const root = checkCid(cid)
  const service = adapter(options, false)
  const s = await withRetry(async () => await service.status(root, {
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.requestId !== undefined ? { requestId: options.requestId } : {})
  }), retryOf(options))
  checkReportedCid(service.slug, s.cid, root, 'status')
  return s
}

export async function pin (cid: string, options: OpOptions & { name?: string, wait?: WaitFor, timeoutMs?: number, poll?: RetryOptions, onState?: (s: ServiceStatus) => void }): Promise<UploadReceipt & { status: ServiceStatus | null }> {
  const root = checkCid(cid)
  const service = adapter(options, true)
  const fn = service.pin?.bind(service)
  if (fn === undefined) {
    throw new UnsupportedOperationError(`${service.slug} cannot pin by CID; deploy the content to it instead, or pin through a Pinning Service API (--service psa)`)
  }
  const started = performance.now()
  const receipt = await withRetry(async () => {
    const r = await fn(root, { ...(options.signal !== undefined ? { signal: options.signal } : {}), ...(options.name !== undefined ? { name: options.name } : {}) })
    checkReportedCid(service.slug, r.cid, root, 'pin request')
    return r
  }, retryOf(options))
  const wait = options.wait ?? 'none'
  if (wait === 'none') return { ...receipt, status: null }
  const final = await waitForState(service, root, {
    wait,
    deadline: started + (options.timeoutMs ?? 10 * 60_000),
    ...(options.poll !== undefined ? { poll: options.poll } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(receipt.requestId !== undefined ? { requestId: receipt.requestId } : {}),
    ...(options.onState !== undefined ? { onState: options.onState } : {}),
    ...(options.onRetry !== undefined ? { onRetry: options.onRetry } : {})
  })
  return { ...receipt, status: final }
}

export async function unpin (cid: string, options: OpOptions): Promise<void> {
  const root = checkCid(cid)
  const service = adapter(options, true)
  const fn = service.unpin?.bind(service)
  if (fn === undefined) throw new UnsupportedOperationError(`${service.slug} has no way to unpin through pinship`)
  await withRetry(async () => await fn(root, options.signal !== undefined ? { signal: options.signal } : {}), retryOf(options))
}

export async function list (options: OpOptions & { limit?: number }): Promise<ListedPin[]> {
  const service = adapter(options, true)
  const fn = service.list?.bind(service)
  if (fn === undefined) throw new UnsupportedOperationError(`${service.slug} cannot list its pins through pinship; use the service's own console`)
  return await withRetry(async () => await fn({
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {})
  }), retryOf(options))
}
