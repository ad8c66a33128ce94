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
  const s = new Readable({ read () {} })
  s.push(prefix)
  setTimeout(() => s.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 20)
  return s
}

export const FAST_RETRY = { minDelayMs: 5, maxDelayMs: 20, jitter: false }

/**
 * The four transport faults every adapter must survive or report: 429 with Retry-After (retried after the wait),
 * 5xx (retried), a reset mid-body (retried), and a stall (timeout, retried). `intercept()` returns a fresh nock
 * interceptor for the call under test; `call()` runs it through an adapter built with a short timeout.
 */
export async function expectTransportFaults<T> (opts: {
  intercept: () => nock.Interceptor
  ok: () => nock.Interceptor
  call: () => Promise<T>
  check: (value: T) => void
}): Promise<void> {
  // 429 + Retry-After: 1 → RateLimitedError with retryAfterMs, then success after ≥ 1 s.
  opts.intercept().reply(429, { message: 'Too Many Requests' }, { 'Retry-After': '1' })
  const e429 = await opts.call().catch(e => e)
  expect(e429.code).toBe('ERR_RATE_LIMITED')
  expect(e429.retryAfterMs).toBe(1000)
  expect(e429.retryable).toBe(true)
  opts.intercept().reply(429, { message: 'Too Many Requests' }, { 'Retry-After': '1' })
  opts.ok()
  const start = performance.now()
  opts.check(await withRetry(opts.call, FAST_RETRY))
  expect(performance.now() - start).toBeGreaterThanOrEqual(990)

  // 5xx → ServiceUnavailableError, retried.
  opts.intercept().reply(503, 'Service Unavailable')
  const e503 = await opts.call().catch(e => e)
  expect(e503.code).toBe('ERR_SERVICE_UNAVAILABLE')
  expect(e503.status).toBe(503)
  opts.intercept().reply(502, '<html>bad gateway</html>')
  opts.intercept().reply(500, 'oops')
  opts.ok()
  opts.check(await withRetry(opts.call, FAST_RETRY))

  // Connection reset mid-body → NetworkError, retried.
  opts.intercept().reply(200, () => resetMidBody())
  const eReset = await opts.call().catch(e => e)
  expect(eReset.code).toBe('ERR_NETWORK')
  expect(eReset.retryable).toBe(true)
  expect(eReset.message).toMatch(/reading the response/)
  opts.intercept().replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
  opts.ok()
  opts.check(await withRetry(opts.call, FAST_RETRY))

  // A stall → TimeoutError (adapter built with a 200 ms idle timeout), retried.
  opts.intercept().delay(1_500).reply(200, {})
  const eSlow = await opts.call().catch(e => e)
  expect(eSlow.code).toBe('ERR_TIMEOUT')
  expect(eSlow.retryable).toBe(true)
  opts.ok()
  opts.check(await withRetry(opts.call, FAST_RETRY))
}
