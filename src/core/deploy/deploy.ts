/**
 * The deploy pipeline: pack (streaming, sharded) → upload shards as the packer finishes them, a bounded pool per
 * service → one CAR for services that take only whole CARs → pin-by-CID services → wait for pin states → verify
 * through a gateway → per-service results. Every request goes through the one retry policy; every CID a service
 * reports is checked against the local root.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { AbortedError, FileChangedError, InvalidCarError, PinshipError, TooLargeError, UnsupportedOperationError, WaitTimeoutError } from '../errors.js'
import { gatewayUrls } from '../gateway-urls.js'
import type { PackResult, ShardInfo } from '../pack/api.js'
import { pack } from '../pack/index.js'
import { emit } from '../progress.js'
import { DEFAULT_MAX_RETRY_TIME_MS, withRetry, type RetryInfo } from '../retry.js'
import type { PinState, ServiceStatus, ShardUpload, UploadReceipt } from '../services/api.js'
import type { DeployOptions, DeployResult, ServiceResult, VerifyResult } from './api.js'
import { joinShards, readCarRoot } from './car-files.js'
import { checkReportedCid } from './cid-check.js'
import { planDeploy, type DeployPlan, type Target } from './plan.js'
import { createPool, type Pool } from './pool.js'
import { DEFAULT_PREFLIGHT_TIMEOUT_MS, preflight } from './preflight.js'
import { verifyThroughGateway } from './verify.js'
import { waitForState } from './wait.js'

/** Upload progress events at most this often per shard (a 100 MB shard would otherwise emit ~1500). */
const PROGRESS_STEP_BYTES = 1024 * 1024

interface TargetState {
  target: Target
  /** Cancels this service's in-flight uploads once one of them failed for good. */
  abort: AbortController
  signal: AbortSignal
  error: PinshipError | null
  status: PinState | 'uploaded' | null
  last?: ServiceStatus
  requestId?: string
  jobs: Array<Promise<void>>
  /** Indexes (1-based) of the shards this service has accepted. */
  accepted: Set<number>
  bytesDone: number
  /** Blocks and bytes left out of the upload because the service holds them. */
  skippedBlocks: number
  skippedBytes: number
}

function errorJson (err: PinshipError | null): { code: string, message: string } | null {
  return err === null ? null : { code: err.code, message: err.message }
}

function asPinshipError (err: unknown): PinshipError {
  if (err instanceof PinshipError) return err
  return new PinshipError('ERR_UNEXPECTED', `unexpected failure: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
}

/**
 * The shards a service has not accepted yet, with their 1-based indexes: what the end of packing still has to send
 * when the packer reported some shards without `onShard` (or none at all).
 */
function shardsToSend (shards: PackResult['shards'], accepted: ReadonlySet<number>): ShardUpload[] {
  return shards.flatMap((info, i) => accepted.has(i + 1) || info.path === null
    ? []
    : [{ path: info.path, bytes: info.bytes, carCid: info.carCid, index: i + 1, count: shards.length }])
}

const DEADLINE_GRACE_MS = 1000

/** Abort reason when the --timeout deadline passes (told apart from the caller's own cancellation). */
class DeadlineReached extends Error {
  constructor (readonly ms: number) {
    super(`deadline of ${ms} ms reached`)
  }
}

class Deployment {
  private readonly states: TargetState[]
  private clockStart: number | undefined
  /** Bytes sent per upload (service + shard; a re-send starts its shard's count again), for the overall progress. */
  private readonly sent = new Map<string, number>()
  /** Everything the uploads will send, once known (from the packer's plan, or the packed result). */
  private uploadTotal: number | undefined
  /** Known once packing ends; shard events carry it from then on. */
  private shardCount = 0
  private lastBytesEmit = 0
  private readonly name: string
  /** Removes our listeners from the caller's signal once the deploy is over. */
  private readonly detach: Array<() => void> = []

  constructor (private readonly plan: DeployPlan, private readonly options: DeployOptions) {
    this.name = options.name ?? basename(resolve(plan.path))
    this.states = plan.targets.map(target => {
      // One controller per service, also fired by the caller's signal (AbortSignal.any needs Node ≥ 20.3).
      const abort = new AbortController()
      const outer = options.signal
      const onAbort = (): void => abort.abort(outer?.reason)
      if (outer?.aborted === true) onAbort()
      else outer?.addEventListener('abort', onAbort, { once: true })
      this.detach.push(() => outer?.removeEventListener('abort', onAbort))
      return { target, abort, signal: abort.signal, error: null, status: null, jobs: [], accepted: new Set(), bytesDone: 0, skippedBlocks: 0, skippedBytes: 0 }
    })
  }

  /**
   * The --timeout clock runs from the first request to a service: packing is local work. It bounds everything after
   * that, a request that stalls without a byte included: past the deadline each unfinished service is cancelled.
   */
  private startClock (): void {
    if (this.clockStart !== undefined) return
    this.clockStart = performance.now()
    const timer = setTimeout(() => {
      for (const s of this.states) {
        // a service already done ignores it; the others fail with a timeout instead of hanging
        if (s.error === null) s.abort.abort(new DeadlineReached(this.plan.timeoutMs))
      }
      // a moment after the deadline, so the wait loop's own timeout (which names the last state) wins when it can
    }, this.plan.timeoutMs + DEADLINE_GRACE_MS)
    timer.unref()
    this.detach.push(() => clearTimeout(timer))
  }

  private get deadline (): number {
    return (this.clockStart ?? performance.now()) + this.plan.timeoutMs
  }

  private retryOptions (s: TargetState, operation: string): Parameters<typeof withRetry>[1] {
    const budget = Math.max(0, this.deadline - performance.now())
    return {
      ...this.plan.retry,
      maxRetryTimeMs: Math.min(this.plan.retry.maxRetryTimeMs ?? DEFAULT_MAX_RETRY_TIME_MS, budget),
      signal: s.signal,
      onRetry: (info: RetryInfo) => this.onRetry(s.target.service.slug, operation, info)
    }
  }

  private onRetry (service: string, operation: string, info: RetryInfo): void {
    emit(this.options, 'pinship:deploy:retry', {
      service,
      operation,
      attempt: info.attempt,
      retriesLeft: info.retriesLeft,
      ...(info.retryAfterMs !== undefined ? { retryAfterMs: info.retryAfterMs } : {}),
      error: { code: info.error.code, message: info.error.message }
    })
  }

  private progress (key: string, sent: number, force: boolean): void {
    this.sent.set(key, sent)
    if (this.uploadTotal === undefined) return
    let total = 0
    for (const n of this.sent.values()) total += n
    if (!force && total - this.lastBytesEmit < PROGRESS_STEP_BYTES) return
    this.lastBytesEmit = total
    emit(this.options, 'pinship:deploy:bytes', { bytes: total, totalBytes: this.uploadTotal })
  }

  /** The one total for the upload phase: every shard once per shard-taking service, the whole CAR once per other. */
  private planUploads (shardedBytes: number, wholeBytes: number): void {
    const live = this.states.filter(s => s.error === null && s.target.service.uploads)
    const sharded = live.filter(s => s.target.service.acceptsShards).length
    this.uploadTotal = sharded * shardedBytes + (live.length - sharded) * wholeBytes
  }

  private fail (s: TargetState, err: unknown): void {
    if (s.error !== null) return
    const reason: unknown = s.signal.reason
    const e = reason instanceof DeadlineReached
      ? new WaitTimeoutError(`${s.target.service.slug} did not finish within the timeout of ${reason.ms / 1000} s (a request made no progress); raise --timeout, or check the service`, { cause: err })
      : asPinshipError(err)
    // Our own abort after a first failure surfaces as AbortedError on sibling uploads: keep the real cause.
    s.error = e
    s.abort.abort()
    emit(this.options, 'pinship:deploy:service-done', { service: s.target.service.slug, status: s.status, error: errorJson(e) })
  }

  private async uploadOne (s: TargetState, root: string, shard: ShardUpload): Promise<void> {
    const service = s.target.service
    const uploadCar = service.uploadCar?.bind(service)
    if (uploadCar === undefined) return
    const key = `${service.slug}#${shard.index}`
    const receipt: UploadReceipt = await withRetry(async attempt => {
      emit(this.options, 'pinship:deploy:shard-start', { service: service.slug, shard: shard.index, shards: shard.count || this.shardCount, bytes: shard.bytes, attempt })
      this.progress(key, 0, false)
      let lastEmit = 0
      const r = await uploadCar(root, shard, {
        signal: s.signal,
        name: this.name,
        onBytes: (sent: number) => {
          this.progress(key, sent, sent === shard.bytes)
          if (sent - lastEmit < PROGRESS_STEP_BYTES && sent !== shard.bytes) return
          lastEmit = sent
          emit(this.options, 'pinship:deploy:shard-bytes', { service: service.slug, shard: shard.index, sent, bytes: shard.bytes })
        }
      })
      // A mismatch is not retryable: the service built or stored something else.
      checkReportedCid(service.slug, r.cid, root, shard.count === 1 ? 'upload' : `shard ${shard.index}`)
      return r
    }, this.retryOptions(s, `upload shard ${shard.index}`))
    if (receipt.requestId !== undefined) s.requestId = receipt.requestId
    this.progress(key, shard.bytes, true)
    if (s.accepted.has(shard.index)) return
    s.accepted.add(shard.index)
    s.bytesDone += shard.bytes
    emit(this.options, 'pinship:deploy:shard-done', { service: service.slug, shard: shard.index, shards: shard.count || this.shardCount, bytes: shard.bytes, cid: receipt.cid })
  }

  private schedule (s: TargetState, pool: Pool, root: string, shard: ShardUpload): void {
    if (s.error !== null) return
    this.startClock()
    s.jobs.push(pool.run(async () => {
      if (s.error !== null) return
      await this.uploadOne(s, root, shard)
    }).catch(err => this.fail(s, err)))
  }

  async run (): Promise<DeployResult> {
    const plan = this.plan
    const shardStates = this.states.filter(s => s.target.service.uploads && s.target.service.acceptsShards)
    const wholeStates = this.states.filter(s => s.target.service.uploads && !s.target.service.acceptsShards)
    const pinStates = this.states.filter(s => !s.target.service.uploads)
    const sharded = shardStates.length > 0
    const pools = new Map(shardStates.map(s => [s, createPool(plan.concurrency)]))
    emit(this.options, 'pinship:deploy:plan', {
      services: this.states.map(s => ({ service: s.target.service.slug, endpoint: s.target.service.endpoint, uploads: s.target.service.uploads, acceptsShards: s.target.service.acceptsShards })),
      shardSize: sharded ? plan.shardSize ?? null : null,
      wait: plan.wait,
      timeoutMs: plan.timeoutMs
    })

    const tmp = await mkdtemp(join(tmpdir(), 'pinship-deploy-'))
    try {
      await this.preflight()
      let headerRoot: string | undefined
      const onShard = sharded
        ? async (info: ShardInfo & { index: number }) => {
          if (info.path === null) throw new InvalidCarError('the packer wrote no shard file; cannot upload')
          const root = await readCarRoot(info.path)
          if (headerRoot !== undefined && root !== headerRoot) {
            throw new InvalidCarError(`shard ${info.index + 1} carries root ${root} but earlier shards carry ${headerRoot}`)
          }
          headerRoot = root
          // The shard count is known only when packing ends: 0 until then.
          const shard: ShardUpload = { path: info.path, bytes: info.bytes, carCid: info.carCid, index: info.index + 1, count: 0 }
          for (const s of shardStates) this.schedule(s, pools.get(s) as Pool, root, shard)
        }
        : undefined
      const wholePath = this.options.carPath ?? join(tmp, 'root.car')
      // Only missing blocks are sent when every uploader can say what it holds and no service needs the whole CAR
      // (a kept CAR, `carPath`, is then packed whole once more after the uploads).
      const incremental = sharded && wholeStates.length === 0 &&
        shardStates.every(s => s.target.service.checkBlocks !== undefined)
      const skipHeld = incremental ? async (cids: string[]) => await this.heldByAll(shardStates, cids) : undefined
      let wholeDagHeld = false
      const holdsRoot = incremental
        ? async (root: string) => { wholeDagHeld = await this.rootHeldByAll(shardStates, root); return wholeDagHeld }
        : undefined
      let packed: PackResult
      try {
        packed = await pack(plan.path, {
          ...(this.options.profile !== undefined ? { profile: this.options.profile } : {}),
          ...(this.options.hidden !== undefined ? { hidden: this.options.hidden } : {}),
          ...(this.options.ignore !== undefined ? { ignore: this.options.ignore } : {}),
          allowEmpty: this.options.allowEmpty ?? false,
          ...(this.options.cacheDir !== undefined ? { cacheDir: this.options.cacheDir } : {}),
          output: sharded ? join(tmp, 'shards') : wholePath,
          ...(sharded ? { shardSize: plan.shardSize } : {}),
          ...(onShard !== undefined ? { onShard } : {}),
          // with shards, packing makes two passes and knows the exact CAR bytes (only the missing blocks' when
          // incremental) before the first upload
          onPlan: plan => this.planUploads(plan.carBytes, plan.wholeCarBytes),
          ...(skipHeld !== undefined ? { skipHeld } : {}),
          ...(holdsRoot !== undefined ? { holdsRoot } : {}),
          ...(this.options.onProgress !== undefined ? { onProgress: this.options.onProgress } : {}),
          ...(this.options.signal !== undefined ? { signal: this.options.signal } : {})
        })
      } catch (err) {
        for (const s of this.states) s.abort.abort()
        await Promise.allSettled(this.states.flatMap(s => s.jobs))
        throw err
      }
      const root = packed.cid
      this.shardCount = packed.shards.length
      if (this.uploadTotal === undefined) this.planUploads(packed.carBytes, packed.carBytes)
      for (const s of shardStates) {
        s.skippedBlocks = packed.skippedBlocks ?? 0
        s.skippedBytes = packed.skippedBytes ?? 0
        // asked about the root alone: the answer covers every block of the DAG
        if (wholeDagHeld) emit(this.options, 'pinship:deploy:check', { service: s.target.service.slug, blocks: s.skippedBlocks, held: s.skippedBlocks, error: null })
      }
      if (headerRoot !== undefined && headerRoot !== root) {
        throw new InvalidCarError(`the shards carry root ${headerRoot} but packing ended with root ${root}; not uploading an inconsistent DAG`)
      }

      // Shards the packer reported without onShard (or all at once at the end) still get uploaded here; the ones a
      // service already accepted are not sent again.
      if (sharded) {
        const count = packed.shards.length
        await Promise.allSettled(this.states.flatMap(s => s.jobs))
        for (const s of shardStates) {
          const missing = s.error === null ? shardsToSend(packed.shards, s.accepted) : []
          if (missing.length > 0) {
            s.jobs = []
            for (const shard of missing) this.schedule(s, pools.get(s) as Pool, root, shard)
            await Promise.allSettled(s.jobs)
          }
          if (s.error === null) this.uploaded(s, root, count)
        }
      }

      if (sharded && (wholeStates.length > 0 || this.options.carPath !== undefined)) {
        if (incremental) await this.packWhole(root, wholePath)
        else await joinShards(packed.shards.map(sh => sh.path).filter((p): p is string => p !== null), wholePath)
      }
      await Promise.all(wholeStates.filter(s => s.error === null).map(async s => await this.uploadWhole(s, root, wholePath, packed)))
      await Promise.all(pinStates.filter(s => s.error === null).map(async s => await this.pinByCid(s, root)))
      await Promise.all(this.states.filter(s => s.error === null).map(async s => await this.waitFor(s, root)))

      let verify: VerifyResult | undefined
      if (plan.verify && this.states.some(s => s.error === null)) {
        this.startClock()
        const gateway = plan.gateways[0]
        verify = await verifyThroughGateway(gateway, root, {
          ...(this.options.signal !== undefined ? { signal: this.options.signal } : {}),
          retry: { ...plan.retry, maxRetryTimeMs: Math.min(plan.retry.maxRetryTimeMs ?? DEFAULT_MAX_RETRY_TIME_MS, Math.max(0, this.deadline - performance.now())) },
          ...(this.options.requestTimeoutMs !== undefined ? { timeoutMs: this.options.requestTimeoutMs } : {}),
          onRetry: info => this.onRetry('gateway', 'verify', info)
        })
        emit(this.options, 'pinship:deploy:verify', { gateway, cid: root, ok: verify.ok, blocks: verify.blocks, bytes: verify.bytes, error: verify.error })
      }

      if (this.options.signal?.aborted === true) throw new AbortedError('deploy cancelled', { cause: this.options.signal.reason })
      const results: ServiceResult[] = this.states.map(s => {
        const r: ServiceResult = {
          service: s.target.service.slug,
          endpoint: s.target.service.endpoint,
          status: s.status,
          deals: s.last?.deals ?? [],
          error: errorJson(s.error),
          uploadedBytes: s.bytesDone,
          skippedBytes: s.skippedBytes
        }
        if (s.requestId !== undefined) r.requestId = s.requestId
        if (s.last?.rawStatus !== undefined) r.rawStatus = s.last.rawStatus
        return r
      })
      const good = results.filter(r => r.error === null).length
      const required = plan.require === 'all' ? good === results.length : good > 0
      const result: DeployResult = {
        cid: root,
        pack: packed,
        results,
        // Links only for what some service stored: a failed deploy must not print URLs that 404.
        urls: good > 0 ? gatewayUrls(root, plan.gateways) : [],
        ok: required && (verify === undefined || verify.ok)
      }
      if (verify !== undefined) result.verify = verify
      emit(this.options, 'pinship:deploy:done', result)
      return result
    } finally {
      for (const s of this.states) s.abort.abort()
      for (const d of this.detach) d()
      await rm(tmp, { recursive: true, force: true })
    }
  }

  /**
   * Look at every endpoint once before packing. A service that is not there fails now, in seconds, instead of
   * after packing and a round of retries; when none is there the deploy throws before packing anything.
   */
  private async preflight (): Promise<void> {
    await Promise.all(this.states.map(async s => {
      try {
        await preflight(s.target.config, {
          timeoutMs: this.options.preflightTimeoutMs ?? Math.min(DEFAULT_PREFLIGHT_TIMEOUT_MS, this.options.requestTimeoutMs ?? Number.POSITIVE_INFINITY),
          signal: s.signal
        })
      } catch (err) {
        this.fail(s, err)
      }
    }))
    if (this.options.signal?.aborted === true) throw new AbortedError('deploy cancelled', { cause: this.options.signal.reason })
    const errors = this.states.map(s => s.error)
    if (errors.every(e => e !== null)) {
      const all = errors as PinshipError[]
      throw all.length === 1 ? all[0] : new PinshipError(all[0].code, all.map(e => e.message).join('; '), { cause: all[0] })
    }
  }

  /**
   * The whole CAR for `carPath` when the shards held only missing blocks: one more pass over the folder (its root
   * from the pack cache when that is warm). A folder that changed since is an error, not a CAR of something else.
   */
  private async packWhole (root: string, path: string): Promise<void> {
    const whole = await pack(this.plan.path, {
      ...(this.options.profile !== undefined ? { profile: this.options.profile } : {}),
      ...(this.options.hidden !== undefined ? { hidden: this.options.hidden } : {}),
      ...(this.options.ignore !== undefined ? { ignore: this.options.ignore } : {}),
      allowEmpty: this.options.allowEmpty ?? false,
      ...(this.options.cacheDir !== undefined ? { cacheDir: this.options.cacheDir } : {}),
      output: path,
      ...(this.options.signal !== undefined ? { signal: this.options.signal } : {})
    })
    if (whole.cid !== root) {
      throw new FileChangedError(`${this.plan.path} changed during the deploy: the uploads carry root ${root}, the kept CAR would carry ${whole.cid}. Deploy again once nothing is writing to the folder.`)
    }
  }

  private uploaded (s: TargetState, root: string, shards: number): void {
    s.status = 'uploaded'
    emit(this.options, 'pinship:deploy:uploaded', { service: s.target.service.slug, cid: root, shards, bytes: s.bytesDone, skippedBlocks: s.skippedBlocks, skippedBytes: s.skippedBytes })
  }

  /**
   * The blocks every one of these services already holds (asked in batches, through the retry policy): the shards
   * they share can leave out only those. A service that cannot be asked (down, refusing the token) has failed: its
   * uploads would fail the same way, and retrying them would spend the time bound twice. When every block is held,
   * the one shard is a header-only CAR naming the root: the service records the upload (the name and time of this
   * deploy; a sub-folder of an earlier deploy becomes an upload of its own) and receives no block.
   */
  private async heldByAll (states: TargetState[], cids: string[]): Promise<ReadonlySet<string>> {
    this.startClock()
    let common: Set<string> | undefined
    for (const s of states) {
      const service = s.target.service
      const check = service.checkBlocks?.bind(service)
      const held = new Set<string>()
      let error: PinshipError | null = null
      if (check !== undefined) {
        const batch = Math.max(1, service.maxCheckCids ?? cids.length)
        try {
          for (let i = 0; i < cids.length; i += batch) {
            const part = cids.slice(i, i + batch)
            const have = await withRetry(async () => await check(part, { signal: s.signal }), this.retryOptions(s, 'check blocks'))
            for (const c of have) held.add(c)
          }
        } catch (err) {
          error = asPinshipError(err)
          held.clear()
        }
      }
      emit(this.options, 'pinship:deploy:check', { service: service.slug, blocks: cids.length, held: held.size, error: errorJson(error) })
      if (error !== null) {
        this.fail(s, error)
        continue
      }
      common = common === undefined ? held : new Set([...common].filter(c => held.has(c)))
    }
    return common ?? new Set()
  }

  /**
   * Whether every one of these services already holds the whole DAG of `root` for this caller: the root block is
   * among the caller's held blocks (reachable from one of their own roots) and the service reports the root pinned,
   * i.e. complete. Then every block below it is held as well, and the pack need not list them. Any doubt (an error,
   * another state) is false: the pack then asks about every block, as usual.
   */
  private async rootHeldByAll (states: TargetState[], root: string): Promise<boolean> {
    this.startClock()
    for (const s of states) {
      const service = s.target.service
      try {
        const have = await service.checkBlocks?.([root], { signal: s.signal }) ?? []
        if (!have.includes(root)) return false
        if ((await service.status(root, { signal: s.signal })).pin !== 'pinned') return false
      } catch {
        return false
      }
    }
    return states.length > 0
  }

  private async uploadWhole (s: TargetState, root: string, path: string, packed: PackResult): Promise<void> {
    // Joined from shards, the one CAR has one header instead of one per shard: its size is the file's, not carBytes.
    const bytes = (await stat(path)).size
    const service = s.target.service
    if (bytes > service.maxRequestBytes) {
      this.fail(s, new TooLargeError(`${service.slug} takes at most ${service.maxRequestBytes} bytes in one CAR and this one is ${bytes}; it does not accept shards. Deploy a smaller folder or use a service that takes shards (local, web3storage, nftstorage).`))
      return
    }
    this.startClock()
    try {
      // Each shard's own CAR CID does not describe the joined CAR; the adapters that take whole CARs do not use it.
      const carCid = packed.shards.length === 1 ? packed.shards[0].carCid : root
      await this.uploadOne(s, root, { path, bytes, carCid, index: 1, count: 1 })
      this.uploaded(s, root, 1)
    } catch (err) {
      this.fail(s, err)
    }
  }

  private async pinByCid (s: TargetState, root: string): Promise<void> {
    const service = s.target.service
    const pin = service.pin?.bind(service)
    if (pin === undefined) {
      this.fail(s, new UnsupportedOperationError(`${service.slug} can neither take uploads nor pin by CID`))
      return
    }
    this.startClock()
    try {
      const receipt = await withRetry(async () => {
        const r = await pin(root, { signal: s.signal, name: this.name })
        checkReportedCid(service.slug, r.cid, root, 'pin request')
        return r
      }, this.retryOptions(s, 'pin'))
      if (receipt.requestId !== undefined) s.requestId = receipt.requestId
      s.status = 'uploaded'
      emit(this.options, 'pinship:deploy:pin-request', { service: service.slug, cid: root, ...(receipt.requestId !== undefined ? { requestId: receipt.requestId } : {}) })
    } catch (err) {
      this.fail(s, err)
    }
  }

  private async waitFor (s: TargetState, root: string): Promise<void> {
    const service = s.target.service
    if (this.plan.wait === 'none') {
      emit(this.options, 'pinship:deploy:service-done', { service: service.slug, status: s.status, error: null })
      return
    }
    try {
      const final = await waitForState(service, root, {
        wait: this.plan.wait,
        deadline: this.deadline,
        poll: this.plan.poll,
        signal: s.signal,
        ...(s.requestId !== undefined ? { requestId: s.requestId } : {}),
        onState: st => {
          s.last = st
          emit(this.options, 'pinship:deploy:state', {
            service: service.slug, cid: root, pin: st.pin, deals: st.deals, ...(st.rawStatus !== undefined ? { rawStatus: st.rawStatus } : {})
          })
        },
        onRetry: info => this.onRetry(service.slug, 'status', info)
      })
      s.last = final
      s.status = this.plan.wait === 'uploaded' ? 'uploaded' : final.pin
      emit(this.options, 'pinship:deploy:service-done', { service: service.slug, status: s.status, error: null })
    } catch (err) {
      // What we last saw is the honest status (e.g. failed while the service retries).
      if (s.last !== undefined) s.status = s.last.pin
      this.fail(s, err)
    }
  }
}

/**
 * Deploy a folder (or file) to one or more services. Bad options throw before anything is packed; per-service
 * failures (auth, quota, CID mismatch, timeouts) end up in `results[i].error` and `ok`.
 */
export async function deploy (path: string, options: DeployOptions): Promise<DeployResult> {
  const plan = await planDeploy(path, options)
  return await new Deployment(plan, options).run()
}
