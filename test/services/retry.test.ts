import { describe, expect, it } from 'vitest'
import { AuthError, InvalidArgumentError, NetworkError, RateLimitedError, ServiceUnavailableError } from '../../src/core/errors.js'
import { resolveRetryOptions, withRetry, type RetryInfo } from '../../src/core/retry.js'

const fast = { minDelayMs: 5, maxDelayMs: 20, jitter: false }

describe('withRetry', () => {
  it('retries retryable errors until success and reports each retry', async () => {
    const infos: RetryInfo[] = []
    let calls = 0
    const out = await withRetry(async attempt => {
      calls++
      if (attempt < 3) throw new ServiceUnavailableError(`down ${attempt}`, { status: 503 })
      return 'ok'
    }, { ...fast, onRetry: i => infos.push(i) })
    expect(out).toBe('ok')
    expect(calls).toBe(3)
    expect(infos.map(i => [i.attempt, i.error.message])).toEqual([[1, 'down 1'], [2, 'down 2']])
  })

  it('never retries auth or input errors', async () => {
    let calls = 0
    await expect(withRetry(async () => { calls++; throw new AuthError('bad token') }, fast)).rejects.toBeInstanceOf(AuthError)
    expect(calls).toBe(1)
  })

  it('does not retry unexpected (non-pinship) errors, and wraps them', async () => {
    let calls = 0
    const err = await withRetry(async () => { calls++; throw new TypeError('bug') }, fast).catch(e => e)
    expect(calls).toBe(1)
    expect(err.code).toBe('ERR_UNEXPECTED')
    expect(err.message).toContain('bug')
  })

  it('is bounded by the number of retries and throws the last error', async () => {
    let calls = 0
    const err = await withRetry(async () => { calls++; throw new NetworkError(`reset ${calls}`) }, { ...fast, retries: 2 }).catch(e => e)
    expect(calls).toBe(3)
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.message).toBe('reset 3')
  })

  it('is bounded by total time', async () => {
    const start = performance.now()
    let calls = 0
    await expect(withRetry(async () => { calls++; throw new NetworkError('down') }, {
      minDelayMs: 20, maxDelayMs: 20, retries: Number.POSITIVE_INFINITY, maxRetryTimeMs: 150, jitter: false
    })).rejects.toBeInstanceOf(NetworkError)
    const took = performance.now() - start
    expect(took).toBeGreaterThanOrEqual(140)
    // unbounded retries would never end: 2 s only leaves room for a loaded machine
    expect(took).toBeLessThan(2_000)
    expect(calls).toBeGreaterThan(2)
  })

  it('honours Retry-After on top of a tiny backoff', async () => {
    const start = performance.now()
    let calls = 0
    await withRetry(async () => {
      calls++
      if (calls === 1) throw new RateLimitedError('slow down', { status: 429, retryAfterMs: 400 })
      return true
    }, fast)
    expect(performance.now() - start).toBeGreaterThanOrEqual(395)
    expect(calls).toBe(2)
  })

  it('gives up at once when Retry-After exceeds the time budget', async () => {
    const start = performance.now()
    const err = await withRetry(async () => {
      throw new RateLimitedError('pinata is rate limiting requests (HTTP 429)', { status: 429, retryAfterMs: 60_000 })
    }, { ...fast, maxRetryTimeMs: 5_000 }).catch(e => e)
    // waiting would take the 5 s budget (or the 60 s asked for)
    expect(performance.now() - start).toBeLessThan(2_500)
    expect(err.code).toBe('ERR_RATE_LIMITED')
    expect(err.message).toMatch(/longer than the 5 s left/)
    expect(err.retryAfterMs).toBe(60_000)
  })

  it('is cancellable while waiting', async () => {
    const ac = new AbortController()
    const start = performance.now()
    setTimeout(() => ac.abort(), 50)
    const err = await withRetry(async () => { throw new NetworkError('down') }, { minDelayMs: 10_000, maxDelayMs: 10_000, signal: ac.signal }).catch(e => e)
    // the wait it cancels is 10 s
    expect(performance.now() - start).toBeLessThan(5_000)
    expect(err.code).toBe('ERR_ABORTED')
  })

  it('refuses to start when already cancelled', async () => {
    const ac = new AbortController()
    ac.abort()
    let calls = 0
    await expect(withRetry(async () => { calls++ }, { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(calls).toBe(0)
  })

  it('backs off exponentially between attempts', async () => {
    const times: number[] = []
    await withRetry(async () => {
      times.push(performance.now())
      if (times.length < 4) throw new NetworkError('x')
    }, { minDelayMs: 40, factor: 2, maxDelayMs: 1000, jitter: false })
    const gaps = times.slice(1).map((t, i) => t - times[i])
    expect(gaps[0]).toBeGreaterThanOrEqual(38)
    expect(gaps[1]).toBeGreaterThanOrEqual(78)
    expect(gaps[2]).toBeGreaterThanOrEqual(158)
  })
})

describe('resolveRetryOptions', () => {
  it('fills defaults', () => {
    expect(resolveRetryOptions()).toEqual({ retries: 5, minDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: true, maxRetryTimeMs: 300000 })
  })

  it.each([
    [{ retries: -1 }, 'Expected `retries` to be ≥ 0, got -1'],
    [{ retries: 1.5 }, 'Expected `retries` to be a whole number, got 1.5'],
    [{ minDelayMs: Number.NaN }, 'Expected `minDelayMs` to be a number, got null'],
    [{ factor: 0.5 }, 'Expected `factor` to be ≥ 1, got 0.5'],
    [{ minDelayMs: 100, maxDelayMs: 10 }, 'Expected `maxDelayMs` (10) to be ≥ `minDelayMs` (100)'],
    [{ maxRetryTimeMs: -5 }, 'Expected `maxRetryTimeMs` to be ≥ 0, got -5'],
    [{ jitter: 'yes' }, 'Expected `jitter` to be a boolean, got "yes"']
  ])('rejects %j precisely', (opts, message) => {
    expect(() => resolveRetryOptions(opts as never)).toThrow(InvalidArgumentError)
    expect(() => resolveRetryOptions(opts as never)).toThrow(message)
  })
})
