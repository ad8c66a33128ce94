// Filecoin deals as a local pipeline. No Filecoin network is reachable from here, so the service does what a deal
// aggregator does up to the chain and simulates the chain's answers: complete uploads and pins are aggregated into
// batches (a dag-pb node linking to each root), the batch CAR (exactly what `/ipfs/{batchRootCid}?format=car` serves)
// gets its Filecoin piece CID (CommP) from @web3-storage/data-segment, and the batch is proposed to storage providers
// whose deals move queued → published → active on a timer (`dealDelayMs`), reported with `network: "local"`.
import { CarWriter } from '@ipld/car/writer'
import * as dagPb from '@ipld/dag-pb'
import { Piece } from '@web3-storage/data-segment'
import * as PieceHasher from '@web3-storage/data-segment/multihash'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { scopedBlocks } from '../gateway/car-scope.js'
import type { BatchRecord } from '../store/records.js'
import type { Repo } from '../store/repo.js'

/** A batch closes once its DAGs add up to this many bytes… */
export const DEFAULT_BATCH_BYTES = 1024 * 1024 * 1024
/** …or this long after the oldest root waiting for one. */
export const DEFAULT_BATCH_INTERVAL_MS = 60_000
/** Each step of a deal (proposed → published → active) takes this long. */
export const DEFAULT_DEAL_DELAY_MS = 30_000
/** Roots per batch at most: the batch root is one dag-pb node, which must stay well under the block limit. */
export const MAX_BATCH_ROOTS = 1000
/** Local storage provider ids; each batch is proposed to all of them (seed 001: at least 5 deals). */
export const DEFAULT_STORAGE_PROVIDERS = ['f01000', 'f01001', 'f01002', 'f01003', 'f01004']
/** How long an active deal lasts (Filecoin's usual 540 days). */
export const DEAL_DURATION_MS = 540 * 24 * 60 * 60 * 1000

export type LocalDealStatus = 'queued' | 'published' | 'active' | 'failed' | 'terminated'

/** The local deal pipeline's settings (also `pinship serve`'s options of the same names). */
export interface DealSettings {
  /** A batch closes at this many bytes of DAGs… @default DEFAULT_BATCH_BYTES (1 GiB) */
  batchBytes?: number
  /** …or this long after its oldest root became complete. @default DEFAULT_BATCH_INTERVAL_MS (1 min) */
  batchIntervalMs?: number
  /** Each deal step (queued → published → active) takes this long. @default DEFAULT_DEAL_DELAY_MS (30 s) */
  dealDelayMs?: number
  /** Storage provider ids every batch is proposed to (at least 5, seed 001). @default DEFAULT_STORAGE_PROVIDERS */
  storageProviders?: string[]
  /** Providers whose deals fail (after one delay) instead of publishing, to exercise failure handling. @default [] */
  failingProviders?: string[]
  /** Providers whose deals are terminated one delay after they went active (a provider that lost the sector). @default [] */
  terminatingProviders?: string[]
}

export interface DealsOptions extends DealSettings {
  /** A batch could not be priced (its content went away first). */
  onError?: (message: string) => void
  onBatch?: (detail: { id: number, root: string, pieceCid: string, roots: number }) => void
}

/** One deal as the service reports it, in every face's words (see views in the API files). */
export interface LocalDeal {
  batchRootCid: string
  dataModelSelector: string
  pieceCid: string
  pieceSize: number
  storageProvider: string
  status: LocalDealStatus
  statusText: string
  chainDealID?: number
  dealActivation?: string
  dealExpiration?: string
  created: string
  lastChanged: string
}

export class Deals {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()
  private closed = false
  readonly batchBytes: number
  readonly batchIntervalMs: number
  readonly dealDelayMs: number
  readonly providers: string[]
  private readonly failing: Set<string>
  private readonly terminating: Set<string>
  /** Batches whose CAR could not be made this run (content deleted before pricing): not retried until a restart. */
  private readonly unpriceable = new Set<number>()

  constructor (private readonly repo: Repo, private readonly options: DealsOptions = {}) {
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES
    this.batchIntervalMs = options.batchIntervalMs ?? DEFAULT_BATCH_INTERVAL_MS
    this.dealDelayMs = options.dealDelayMs ?? DEFAULT_DEAL_DELAY_MS
    this.providers = options.storageProviders ?? DEFAULT_STORAGE_PROVIDERS
    this.failing = new Set(options.failingProviders ?? [])
    this.terminating = new Set(options.terminatingProviders ?? [])
  }

  /** After start and after every completed root: batch now if enough is waiting, else when the interval is up. */
  poke (): void {
    if (this.closed) return
    const waiting = this.repo.unbatchedRoots()
    const unpriced = [...this.repo.batches.values()].some(b => !this.repo.pieces.has(b.id) && !this.unpriceable.has(b.id))
    if (waiting.length === 0 && !unpriced) return
    const bytes = waiting.reduce((n, r) => n + r.dagSize, 0)
    if (unpriced || bytes >= this.batchBytes || waiting.length >= MAX_BATCH_ROOTS) { this.schedule(0); return }
    this.schedule(this.batchIntervalMs)
  }

  private schedule (ms: number): void {
    if (this.timer !== undefined) {
      if (ms > 0) return
      clearTimeout(this.timer)
    }
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.running = this.running.then(async () => { await this.runOnce() }).catch(() => { /* retried on the next poke */ })
    }, ms)
    this.timer.unref()
  }

  /** Prices batches that lack a piece (a crash in between), then makes one batch of what waits. */
  private async runOnce (): Promise<void> {
    if (this.closed) return
    for (const b of this.repo.batches.values()) {
      if (this.repo.pieces.has(b.id) || this.unpriceable.has(b.id)) continue
      try {
        await this.price(b)
      } catch (err) {
        // a root of the batch was deleted and collected before its CAR was priced: its deals can never be made
        this.unpriceable.add(b.id)
        this.options.onError?.(`batch ${b.id} (${b.root}) cannot be priced: ${(err as Error).message}`)
      }
    }
    let waiting = this.repo.unbatchedRoots()
    if (waiting.length === 0) return
    waiting = waiting.slice(0, MAX_BATCH_ROOTS)
    const batch = await this.makeBatch(waiting)
    try {
      await this.price(batch)
    } catch (err) {
      this.unpriceable.add(batch.id)
      this.options.onError?.(`batch ${batch.id} (${batch.root}) cannot be priced: ${(err as Error).message}`)
    }
    // more may be waiting (past MAX_BATCH_ROOTS, or arrived meanwhile)
    this.poke()
  }

  private async makeBatch (roots: Array<{ cid: string, dagSize: number }>): Promise<BatchRecord> {
    // dag-pb links are sorted by name; the name is the root's CID, so the selector index follows that order
    const sorted = [...roots].sort((a, b) => a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0)
    const node = dagPb.prepare({
      Data: new UnixFS({ type: 'directory' }).marshal(),
      Links: sorted.map(r => ({ Name: r.cid, Hash: CID.parse(r.cid), Tsize: r.dagSize }))
    })
    const bytes = dagPb.encode(node)
    const root = CID.createV1(dagPb.code, await sha256.digest(bytes))
    const id = Math.max(0, ...this.repo.batches.keys()) + 1
    const batch: BatchRecord = {
      id,
      root: root.toString(),
      created: new Date().toISOString(),
      entries: node.Links.map((l, i) => ({ cid: l.Hash.toString(), selector: `Links/${i}/Hash`, dagSize: l.Tsize ?? 0 }))
    }
    const staging = this.repo.blocks.stage()
    await staging.put(root, bytes)
    await this.repo.commitBatch(staging, batch)
    return batch
  }

  /** CommP of the batch CAR, streamed through the same writer and block order the gateway serves. */
  private async price (batch: BatchRecord): Promise<void> {
    const root = CID.parse(batch.root)
    const hasher = PieceHasher.create()
    const { writer, out } = CarWriter.create([root])
    let carBytes = 0
    const hashing = (async () => {
      for await (const chunk of out) { hasher.write(chunk); carBytes += chunk.length }
    })()
    try {
      for await (const b of scopedBlocks(this.repo.blocks, [root], { scope: 'all', dups: false })) await writer.put(b)
    } finally {
      await writer.close()
    }
    await hashing
    const piece = Piece.fromDigest(hasher.digest())
    const pieceCid = piece.toInfo().link.toString()
    await this.repo.recordBatchPiece({ id: batch.id, pieceCid, pieceSize: Number(piece.size), carBytes, at: new Date().toISOString() })
    this.options.onBatch?.({ id: batch.id, root: batch.root, pieceCid, roots: batch.entries.length })
  }

  /** The deals of `cid` (empty while it waits for a batch), as of `now`. */
  dealsOf (cid: string, now = Date.now()): LocalDeal[] {
    const where = this.repo.batchOf.get(cid)
    if (where === undefined) return []
    const batch = this.repo.batches.get(where.id)
    const piece = this.repo.pieces.get(where.id)
    if (batch === undefined || piece === undefined) return []
    const proposed = Date.parse(piece.at)
    const d = this.dealDelayMs
    return this.providers.map((provider, i) => {
      // providers answer at slightly different times, as they do
      const published = proposed + d + Math.round(i * d / 5)
      const activated = published + d
      const iso = (t: number): string => new Date(t).toISOString()
      const base = { batchRootCid: batch.root, dataModelSelector: where.selector, pieceCid: piece.pieceCid, pieceSize: piece.pieceSize, storageProvider: provider, created: piece.at }
      if (this.failing.has(provider) && now >= published) {
        return { ...base, status: 'failed', statusText: `local pipeline: ${provider} rejected the proposal`, lastChanged: iso(published) }
      }
      if (now < published) {
        return { ...base, status: 'queued', statusText: `local pipeline: proposed to ${provider}, waiting for it to publish`, lastChanged: piece.at }
      }
      const chain = { chainDealID: 1_000_000 + where.id * 100 + i, dealActivation: iso(activated), dealExpiration: iso(activated + DEAL_DURATION_MS) }
      if (now < activated) {
        return { ...base, ...chain, status: 'published', statusText: `local pipeline: deal published by ${provider}, sector not sealed yet`, lastChanged: iso(published) }
      }
      if (this.terminating.has(provider) && now >= activated + d) {
        return { ...base, ...chain, status: 'terminated', statusText: `local pipeline: ${provider} terminated the deal (sector lost)`, lastChanged: iso(activated + d) }
      }
      return { ...base, ...chain, status: 'active', statusText: `local pipeline: containing sector active as of ${iso(activated)}`, lastChanged: iso(activated) }
    })
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    await this.running
  }
}
