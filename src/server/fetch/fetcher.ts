// Pin by CID from other nodes: PSA `origins`, Pinata `hostNodes` and `--upstream` gateways are asked with the trustless
// gateway protocol (`GET /ipfs/{cid}?format=car`, falling back to `?format=raw` block by block); every block is
// verified (hash, codec, membership of the DAG asked for) before it is stored; fetched blocks are committed in batches,
// so after a crash a restarted job asks only for the blocks still missing.
import type { CID } from 'multiformats/cid'
import { openCarStream } from '../../core/car/stream.js'
import { verifyBlock } from '../../core/car/verify.js'
import { BlockTooLargeError, NotFoundError, type PinshipError } from '../../core/errors.js'
import { httpStream, type HttpContext } from '../../core/http.js'
import { sleep, withRetry, type RetryOptions } from '../../core/retry.js'
import { blockKey, type Staging } from '../store/blocks.js'
import { blockLinks, hasLinks } from '../store/links.js'
import type { FetchFailure } from '../store/records.js'
import type { Repo } from '../store/repo.js'
import { isMultiaddr, multiaddrToUrl, type Source } from './sources.js'

/** Pinata gives up after a day of searching (seed 002). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 24 * 60 * 60 * 1000
/** Largest DAG a pin by CID fetches (10 GB); past it the job ends `over_max_size`. */
export const DEFAULT_MAX_PIN_SIZE_BYTES = 10_000_000_000
/** Pin-by-CID fetches running at once; the rest wait `prechecking`. */
export const DEFAULT_FETCH_CONCURRENCY = 4
/** Fetched blocks are made durable in batches of about this size. */
export const DEFAULT_FETCH_COMMIT_BYTES = 1024 * 1024
/** How long to wait before asking the sources again when none had the content. */
export const DEFAULT_SEARCH_INTERVAL_MS = 5_000
/** An origin that sends nothing for this long is given up on for this round (the retry policy may ask again). */
export const DEFAULT_FETCH_IDLE_TIMEOUT_MS = 30_000
/** The retry policy for origin requests: network errors, timeouts and 5xx, a few times, quickly. */
export const DEFAULT_FETCH_RETRY: RetryOptions = { retries: 3, minDelayMs: 250, maxDelayMs: 4_000, maxRetryTimeMs: 60_000 }

const CAR_ACCEPT = 'application/vnd.ipld.car'
const RAW_ACCEPT = 'application/vnd.ipld.raw'

export interface FetcherOptions {
  /** Gateways asked for every pin by CID besides its own origins. @default [] */
  upstreams?: string[]
  /** @default DEFAULT_SEARCH_TIMEOUT_MS */
  searchTimeoutMs?: number
  /** @default DEFAULT_MAX_PIN_SIZE_BYTES */
  maxPinSizeBytes?: number
  /** @default DEFAULT_FETCH_CONCURRENCY */
  concurrency?: number
  /** @default DEFAULT_FETCH_COMMIT_BYTES */
  commitBytes?: number
  /** @default DEFAULT_SEARCH_INTERVAL_MS */
  searchIntervalMs?: number
  /** @default DEFAULT_FETCH_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** @default DEFAULT_FETCH_RETRY */
  retry?: RetryOptions
  maxBlockBytes: number
  /** What happened: fetched, pinned, failed, source errors. */
  onEvent?: (event: FetchEvent) => void
}

export type FetchEvent =
  | { kind: 'fetched', cid: string, from: string, blocks: number, bytes: number }
  | { kind: 'pinned', cid: string }
  | { kind: 'failed', cid: string, status: FetchFailure, reason: string }
  | { kind: 'source-error', cid: string, from: string, message: string }

/** Ends a job: the status it ends in, and why. */
class JobFailure extends Error {
  constructor (readonly status: FetchFailure, message: string) { super(message) }
}

/** A job's sources: which requests are live, where to ask, and the search deadline. */
interface JobPlan { sources: Source[], unparseable: string[], deadline: number }

export class Fetcher {
  private readonly queue: string[] = []
  private readonly running = new Map<string, { abort: AbortController, done: Promise<void> }>()
  private closed = false
  private readonly upstreams: string[]
  private readonly searchTimeoutMs: number
  private readonly maxPinSizeBytes: number
  private readonly concurrency: number
  private readonly commitBytes: number
  private readonly searchIntervalMs: number
  private readonly idleTimeoutMs: number
  private readonly retry: RetryOptions

  constructor (private readonly repo: Repo, private readonly options: FetcherOptions) {
    this.upstreams = options.upstreams ?? []
    this.searchTimeoutMs = options.searchTimeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS
    this.maxPinSizeBytes = options.maxPinSizeBytes ?? DEFAULT_MAX_PIN_SIZE_BYTES
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_FETCH_CONCURRENCY)
    this.commitBytes = options.commitBytes ?? DEFAULT_FETCH_COMMIT_BYTES
    this.searchIntervalMs = options.searchIntervalMs ?? DEFAULT_SEARCH_INTERVAL_MS
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_FETCH_IDLE_TIMEOUT_MS
    this.retry = options.retry ?? DEFAULT_FETCH_RETRY
  }

  /** Queues every pin by CID whose DAG is incomplete and that has somewhere to fetch from (at start-up). */
  resumeAll (): void {
    const roots = new Set<string>()
    for (const p of this.repo.pins.values()) roots.add(p.cid)
    for (const p of this.repo.pinataPins.values()) if (p.unpinned === undefined) roots.add(p.cid)
    for (const cid of roots) this.consider(cid)
  }

  /** Queues a fetch of `cid` if some live request for it has a source and it is not stored, queued or running. */
  consider (cid: string): void {
    if (this.closed || this.repo.isComplete(cid) || this.running.has(cid) || this.queue.includes(cid)) return
    if (this.plan(cid) === undefined) return
    this.repo.setFetchPhase(cid, 'prechecking')
    this.queue.push(cid)
    this.pump()
  }

  /** A request was removed: a job nobody asks for any more stops now (its in-flight request is cancelled). */
  release (cid: string): void {
    if (this.plan(cid) !== undefined) return
    const i = this.queue.indexOf(cid)
    if (i >= 0) { this.queue.splice(i, 1); this.repo.setFetchPhase(cid, undefined) }
    this.running.get(cid)?.abort.abort()
  }

  /** Requests for `cid` not yet answered by a failure, their sources, and when searching gives up. */
  private plan (cid: string): JobPlan | undefined {
    const explicit: string[] = []
    let latest = ''
    const live = (created: string): boolean => this.repo.fetchFailureFor(cid, created) === undefined
    for (const p of this.repo.pins.values()) {
      if (p.cid !== cid || !live(p.created)) continue
      explicit.push(...p.origins)
      if (p.created > latest) latest = p.created
    }
    for (const p of this.repo.pinataPins.values()) {
      if (p.cid !== cid || p.unpinned !== undefined || !live(p.created)) continue
      explicit.push(...p.hostNodes)
      if (p.created > latest) latest = p.created
    }
    if (latest === '') return undefined
    const sources: Source[] = []
    const unparseable: string[] = []
    for (const given of new Set(explicit)) {
      const base = multiaddrToUrl(given)
      if (base === undefined) {
        // a libp2p-only address is a hint this node cannot follow (it speaks HTTP only); a malformed one is bad input
        if (!isMultiaddr(given)) unparseable.push(given)
      } else if (!sources.some(s => s.base === base)) sources.push({ base, given, explicit: true })
    }
    for (const base of this.upstreams) if (!sources.some(s => s.base === base)) sources.push({ base, given: base, explicit: false })
    if (sources.length === 0 && unparseable.length === 0) return undefined
    return { sources, unparseable, deadline: Date.parse(latest) + this.searchTimeoutMs }
  }

  private pump (): void {
    while (!this.closed && this.running.size < this.concurrency && this.queue.length > 0) {
      const cid = this.queue.shift() as string
      const abort = new AbortController()
      const done = this.run(cid, abort.signal).finally(() => {
        this.running.delete(cid)
        this.repo.setFetchPhase(cid, undefined)
        if (!this.closed) {
          // a request made while this ran (after it failed) gets its own job
          this.consider(cid)
          this.pump()
        }
      })
      this.running.set(cid, { abort, done })
    }
  }

  private async run (cid: string, signal: AbortSignal): Promise<void> {
    const plan = this.plan(cid)
    if (plan === undefined) return
    this.repo.setFetchPhase(cid, 'searching')
    try {
      await this.fetchRoot(cid, plan, signal)
      if (this.repo.isComplete(cid)) this.options.onEvent?.({ kind: 'pinned', cid })
    } catch (err) {
      if (signal.aborted) return
      const failure = err instanceof JobFailure ? err : new JobFailure('expired', `fetching failed: ${(err as Error).message}`)
      await this.repo.recordFetchFailure(cid, failure.status, failure.message).catch(() => {})
      this.options.onEvent?.({ kind: 'failed', cid, status: failure.status, reason: failure.message })
    }
  }

  private async fetchRoot (cid: string, first: JobPlan, signal: AbortSignal): Promise<void> {
    let plan = first
    if (plan.unparseable.length > 0) {
      throw new JobFailure('bad_host_node', `The host node ${plan.unparseable[0]} is not a valid multiaddr: give one such as /ip4/1.2.3.4/tcp/8080/http or /dns4/host/tcp/443/https.`)
    }
    for (;;) {
      if ((await this.repo.missingBlocks(cid)).length === 0) return
      // requests may have been removed (stop) or replaced with other origins (ask those) since the last round
      const now = this.plan(cid)
      if (now === undefined) return
      plan = now
      if (this.repo.isBroken(cid)) throw new JobFailure('invalid_object', 'A block of the DAG cannot be decoded as its codec.')
      let progress = false
      const unreachable: string[] = []
      for (const source of plan.sources) {
        try {
          const stored = await this.fetchFrom(source, cid, signal)
          if (stored > 0) progress = true
        } catch (err) {
          if (err instanceof JobFailure || signal.aborted) throw err
          const e = err as PinshipError
          if (e.code === 'ERR_NETWORK' || e.code === 'ERR_TIMEOUT' || e.code === 'ERR_INVALID_ENDPOINT') unreachable.push(source.given)
          this.options.onEvent?.({ kind: 'source-error', cid, from: source.given, message: e.message })
        }
        if (this.repo.isComplete(cid)) return
      }
      if (this.repo.isBroken(cid)) throw new JobFailure('invalid_object', 'A block of the DAG cannot be decoded as its codec.')
      const explicit = plan.sources.filter(s => s.explicit)
      // the host nodes the request named are all down (upstreams that lacked the content do not change that)
      if (!progress && explicit.length > 0 && explicit.every(s => unreachable.includes(s.given))) {
        const bad = unreachable.filter(u => explicit.some(s => s.given === u))
        throw new JobFailure('bad_host_node', `No host node could be reached or used: ${bad.join(', ')}. Make sure they are online and serve the trustless gateway API over HTTP.`)
      }
      if (progress) continue
      const left = plan.deadline - Date.now()
      if (left <= 0) throw new JobFailure('expired', `The content was not found on ${plan.sources.map(s => s.given).join(', ') || 'any node'} within the search timeout.`)
      this.repo.setFetchPhase(cid, 'searching')
      await sleep(Math.min(this.searchIntervalMs, left), signal)
    }
  }

  /** Fetches what `source` has of the missing part of `root`'s DAG; returns how many new blocks it stored. */
  private async fetchFrom (source: Source, root: string, signal: AbortSignal): Promise<number> {
    let total = 0
    for (;;) {
      const missing = await this.repo.missingBlocks(root)
      if (missing.length === 0) return total
      let round = 0
      for (const target of missing) {
        try {
          round += await this.fetchSubtree(source, root, target, signal)
        } catch (err) {
          // not there: that origin lacks this part (another may have it)
          if (err instanceof NotFoundError) continue
          throw err
        }
      }
      total += round
      if (round === 0) return total
    }
  }

  private context (source: Source): HttpContext {
    return { service: `origin ${source.given}` }
  }

  /** GET {base}/ipfs/{target}?format=car, falling back to ?format=raw block by block when CARs are not offered. */
  private async fetchSubtree (source: Source, root: string, target: CID, signal: AbortSignal): Promise<number> {
    const url = `${source.base}/ipfs/${target.toString()}?format=car&dag-scope=all`
    let res: Awaited<ReturnType<typeof httpStream>>
    try {
      res = await withRetry(async () => await httpStream(this.context(source), url, { headers: { accept: CAR_ACCEPT }, signal, timeoutMs: this.idleTimeoutMs }), { ...this.retry, signal })
    } catch (err) {
      const status = (err as PinshipError).status
      if (status === 400 || status === 406 || status === 415 || status === 501) return await this.fetchRaw(source, root, target, signal)
      throw err
    }
    const type = res.headers.get('content-type') ?? ''
    if (!type.startsWith(CAR_ACCEPT)) {
      // a gateway that ignored the format and sent the file itself: drain, then go block by block
      for await (const _ of res.body) { /* discard */ }
      return await this.fetchRaw(source, root, target, signal)
    }
    const batch = this.batch(root, source)
    try {
      const car = await openCarStream(res.body, { maxBlockBytes: this.options.maxBlockBytes })
      // only blocks of the DAG asked for are kept (an origin cannot make this node store anything else)
      const expected = new Set([blockKey(target)])
      for await (const block of car) {
        const key = blockKey(block.cid)
        if (!expected.has(key)) continue
        for (const link of this.links(block.cid, block.bytes)) expected.add(blockKey(link))
        await batch.put(block.cid, block.bytes)
      }
    } catch (err) {
      if (err instanceof JobFailure || signal.aborted) { await batch.abort(); throw err }
      // a truncated or corrupt CAR: keep the verified blocks that came before it; the next round asks for the rest
      this.options.onEvent?.({ kind: 'source-error', cid: root, from: source.given, message: (err as Error).message })
    }
    return await batch.finish()
  }

  private async fetchRaw (source: Source, root: string, target: CID, signal: AbortSignal): Promise<number> {
    const batch = this.batch(root, source)
    try {
      const stack: CID[] = [target]
      const seen = new Set<string>()
      while (stack.length > 0) {
        const cid = stack.pop() as CID
        const key = blockKey(cid)
        if (seen.has(key) || this.repo.blocks.has(cid)) continue
        seen.add(key)
        const url = `${source.base}/ipfs/${cid.toString()}?format=raw`
        let bytes: Uint8Array
        try {
          const res = await withRetry(async () => await httpRequestBytes(this.context(source), url, signal, this.idleTimeoutMs, this.options.maxBlockBytes), { ...this.retry, signal })
          bytes = res
        } catch (err) {
          if (err instanceof NotFoundError) continue
          throw err
        }
        verifyBlock(cid, bytes)
        for (const link of this.links(cid, bytes)) stack.push(link)
        await batch.put(cid, bytes)
      }
    } catch (err) {
      await batch.abort()
      throw err
    }
    return await batch.finish()
  }

  private links (cid: CID, bytes: Uint8Array): CID[] {
    if (!hasLinks(cid.code)) return []
    try {
      return blockLinks(cid, bytes)
    } catch (err) {
      throw new JobFailure('invalid_object', `Block ${cid.toString()} hashes right but does not decode as its codec (${(err as Error).message}).`)
    }
  }

  /** Blocks fetched for `root`, committed every `commitBytes`; enforces the size limit. */
  private batch (root: string, source: Source): { put: (cid: CID, bytes: Uint8Array) => Promise<void>, finish: () => Promise<number>, abort: () => Promise<void> } {
    let staging: Staging | undefined
    let staged = 0
    let blocks = 0
    let stored = 0
    let size = this.repo.dagSize(root)
    const commit = async (): Promise<void> => {
      if (staging === undefined) return
      const s = staging
      staging = undefined
      const n = blocks
      const bytes = staged
      blocks = 0
      staged = 0
      await this.repo.commitFetched(s, root)
      stored += n
      this.options.onEvent?.({ kind: 'fetched', cid: root, from: source.given, blocks: n, bytes })
    }
    return {
      put: async (cid, bytes) => {
        if (this.repo.blocks.has(cid)) return
        size += bytes.length
        if (size > this.maxPinSizeBytes) {
          throw new JobFailure('over_max_size', `The DAG is larger than this service's limit of ${this.maxPinSizeBytes} bytes (--max-pin-size).`)
        }
        staging ??= this.repo.blocks.stage()
        this.repo.setFetchPhase(root, 'retrieving')
        await staging.put(cid, bytes)
        staged += bytes.length
        blocks++
        if (staged >= this.commitBytes) await commit()
      },
      finish: async () => { await commit(); return stored },
      abort: async () => { const s = staging; staging = undefined; await s?.abort() }
    }
  }

  /** Stops every job (they resume on the next start) and waits for them to let go of the store. */
  async close (): Promise<void> {
    this.closed = true
    this.queue.length = 0
    for (const { abort } of this.running.values()) abort.abort()
    await Promise.all([...this.running.values()].map(async r => await r.done.catch(() => {})))
  }
}

/** One raw block, refused past `maxBytes`. */
async function httpRequestBytes (ctx: HttpContext, url: string, signal: AbortSignal, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  const res = await httpStream(ctx, url, { headers: { accept: RAW_ACCEPT }, signal, timeoutMs })
  const chunks: Uint8Array[] = []
  let n = 0
  for await (const c of res.body) {
    n += c.length
    if (n > maxBytes) throw new BlockTooLargeError(`${ctx.service} sent a block over ${maxBytes} bytes.`)
    chunks.push(c)
  }
  return Buffer.concat(chunks)
}

