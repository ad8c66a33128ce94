import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { BlockStore, type Staging, type StagedSegment } from './blocks.js'
import { DagWalk } from './dag-walk.js'
import { Journal, type JournalTail } from './journal.js'
import type { JournalRecord, PinataPinRecord, PinRecord, UploadApi, UploadRecord } from './records.js'

/** An upload or pin whose DAG is still incomplete this long after its last data arrived is reported failed. */
export const DEFAULT_PENDING_TIMEOUT_MS = 24 * 60 * 60 * 1000

/** Names inside the data dir. */
export const JOURNAL_FILE = 'journal.log'
export const QUARANTINE_DIR = 'quarantine'

/** What opening had to put right after a crash: a torn journal tail, unreferenced segments, leftover temp files. */
export interface Recovery {
  tail: JournalTail
  /** Segments no journal record references, moved (not deleted) to `quarantineDir`. */
  quarantined: string[]
  quarantineDir: string
  /** Temp files of uploads that were never acknowledged, removed. */
  tempRemoved: string[]
}

export type ContentStatus = 'queued' | 'pinned' | 'failed'

export interface RepoOptions {
  /** @default DEFAULT_PENDING_TIMEOUT_MS */
  pendingTimeoutMs?: number
  /** Called when a root's DAG becomes complete. */
  onComplete?: (cid: string, dagSize: number) => void
}

export interface NewUpload {
  user: string
  cid: string
  name?: string
  api: UploadApi
  type?: string
  files?: Array<{ name: string, type: string }>
  path?: string
}

/**
 * The service's persistent state: blocks, uploads, PSA pins, and which roots are complete. Everything is
 * rebuilt from the journal on open; every change is journaled (and fsynced) before it is applied in memory,
 * so what callers see has always reached the disk.
 */
export class Repo {
  readonly uploads = new Map<string, Map<string, UploadRecord>>()
  readonly pins = new Map<string, PinRecord>()
  /** Pinata pin-by-CID records by id (jobs, pins and unpinned ones). */
  readonly pinataPins = new Map<string, PinataPinRecord>()
  private readonly completeRoots = new Map<string, number>()
  /** When a root was found complete (journals written before this was recorded have none). */
  private readonly completedAt = new Map<string, string>()
  private readonly walks = new Map<string, { walk: DagWalk, run: Promise<void> }>()
  /** block key → roots whose walk is waiting for it */
  private readonly waiting = new Map<string, Set<string>>()
  private lock: Promise<void> = Promise.resolve()
  private lastStamp = 0
  readonly pendingTimeoutMs: number

  private constructor (readonly blocks: BlockStore, private journal: Journal | undefined, private readonly options: RepoOptions) {
    this.pendingTimeoutMs = options.pendingTimeoutMs ?? DEFAULT_PENDING_TIMEOUT_MS
  }

  static async open (dataDir: string, options: RepoOptions = {}): Promise<{ repo: Repo, recovery: Recovery }> {
    await mkdir(dataDir, { recursive: true })
    const blocks = await BlockStore.create(join(dataDir, 'blocks'))
    const repo = new Repo(blocks, undefined, options)
    const quarantineDir = join(dataDir, QUARANTINE_DIR)
    const { journal, tail } = await Journal.open(join(dataDir, JOURNAL_FILE), r => repo.apply(r as JournalRecord), {
      saveCutTo: join(quarantineDir, `journal-tail-${new Date().toISOString().replace(/[:.]/g, '-')}.log`),
      repairHint: `\`pinship repair --data ${dataDir}\``
    })
    repo.journal = journal
    const { quarantined, tempRemoved } = await blocks.quarantineOrphans(quarantineDir)
    // roots not known complete: resume their walks (a crash may have lost the 'complete' record, never the blocks)
    for (const cid of repo.referencedRoots()) {
      if (!repo.completeRoots.has(cid)) await repo.checkRoot(cid)
    }
    return { repo, recovery: { tail, quarantined, quarantineDir, tempRemoved } }
  }

  private referencedRoots (): Set<string> {
    const roots = new Set<string>()
    for (const m of this.uploads.values()) for (const cid of m.keys()) roots.add(cid)
    for (const p of this.pins.values()) roots.add(p.cid)
    for (const p of this.pinataPins.values()) if (p.unpinned === undefined) roots.add(p.cid)
    return roots
  }

  private apply (r: JournalRecord): string[] {
    switch (r.t) {
      case 'commit': {
        if (r.upload !== undefined) this.seenStamp(r.upload.updated)
        const added = r.seg === null ? [] : this.blocks.applySegment(r.seg, r.blocks)
        if (r.upload !== undefined) this.userUploads(r.upload.user).set(r.upload.cid, r.upload)
        return added
      }
      case 'complete':
        this.completeRoots.set(r.cid, r.dagSize)
        if (r.at !== undefined) this.completedAt.set(r.cid, r.at)
        break
      case 'unupload': this.uploads.get(r.user)?.delete(r.cid); break
      case 'pin': this.seenStamp(r.pin.created); this.pins.set(r.pin.requestid, r.pin); break
      case 'unpin': this.pins.delete(r.requestid); break
      case 'replace': this.seenStamp(r.pin.created); this.pins.delete(r.old); this.pins.set(r.pin.requestid, r.pin); break
      case 'pinata-pin':
        this.seenStamp(r.pin.created)
        if (r.replaces !== undefined) this.pinataPins.delete(r.replaces)
        this.pinataPins.set(r.pin.id, r.pin)
        break
      case 'pinata-unpin':
        for (const [id, p] of this.pinataPins) if (p.user === r.user && p.cid === r.cid && p.unpinned === undefined) this.pinataPins.delete(id)
        this.uploads.get(r.user)?.delete(r.cid)
        for (const [id, p] of this.pins) if (p.user === r.user && p.cid === r.cid) this.pins.delete(id)
        this.pinataPins.set(r.record.id, r.record)
        break
    }
    return []
  }

  private seenStamp (iso: string): void {
    const t = Date.parse(iso)
    if (t > this.lastStamp) this.lastStamp = t
  }

  private async write (record: JournalRecord): Promise<string[]> {
    if (this.journal === undefined) throw new Error('repository is closed')
    await this.journal.append(record)
    return this.apply(record)
  }

  /** Runs `fn` alone: journal order must equal apply order. */
  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn)
    this.lock = run.then(() => {}, () => {})
    return await run
  }

  /**
   * Strictly increasing ISO timestamps: listings page with `before=<oldest created>`, which would skip or
   * repeat records that share a millisecond.
   */
  private stamp (): string {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1)
    return new Date(this.lastStamp).toISOString()
  }

  userUploads (user: string): Map<string, UploadRecord> {
    let m = this.uploads.get(user)
    if (m === undefined) { m = new Map(); this.uploads.set(user, m) }
    return m
  }

  /**
   * Makes an upload durable: the staged segment is fsynced and renamed, then one journal record carries both
   * its block index and the upload record. Resolves after the completeness walk, so the caller can answer with
   * the final status.
   */
  async commitUpload (staging: Staging, upload: NewUpload): Promise<{ record: UploadRecord, segment: StagedSegment }> {
    let segment: StagedSegment
    try {
      segment = await staging.finish()
    } catch (err) {
      await staging.abort()
      throw err
    }
    const { record, added } = await this.exclusive(async () => {
      let seg = segment.name
      if (seg !== null && segment.entries.every(([key]) => this.blocks.hasKey(key))) {
        // a concurrent upload stored all of these first
        await staging.discard(seg)
        seg = null
      }
      const now = this.stamp()
      const previous = this.userUploads(upload.user).get(upload.cid)
      const record: UploadRecord = previous === undefined
        ? { id: randomUUID(), created: now, updated: now, ...dropUndefined(upload), name: upload.name ?? '' }
        : { ...previous, ...dropUndefined(upload), name: upload.name ?? previous.name, updated: now }
      const added = await this.write({ t: 'commit', seg, blocks: seg === null ? [] : segment.entries, upload: record })
      return { record, added }
    })
    await this.blocksArrived(added)
    await this.checkRoot(upload.cid)
    return { record, segment }
  }

  async deleteUpload (user: string, cid: string): Promise<boolean> {
    return await this.exclusive(async () => {
      if (this.uploads.get(user)?.has(cid) !== true) return false
      await this.write({ t: 'unupload', user, cid })
      return true
    })
  }

  async addPin (pin: Omit<PinRecord, 'requestid' | 'created'>, replaces?: string): Promise<PinRecord> {
    const record: PinRecord = { ...pin, requestid: randomUUID(), created: this.stamp() }
    await this.exclusive(async () => {
      await this.write(replaces === undefined ? { t: 'pin', pin: record } : { t: 'replace', old: replaces, pin: record })
    })
    await this.checkRoot(record.cid)
    return record
  }

  async removePin (requestid: string): Promise<void> {
    await this.exclusive(async () => { await this.write({ t: 'unpin', requestid }) })
  }

  /** A Pinata pin-by-CID request (replacing the record `replaces`, e.g. an expired job pinned again). */
  async addPinataPin (pin: Omit<PinataPinRecord, 'id' | 'created'>, replaces?: string): Promise<PinataPinRecord> {
    const record: PinataPinRecord = { ...dropUndefined(pin), id: randomUUID(), created: this.stamp() }
    await this.exclusive(async () => { await this.write({ t: 'pinata-pin', pin: record, ...(replaces !== undefined ? { replaces } : {}) }) })
    await this.checkRoot(record.cid)
    return record
  }

  /** Pinata unpin of `cid` for `user` in every face; `record` (its `unpinned` set) stays listed as unpinned. */
  async unpinEverywhere (user: string, cid: string, record: Omit<PinataPinRecord, 'unpinned'>): Promise<void> {
    await this.exclusive(async () => {
      await this.write({ t: 'pinata-unpin', user, cid, record: { ...dropUndefined(record), unpinned: this.stamp() } })
    })
  }

  /** When `cid` was found complete, if recorded. */
  completedTime (cid: string): string | undefined { return this.completedAt.get(cid) }

  /** A stored block of this DAG cannot be decoded: it can never complete. */
  isBroken (cid: string): boolean { return this.walks.get(cid)?.walk.broken !== undefined }

  /** Complete (every reachable block stored) roots and their DAG size. */
  isComplete (cid: string): boolean { return this.completeRoots.has(cid) }

  /** DAG size: all of it when complete, else the part reached so far. */
  dagSize (cid: string): number {
    return this.completeRoots.get(cid) ?? this.walks.get(cid)?.walk.dagSize ?? 0
  }

  /** Status of something created or last fed at `since` (ISO) whose root is `cid`. */
  statusOf (cid: string, since: string, now = Date.now()): ContentStatus {
    if (this.completeRoots.has(cid)) return 'pinned'
    if (this.walks.get(cid)?.walk.broken !== undefined) return 'failed'
    return now - Date.parse(since) > this.pendingTimeoutMs ? 'failed' : 'queued'
  }

  /** Why a root is not complete yet (for PSA `info` and error messages). */
  missingCount (cid: string): number {
    return this.walks.get(cid)?.walk.missing.size ?? 0
  }

  /** Every upload (any user) of `cid`. */
  uploadsOf (cid: string): UploadRecord[] {
    const out: UploadRecord[] = []
    for (const m of this.uploads.values()) {
      const r = m.get(cid)
      if (r !== undefined) out.push(r)
    }
    return out
  }

  pinsOf (cid: string): PinRecord[] {
    return [...this.pins.values()].filter(p => p.cid === cid)
  }

  /** Walks a root over stored blocks (resuming where it stopped) and records it when complete. */
  async checkRoot (cid: string): Promise<void> {
    if (this.completeRoots.has(cid)) return
    let entry = this.walks.get(cid)
    if (entry === undefined) {
      entry = { walk: new DagWalk(CID.parse(cid)), run: Promise.resolve() }
      this.walks.set(cid, entry)
    }
    const { walk } = entry
    // walks of one root run one at a time: a finished walk must not judge completeness while another is mid-way
    const run = entry.run.then(async () => {
      if (this.completeRoots.has(cid)) return
      await walk.advance(this.blocks)
      if (walk.complete) {
        this.walks.delete(cid)
        await this.exclusive(async () => { await this.write({ t: 'complete', cid, dagSize: walk.dagSize, at: new Date().toISOString() }) })
        this.options.onComplete?.(cid, walk.dagSize)
      } else {
        for (const key of walk.missing.keys()) {
          let roots = this.waiting.get(key)
          if (roots === undefined) { roots = new Set(); this.waiting.set(key, roots) }
          roots.add(cid)
        }
        // a block may have arrived while this walk ran, after that commit looked for waiting roots
        if ([...walk.missing.values()].some(c => this.blocks.has(c))) this.checkRoot(cid).catch(() => {})
      }
    })
    entry.run = run.catch(() => {})
    await run
  }

  private async blocksArrived (keys: string[]): Promise<void> {
    if (this.waiting.size === 0) return
    const roots = new Set<string>()
    for (const key of keys) {
      const waiting = this.waiting.get(key)
      if (waiting === undefined) continue
      this.waiting.delete(key)
      for (const r of waiting) roots.add(r)
    }
    for (const r of roots) await this.checkRoot(r)
  }

  /** Waits for in-flight journal writes, then closes files. */
  async close (): Promise<void> {
    await this.lock
    await this.journal?.close()
    this.journal = undefined
    await this.blocks.close()
  }
}

function dropUndefined<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
