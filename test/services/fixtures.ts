/** Shared bits of the adapter tests: a small real CAR on disk, and the common fault cases run against nock. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { CarWriter } from '@ipld/car/writer'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import nock from 'nock'
import { expect } from 'vitest'
import type { ShardUpload } from '../../src/core/services/api.js'
import { withRetry } from '../../src/core/retry.js'

export interface CarFixture { dir: string, shard: ShardUpload, root: string, body: Buffer, cleanup: () => Promise<void> }

/** A one-block CAR (raw leaf "hello pinship"), root bafkrei…; small enough to compare whole bodies. */
export async function carFixture (text = 'hello pinship\n'): Promise<CarFixture> {
  const bytes = new TextEncoder().encode(text)
  const cid = CID.createV1(raw.code, await sha256.digest(bytes))
  const { writer, out } = CarWriter.create([cid])
  const chunks: Uint8Array[] = []
  const collect = (async () => { for await (const c of out) chunks.push(c) })()
  await writer.put({ cid, bytes })
  await writer.close()
  await collect
  const body = Buffer.concat(chunks)
  const dir = await mkdtemp(join(tmpdir(), 'pinship-svc-'))
  const path = join(dir, 'shard-0001.car')
  await writeFile(path, body)
  return {
    dir,
    root: cid.toString(),
    body,
    shard: { path, bytes: body.length, carCid: 'bagbaieratestcarcid', index: 1, count: 1 },
    cleanup: async () => await rm(dir, { recursive: true, force: true })
  }
}

/** A response body that sends a little, then dies like a connection reset mid-body. */
export function resetMidBody (prefix = '{"cid":"baf'): Readable {
  let started = false
  return new Readable({
    read () {
      if (started) return
      started = true
      this.push(prefix)
      // Armed when nock first pulls the body, not when it builds the reply: nock hands the status and headers over
      // before that and the client has them within the same turn of the event loop, so the reset always lands
      // mid-body. Armed earlier, a loaded machine could fire it before the client had the headers (under load: "while
      // sending the request" instead of "reading the response").
      setTimeout(() => this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 20)
    }
  })
}

export const FAST_RETRY = { minDelayMs: 5, maxDelayMs: 20, jitter: false }

/** The idle timeout of the adapter that meets the stall: short, so the test is quick; the stall is far longer. */
export const STALL_TIMEOUT_MS = 200
/**
 * The idle timeout for every other call: nock answers those at once, but a loaded machine can hold a test worker
 * off the CPU for longer than 200 ms, and a short timer then fires first (under load a 503 came back as ERR_TIMEOUT).
 */
export const ANSWER_TIMEOUT_MS = 30_000

/**
 * The four transport faults every adapter must survive or report: 429 with Retry-After (retried after the wait),
 * 5xx (retried), a reset mid-body (retried), and a stall (timeout, retried). `intercept()` returns a fresh nock
 * interceptor for the call under test; `call(timeoutMs)` runs it through an adapter built with that idle timeout
 * (STALL_TIMEOUT_MS for the stalled call, ANSWER_TIMEOUT_MS for the others).
 */
export async function expectTransportFaults<T> (opts: {
  intercept: () => nock.Interceptor
  ok: () => nock.Interceptor
  call: (timeoutMs: number) => Promise<T>
  check: (value: T) => void
}): Promise<void> {
  const call = async (): Promise<T> => await opts.call(ANSWER_TIMEOUT_MS)
  // 429 + Retry-After: 1 → RateLimitedError with retryAfterMs, then success after ≥ 1 s.
  opts.intercept().reply(429, { message: 'Too Many Requests' }, { 'Retry-After': '1' })
  const e429 = await call().catch(e => e)
  expect(e429.code).toBe('ERR_RATE_LIMITED')
  expect(e429.retryAfterMs).toBe(1000)
  expect(e429.retryable).toBe(true)
  opts.intercept().reply(429, { message: 'Too Many Requests' }, { 'Retry-After': '1' })
  opts.ok()
  const start = performance.now()
  opts.check(await withRetry(call, FAST_RETRY))
  expect(performance.now() - start).toBeGreaterThanOrEqual(990)

  // 5xx → ServiceUnavailableError, retried.
  opts.intercept().reply(503, 'Service Unavailable')
  const e503 = await call().catch(e => e)
  expect(e503.code).toBe('ERR_SERVICE_UNAVAILABLE')
  expect(e503.status).toBe(503)
  opts.intercept().reply(502, '<html>bad gateway</html>')
  opts.intercept().reply(500, 'oops')
  opts.ok()
  opts.check(await withRetry(call, FAST_RETRY))

  // Connection reset mid-body → NetworkError, retried.
  opts.intercept().reply(200, () => resetMidBody())
  const eReset = await call().catch(e => e)
  expect(eReset.code).toBe('ERR_NETWORK')
  expect(eReset.retryable).toBe(true)
  expect(eReset.message).toMatch(/reading the response/)
  // an Error, not a plain { code, message }: nock 14 never delivers a plain object to a node:http request (the
  // streamed uploads), which then hangs until its idle timeout; with the short timeout this step used to pass as a
  // stall instead of a reset
  opts.intercept().replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
  opts.ok()
  opts.check(await withRetry(call, FAST_RETRY))

  // A stall → TimeoutError (adapter built with a 200 ms idle timeout), retried. The idle timer is last armed no
  // later than the request ends and nock's delay starts after that, so load can only make both fire later, in order.
  opts.intercept().delay(1_500).reply(200, {})
  const eSlow = await opts.call(STALL_TIMEOUT_MS).catch(e => e)
  expect(eSlow.code).toBe('ERR_TIMEOUT')
  expect(eSlow.retryable).toBe(true)
  opts.ok()
  opts.check(await withRetry(call, FAST_RETRY))
}
