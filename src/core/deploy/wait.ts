/**
 * Waiting for a pin (or a deal): poll the service's status with the same backoff the retry policy uses — a
 * not-yet-reached state is simply one more retryable outcome — until the target state or the deadline. Every
 * change of state is reported. A `failed` pin keeps being polled: services retry failed pins (seed 000).
 */
import { defineError, WaitTimeoutError, type PinshipError } from '../errors.js'
import { withRetry, type RetryInfo, type RetryOptions } from '../retry.js'
import type { PinningService, ServiceStatus } from '../services/api.js'
import type { WaitFor } from './api.js'
import { checkReportedCid } from './cid-check.js'
import { DEFAULT_POLL_MAX_DELAY_MS, DEFAULT_POLL_MIN_DELAY_MS } from './plan.js'

/** "Not there yet": retryable, so the poll loop backs off and asks again. Never escapes this module. */
const PinPendingError = defineError('ERR_PIN_PENDING', { retryable: true })

export interface WaitOptions {
  wait: WaitFor
  /** Give up at this `performance.now()` time. */
  deadline: number
  requestId?: string
  /** Backoff between polls. */
  poll?: RetryOptions
  signal?: AbortSignal
  /** Called on every change of pin state, deals or raw status (and once at the first answer). */
  onState?: (status: ServiceStatus) => void
  /** Called when a status request itself failed and will be retried. */
  onRetry?: (info: RetryInfo) => void
}

export function reached (status: ServiceStatus, wait: WaitFor): boolean {
  switch (wait) {
    case 'none': return true
    case 'uploaded': return status.pin !== null
    case 'pinned': return status.pin === 'pinned'
    case 'deal': return status.pin === 'pinned' && status.deals.some(d => d.status === 'active')
  }
}

function fingerprint (s: ServiceStatus): string {
  return JSON.stringify([s.pin, s.rawStatus ?? null, s.deals.map(d => [d.status, d.dealId ?? null])])
}

function describe (s: ServiceStatus | undefined): string {
  if (s === undefined) return 'no answer yet'
  if (s.pin === null) return 'the service does not know the CID yet'
  const raw = s.rawStatus !== undefined && s.rawStatus !== s.pin ? ` (${s.rawStatus})` : ''
  const deals = s.deals.length > 0 ? `, deals: ${s.deals.map(d => d.status).join(', ')}` : ''
  return `${s.pin}${raw}${deals}`
}

/** Poll until `wait` is reached; resolves with the final status or throws WaitTimeoutError (or the last hard error). */
export async function waitForState (service: PinningService, cid: string, options: WaitOptions): Promise<ServiceStatus> {
  const started = performance.now()
  let last: ServiceStatus | undefined
  let lastPrint = ''
  const goal = options.wait === 'deal' ? 'make an active Filecoin deal for' : options.wait === 'uploaded' ? 'store' : 'pin'
  const poll = async (): Promise<ServiceStatus> => {
    const s = await service.status(cid, { signal: options.signal, ...(options.requestId !== undefined ? { requestId: options.requestId } : {}) })
    checkReportedCid(service.slug, s.cid, cid, 'status')
    const fp = fingerprint(s)
    if (fp !== lastPrint) {
      lastPrint = fp
      try { options.onState?.(s) } catch { /* a renderer must not break waiting */ }
    }
    last = s
    if (reached(s, options.wait)) return s
    throw new PinPendingError(`${service.slug}: ${describe(s)}`)
  }
  const remaining = Math.max(0, options.deadline - performance.now())
  try {
    return await withRetry(poll, {
      minDelayMs: DEFAULT_POLL_MIN_DELAY_MS,
      maxDelayMs: DEFAULT_POLL_MAX_DELAY_MS,
      factor: 1.5,
      ...options.poll,
      retries: Number.POSITIVE_INFINITY,
      maxRetryTimeMs: remaining,
      signal: options.signal,
      onRetry: info => { if (info.error.code !== PinPendingError.code) options.onRetry?.(info) }
    })
  } catch (err) {
    const e = err as PinshipError
    if (e.code !== PinPendingError.code) throw e
    const secs = Math.round((performance.now() - started) / 1000)
    const hint = last?.pin === 'failed'
      ? ' The service retries failed pins in the background: check again later with `pinship status ' + cid + '`, or deploy again.'
      : last?.pin === null || last === undefined
        ? ' The service has not registered the content: check the endpoint, or deploy again.'
        : options.wait === 'deal' && last.pin === 'pinned'
          ? ` Filecoin deals can take up to 48 h: check later with \`pinship status ${cid}\`, or deploy with --wait pinned.`
          : ` Raise --timeout to wait longer, or check later with \`pinship status ${cid}\`.`
    throw new WaitTimeoutError(`timed out after ${secs} s waiting for ${service.slug} to ${goal} ${cid}: last state ${describe(last)}.${hint}`, { cause: e })
  }
}
