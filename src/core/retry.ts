/**
 * The one retry policy for every adapter call and for pin-state polling: exponential backoff with jitter
 * (p-retry's maths), `Retry-After` honoured, bounded by attempts and by total time, cancellable. Only errors
 * marked `retryable` (network, timeout, 429, 5xx) are retried; input and auth errors fail at once.
 */
import pRetry from 'p-retry'
import { AbortedError, InvalidArgumentError, PinshipError } from './errors.js'

export const DEFAULT_RETRIES = 5
export const DEFAULT_MIN_DELAY_MS = 1_000
export const DEFAULT_MAX_DELAY_MS = 30_000
export const DEFAULT_FACTOR = 2
export const DEFAULT_MAX_RETRY_TIME_MS = 5 * 60_000

export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  attempt: number
  /** Retries still allowed after this one. */
  retriesLeft: number
  error: PinshipError
  /** Extra wait the service asked for (Retry-After), on top of the backoff. */
  retryAfterMs?: number
}

export interface RetryOptions {
  /** Retries after the first attempt. @default DEFAULT_RETRIES */
  retries?: number
  /** First backoff delay; tests scale every delay down through this. @default DEFAULT_MIN_DELAY_MS */
  minDelayMs?: number
  /** Largest backoff delay. @default DEFAULT_MAX_DELAY_MS */
  maxDelayMs?: number
  /** Growth per attempt. @default DEFAULT_FACTOR */
  factor?: number
  /** Randomise each delay between 1× and 2× so clients do not retry in lockstep. @default true */
  jitter?: boolean
  /** Give up once this much time has passed since the first attempt. @default DEFAULT_MAX_RETRY_TIME_MS */
  maxRetryTimeMs?: number
  signal?: AbortSignal
  /** Told before each retry's wait (progress events); must not throw. */
  onRetry?: (info: RetryInfo) => void
  /** Decides whether an error is worth another attempt. @default error.retryable */
  shouldRetry?: (error: PinshipError) => boolean
}

interface ResolvedRetryOptions {
  retries: number
  minDelayMs: number
  maxDelayMs: number
  factor: number
  jitter: boolean
  maxRetryTimeMs: number
}

function checkNumber (name: string, value: unknown, min: number, allowInfinity: boolean): void {
  if (value === undefined) return
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a number, got ${JSON.stringify(value)}`)
  }
  if (!allowInfinity && !Number.isFinite(value)) throw new InvalidArgumentError(`Expected \`${name}\` to be a finite number, got ${value}`)
  if (value < min) throw new InvalidArgumentError(`Expected \`${name}\` to be ≥ ${min}, got ${value}`)
}

/** Validate retry options up front with precise messages; returns them with defaults filled in. */
export function resolveRetryOptions (options: RetryOptions = {}): ResolvedRetryOptions {
  checkNumber('retries', options.retries, 0, true)
  if (options.retries !== undefined && Number.isFinite(options.retries) && !Number.isInteger(options.retries)) {
    throw new InvalidArgumentError(`Expected \`retries\` to be a whole number, got ${options.retries}`)
  }
  checkNumber('minDelayMs', options.minDelayMs, 0, false)
  checkNumber('maxDelayMs', options.maxDelayMs, 0, false)
  checkNumber('factor', options.factor, 1, false)
  checkNumber('maxRetryTimeMs', options.maxRetryTimeMs, 0, true)
  const minDelayMs = options.minDelayMs ?? DEFAULT_MIN_DELAY_MS
  const maxDelayMs = options.maxDelayMs ?? Math.max(DEFAULT_MAX_DELAY_MS, minDelayMs)
  if (maxDelayMs < minDelayMs) {
    throw new InvalidArgumentError(`Expected \`maxDelayMs\` (${maxDelayMs}) to be ≥ \`minDelayMs\` (${minDelayMs})`)
  }
  if (options.jitter !== undefined && typeof options.jitter !== 'boolean') {
    throw new InvalidArgumentError(`Expected \`jitter\` to be a boolean, got ${JSON.stringify(options.jitter)}`)
  }
  return {
    retries: options.retries ?? DEFAULT_RETRIES,
    minDelayMs,
    maxDelayMs,
    factor: options.factor ?? DEFAULT_FACTOR,
    jitter: options.jitter ?? true,
    maxRetryTimeMs: options.maxRetryTimeMs ?? DEFAULT_MAX_RETRY_TIME_MS
  }
}

/** The smallest backoff p-retry will wait before retry number `retriesConsumed + 1` (jitter only adds to it). */
function baseDelay (retriesConsumed: number, o: ResolvedRetryOptions): number {
  return Math.min(o.minDelayMs * o.factor ** retriesConsumed, o.maxDelayMs)
}

/** Sleep that ends early (rejecting with AbortedError) when the signal fires. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(new AbortedError('cancelled', { cause: signal.reason })); return }
    const onAbort = (): void => { clearTimeout(t); reject(new AbortedError('cancelled', { cause: signal?.reason })) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

// A function, so TypeScript does not carry the narrowing from the up-front check across awaits.
function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted ?? false
}

function asPinshipError (err: unknown): PinshipError {
  if (err instanceof PinshipError) return err
  // Anything else is a bug or an unexpected library failure: surface it, never retry it.
  const message = err instanceof Error ? err.message : String(err)
  return new PinshipError('ERR_UNEXPECTED', `unexpected failure: ${message}`, { cause: err })
}

/**
 * Run `fn` until it succeeds, a non-retryable error occurs, the attempts or the time budget run out, or the
 * signal fires. A `Retry-After` longer than the remaining time budget fails at once (waiting could not help).
 */
export async function withRetry<T> (fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const o = resolveRetryOptions(options)
  const signal = options.signal
  const shouldRetry = options.shouldRetry ?? ((e: PinshipError) => e.retryable)
  const start = performance.now()
  if (signal?.aborted === true) throw new AbortedError('cancelled before the first attempt', { cause: signal.reason })
  try {
    return await pRetry(async (attempt: number) => {
      try {
        return await fn(attempt)
      } catch (err) {
        throw asPinshipError(err)
      }
    }, {
      retries: o.retries,
      factor: o.factor,
      minTimeout: o.minDelayMs,
      maxTimeout: o.maxDelayMs,
      randomize: o.jitter,
      maxRetryTime: o.maxRetryTimeMs,
      signal,
      shouldRetry: ({ error }) => shouldRetry(error as PinshipError),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft, retriesConsumed }) => {
        const e = error as PinshipError
        if (!shouldRetry(e) || retriesLeft <= 0) return
        const remaining = o.maxRetryTimeMs - (performance.now() - start)
        if (remaining <= 0) return
        const info: RetryInfo = { attempt: attemptNumber, retriesLeft, error: e }
        if (e.retryAfterMs !== undefined) {
          if (e.retryAfterMs > remaining) {
            throw new (e.constructor as new (m: string, o: object) => PinshipError)(
              `${e.message}; that is longer than the ${Math.ceil(remaining / 1000)} s left of the time budget, so giving up (raise --timeout to wait it out)`,
              { cause: e, retryable: false, status: e.status, retryAfterMs: e.retryAfterMs })
          }
          info.retryAfterMs = e.retryAfterMs
        }
        try { options.onRetry?.(info) } catch { /* a progress renderer must not break retries */ }
        // p-retry then waits its own backoff (≥ baseDelay); together the wait is at least Retry-After.
        if (e.retryAfterMs !== undefined) await sleep(e.retryAfterMs - baseDelay(retriesConsumed, o), signal)
      }
    })
  } catch (err) {
    if (isAborted(signal) && !(err instanceof PinshipError && err.code === 'ERR_ABORTED')) {
      throw new AbortedError('cancelled', { cause: signal?.reason })
    }
    throw asPinshipError(err)
  }
}
