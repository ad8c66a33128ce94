/**
 * `--verify`: fetch the root through a gateway as a trustless CAR (`?format=car`), check every block hashes to its
 * CID (openCarStream does) and that every block the DAG links to arrived. Only then is the content retrievable
 * for real, which is what "succeeded" should mean.
 */
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { openCarStream } from '../car/index.js'
import { PinshipError, VerifyFailedError } from '../errors.js'
import { httpStream, joinUrl } from '../http.js'
import { withRetry, type RetryInfo, type RetryOptions } from '../retry.js'
import type { VerifyResult } from './api.js'
import { sameCid } from './cid-check.js'

const IDENTITY = 0x00

export interface VerifyOptions {
  signal?: AbortSignal
  retry?: RetryOptions
  timeoutMs?: number
  onRetry?: (info: RetryInfo) => void
}

function key (cid: CID): string {
  return cid.toV1().toString()
}

async function fetchAndCheck (gateway: string, root: string, options: VerifyOptions): Promise<{ blocks: number, bytes: number }> {
  const ctx = { service: `gateway ${new URL(gateway).host}` }
  const url = joinUrl(gateway, `/ipfs/${root}`, { format: 'car', 'dag-scope': 'all' })
  const res = await httpStream(ctx, url, {
    headers: { accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
    signal: options.signal,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
  })
  let car
  try {
    car = await openCarStream(res.body)
  } catch (err) {
    throw wrap(err, gateway, root)
  }
  if (car.roots.length === 0 || !sameCid(car.roots[0].toString(), root)) {
    throw new VerifyFailedError(`gateway ${gateway} answered with a CAR for ${car.roots[0]?.toString() ?? 'no root'} instead of ${root}`)
  }
  const needed = new Set<string>()
  const seen = new Set<string>()
  let blocks = 0
  let bytes = 0
  try {
    for await (const block of car) {
      blocks++
      bytes += block.bytes.length
      seen.add(key(block.cid))
      if (block.cid.code === dagPb.code) {
        for (const link of dagPb.decode(block.bytes).Links) {
          if (link.Hash.multihash.code !== IDENTITY) needed.add(key(link.Hash))
        }
      }
    }
  } catch (err) {
    throw wrap(err, gateway, root)
  }
  const rootKey = key(car.roots[0])
  if (!seen.has(rootKey)) throw new VerifyFailedError(`gateway ${gateway} sent no root block for ${root}: the content is not retrievable there`)
  const missing = [...needed].filter(c => !seen.has(c))
  if (missing.length > 0) {
    throw new VerifyFailedError(`gateway ${gateway} served ${root} without ${missing.length} linked block(s) (first: ${missing[0]}): the DAG is incomplete there. Deploy again; if it persists, the service lost data.`)
  }
  return { blocks, bytes }
}

function wrap (err: unknown, gateway: string, root: string): PinshipError {
  if (err instanceof PinshipError && (err.retryable || err.code === 'ERR_ABORTED')) return err
  const message = err instanceof Error ? err.message : String(err)
  return new VerifyFailedError(`gateway ${gateway} served a CAR for ${root} that does not check out: ${message}`, { cause: err })
}

/** Never throws for a failed check (that is the result); throws only when cancelled. */
export async function verifyThroughGateway (gateway: string, root: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  try {
    const { blocks, bytes } = await withRetry(async () => await fetchAndCheck(gateway, root, options), {
      ...options.retry, signal: options.signal, ...(options.onRetry !== undefined ? { onRetry: options.onRetry } : {})
    })
    return { gateway, ok: true, blocks, bytes, error: null }
  } catch (err) {
    const e = err instanceof PinshipError ? err : new VerifyFailedError(String(err))
    if (e.code === 'ERR_ABORTED') throw e
    return { gateway, ok: false, blocks: 0, bytes: 0, error: { code: e.code, message: e.message } }
  }
}
