/**
 * One-off service operations for front ends (`pinship status|pin|unpin|ls`, the provider): the same adapters and
 * the same retry policy as deploy, one service at a time.
 */
import { InvalidArgumentError, InvalidCidError, UnsupportedOperationError, type PinshipError } from '../errors.js'
import { CID } from 'multiformats/cid'
import { withRetry, type RetryInfo, type RetryOptions } from '../retry.js'
import { createService } from '../services/index.js'
import type { PinFields, PinningService, PinRequest, PinState, ServiceConfig, ServiceStatus, UploadReceipt } from '../services/api.js'
import { DEFAULT_TIMEOUT_MS, type WaitFor } from './api.js'
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

export interface PinOptions extends OpOptions, PinFields {
  /** @default 'none' */
  wait?: WaitFor
  /** Bound on waiting for `wait`. @default DEFAULT_TIMEOUT_MS */
  timeoutMs?: number
  poll?: RetryOptions
  onState?: (s: ServiceStatus) => void
}

function pinFields (options: PinFields): PinFields {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.origins !== undefined ? { origins: options.origins } : {}),
    ...(options.meta !== undefined ? { meta: options.meta } : {})
  }
}

export async function pin (cid: string, options: PinOptions): Promise<UploadReceipt & { status: ServiceStatus | null }> {
  const root = checkCid(cid)
  const service = adapter(options, true)
  const fn = service.pin?.bind(service)
  if (fn === undefined) {
    throw new UnsupportedOperationError(`${service.slug} cannot pin by CID; deploy the content to it instead, or pin through a Pinning Service API (--service psa)`)
  }
  const started = performance.now()
  const receipt = await withRetry(async () => {
    const r = await fn(root, { ...(options.signal !== undefined ? { signal: options.signal } : {}), ...pinFields(options) })
    checkReportedCid(service.slug, r.cid, root, 'pin request')
    return r
  }, retryOf(options))
  return await waitAfterPin(service, root, receipt, started, options)
}

async function waitAfterPin (service: PinningService, root: string, receipt: UploadReceipt, started: number, options: PinOptions): Promise<UploadReceipt & { status: ServiceStatus | null }> {
  const wait = options.wait ?? 'none'
  if (wait === 'none') return { ...receipt, status: null }
  const final = await waitForState(service, root, {
    wait,
    deadline: started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    ...(options.poll !== undefined ? { poll: options.poll } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(receipt.requestId !== undefined ? { requestId: receipt.requestId } : {}),
    ...(options.onState !== undefined ? { onState: options.onState } : {}),
    ...(options.onRetry !== undefined ? { onRetry: options.onRetry } : {})
  })
  return { ...receipt, status: final }
}

/**
 * Wait for a pin request made earlier (`pin` or `replacePin` with wait 'none') to reach `wait`: the same polling as
 * `pin`, for callers that must keep the request id even when waiting fails.
 */
export async function waitForPin (cid: string, options: PinOptions & { requestId?: string }): Promise<ServiceStatus | null> {
  const root = checkCid(cid)
  const service = adapter(options, false)
  const receipt: UploadReceipt = { cid: root, ...(options.requestId !== undefined ? { requestId: options.requestId } : {}) }
  return (await waitAfterPin(service, root, receipt, performance.now(), options)).status
}

function requestOps<K extends 'getPin' | 'replacePin' | 'removePin'> (service: PinningService, op: K): NonNullable<PinningService[K]> {
  const fn = service[op]
  if (fn === undefined) {
    throw new UnsupportedOperationError(`${service.slug} has no pin requests to address by id; use a Pinning Service API (service psa, or local for pinship serve)`)
  }
  return (fn as (...args: unknown[]) => unknown).bind(service) as NonNullable<PinningService[K]>
}

function checkRequestId (requestId: string): string {
  if (typeof requestId !== 'string' || requestId.trim() === '') throw new InvalidArgumentError('a pin request id must be a non-empty string')
  return requestId.trim()
}

/** One pin request by id (PSA GET /pins/{requestid}); null when the service no longer has it. */
export async function getPin (requestId: string, options: OpOptions): Promise<PinRequest | null> {
  const id = checkRequestId(requestId)
  const service = adapter(options, true)
  const fn = requestOps(service, 'getPin')
  return await withRetry(async () => await fn(id, options.signal !== undefined ? { signal: options.signal } : {}), retryOf(options))
}

/**
 * PSA replace (POST /pins/{requestid}): the service swaps the request for a new one (new id) with these fields,
 * then waits like `pin`.
 */
export async function replacePin (requestId: string, cid: string, options: PinOptions): Promise<UploadReceipt & { status: ServiceStatus | null }> {
  const id = checkRequestId(requestId)
  const root = checkCid(cid)
  const service = adapter(options, true)
  const fn = requestOps(service, 'replacePin')
  const started = performance.now()
  const receipt = await withRetry(async () => {
    const r = await fn(id, root, { ...(options.signal !== undefined ? { signal: options.signal } : {}), ...pinFields(options) })
    checkReportedCid(service.slug, r.cid, root, 'pin replace')
    return r
  }, retryOf(options))
  return await waitAfterPin(service, root, receipt, started, options)
}

/** Remove one pin request by id; false when it was already gone. */
export async function removePin (requestId: string, options: OpOptions): Promise<boolean> {
  const id = checkRequestId(requestId)
  const service = adapter(options, true)
  const fn = requestOps(service, 'removePin')
  return await withRetry(async () => await fn(id, options.signal !== undefined ? { signal: options.signal } : {}), retryOf(options))
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

/**
 * This account's own record of `cid` on a service that keeps one per account and CID (its name, when first stored);
 * null when it has none.
 */
export async function record (cid: string, options: OpOptions): Promise<ListedPin | null> {
  const root = checkCid(cid)
  const service = adapter(options, true)
  const fn = service.record?.bind(service)
  if (fn === undefined) throw new UnsupportedOperationError(`${service.slug} keeps no per-account record of a CID that pinship can read`)
  return await withRetry(async () => await fn(root, options.signal !== undefined ? { signal: options.signal } : {}), retryOf(options))
}
