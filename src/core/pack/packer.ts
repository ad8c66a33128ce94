import { mkdir, rmdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { CID } from 'multiformats/cid'
import { AbortedError, EmptyInputError, FileChangedError, InvalidArgumentError, InvalidShardSizeError } from '../errors.js'
import { emit } from '../progress.js'
import type { PackOptions, PackPhase, PackProgressEvent, PackResult, ShardInfo } from './api.js'
import type { DagLink } from './block.js'
import { encodeCarHeader, placeholderRoot } from './car-header.js'
import { PackCache, type DagMemo } from './cache.js'
import { CarSink, clearOldOutput, sectionLength, ShardPlanner, type CarTarget } from './car-sink.js'
import { ChunkReader } from './chunk-reader.js'
import { writeDirectory, type DirectoryChild } from './directory.js'
import { FileDagBuilder, type BlockOut } from './file-dag.js'
import { outputError } from './errors.js'
import { resolvePackOptions, type ResolvedPackOptions } from './options.js'
import { rootCidLength, type CidProfile } from './profiles.js'
import { filesInOrder, shapeRoot, treeStats, type TreeStats } from './root-shape.js'
import { encodeFileLeaf } from './unixfs-nodes.js'
import { walk, type WalkEntry, type WalkFile } from './walk.js'

/** Least time between two `pinship:pack:bytes` events. */
export const PROGRESS_INTERVAL_MS = 100

type BytesDetail = Extract<PackProgressEvent, { type: 'pinship:pack:bytes' }>['detail']

/**
 * Packs a file or folder into a UnixFS DAG inside one CARv1 or several CARv1 shards, streaming: no whole file and no
 * whole CAR is ever held in memory.
 *
 * Passes: when the CAR is written and nobody needs shards before the end, one pass writes every shard with a
 * placeholder root, then patches the headers and hashes each shard for its CAR CID. When `onShard` is given, or when
 * nothing is written, a first pass computes the root and a second pass writes (or hashes) shards with their final
 * header, so each shard is complete — `onShard` fires — while later ones are still being written.
 */
export async function pack (path: string, options: PackOptions = {}): Promise<PackResult> {
  const opts = resolvePackOptions(path, options)
  const { target, created } = await prepareTarget(path, opts)
  try {
    return await packInto(path, opts, target)
  } catch (err) {
    // a failed pack leaves no output folder it made (the sink already removed its files)
    if (created !== undefined) await removeEmptyFolders(target.kind === 'dir' ? target.path : dirname((target as { path: string }).path), created)
    throw err
  }
}

/** rmdir from `from` up to `upTo` (inclusive) while the folders are empty. */
async function removeEmptyFolders (from: string, upTo: string): Promise<void> {
  let dir = resolve(from)
  const stop = resolve(upTo)
  for (;;) {
    try { await rmdir(dir) } catch { return }
    if (dir === stop || dirname(dir) === dir) return
    dir = dirname(dir)
  }
}

async function packInto (path: string, opts: ResolvedPackOptions, target: CarTarget): Promise<PackResult> {
  const exclude = target.kind === 'none' ? [] : [target.path]
  const onePass = target.kind === 'none' && opts.carCids === false
  const twoPass = !onePass && (target.kind === 'none' || opts.onShard !== undefined)
  // A single pass that writes a CAR reads and hashes every file anyway, and recording what it hashed cost it ~25%
  // more time and ~40 MB (measured on the 400 MB corpus): such a pack neither consults nor fills the cache. CID-only
  // packs, deploys (their root pass) and the provider's plans are where the cache pays.
  const consult = opts.cacheDir !== undefined && (onePass || twoPass)
  const tree = await walk(path, { hidden: opts.hidden, ignore: opts.ignore, exclude, signal: opts.signal, stats: consult })
  const root = shapeRoot(tree, opts.profile, opts.wrap)
  const stats = treeStats(root)
  if (stats.files === 0 && !opts.allowEmpty) {
    throw new EmptyInputError(`${path} holds no files to pack${opts.hidden ? '' : ' (hidden files were left out)'}. ` +
      'Check the path (and any --exclude patterns), or pass --allow-empty to pack an empty folder anyway.')
  }
  if (opts.shardSize !== undefined) checkShardSize(opts.shardSize, opts.profile, stats)
  emit(opts, 'pinship:pack:start', { path, files: stats.files, bytes: stats.bytes })

  const files = filesInOrder(root)
  const passes = twoPass ? 2 : 1
  const rootByteLength = rootCidLength(opts.profile)

  // What the cache knows is used where block bytes are not needed: the root pass, and a pack that writes nothing.
  const cache = opts.cacheDir === undefined
    ? undefined
    : PackCache.open(opts.cacheDir, path, opts.profile, { warn: message => emit(opts, 'pinship:pack:warning', { message }) })
  if (consult) cache?.statAll(files)
  // This very tree packed before (every file's stat as an entry recorded it): its whole result, or the root of its
  // DAG, may be known; then no file's leaves are needed, and no file is read.
  const treeKey = cache !== undefined && consult && !onePass ? cache.treeKey(treeShape(root, opts), files) : undefined
  const memo = treeKey === undefined || target.kind !== 'none' ? undefined : asPackResult(cache?.result(treeKey), opts)
  const holdsRoot = opts.holdsRoot
  const heldDag = memo === undefined && twoPass && treeKey !== undefined && holdsRoot !== undefined ? cache?.dag(treeKey) : undefined
  const wholeDagHeld = heldDag !== undefined && holdsRoot !== undefined && await holdsRoot(heldDag.cid)
  // the files' leaves are needed only when some pass runs
  let known: Array<DagLink[] | undefined> | undefined
  if (cache !== undefined && consult) {
    if (memo !== undefined || wholeDagHeld) keepAll(cache, files, opts)
    else known = await lookUp(cache, files, opts)
  }
  if (memo !== undefined) {
    cache?.save()
    emit(opts, 'pinship:pack:done', memo)
    return memo
  }
  const progress = new Progress(opts, stats, passes)

  let knownRoot: CID | undefined
  const displayPath = (file: WalkFile): string => tree.kind === 'file' ? path : join(path, file.relPath)
  const run = async (out: BlockOut, replay?: Replay): Promise<DagLink> => await encode(root, files, opts, progress, displayPath, out, cache, replay)
  if (onePass) {
    const result = await sizesOnly(run, known, opts, stats, progress)
    cache?.save()
    return result
  }
  let held: ReadonlySet<string> | undefined
  let dagMemo: DagMemo | undefined
  if (wholeDagHeld) {
    // the destination holds the whole DAG of the root this tree gave before: nothing to read, list or send
    knownRoot = CID.parse(heldDag.cid)
    const header = encodeCarHeader(knownRoot).byteLength
    opts.onPlan?.({ cid: heldDag.cid, shards: 1, carBytes: header, wholeCarBytes: header })
  } else if (twoPass) {
    progress.startPass(1, 'root CID')
    // the upload's plan (total bytes, shards) comes from this pass; with skipHeld it also lists every block (a
    // replayed file's leaves included) for the question
    const planner = new ShardPlanner(encodeCarHeader(placeholderRoot(rootByteLength)).byteLength, opts.shardSize)
    const all = opts.skipHeld === undefined ? undefined : new Set<string>()
    let allBytes = 0
    // with skipHeld the plan can only count what will be sent once the service has answered
    const recorded: Array<{ cid: CID, length: number }> | undefined = all === undefined ? undefined : []
    const note = (cid: CID, length: number): void => {
      if (recorded !== undefined) recorded.push({ cid, length })
      else planner.add(cid, length)
      if (all === undefined) return
      const key = cid.toString()
      if (!all.has(key)) {
        all.add(key)
        allBytes += length
      }
    }
    const list: BlockOut = block => {
      note(block.cid, block.bytes.byteLength)
      return nullOut(block)
    }
    knownRoot = (await run(list, known === undefined ? undefined : { leaves: known, onLeaf: link => { note(link.cid, link.size) } })).cid
    // the first pass is done: renderers see it end, whatever the throttle
    progress.flush()
    if (all !== undefined && recorded !== undefined && opts.skipHeld !== undefined) {
      dagMemo = { cid: knownRoot.toString(), blocks: all.size, blockBytes: allBytes }
      held = await opts.skipHeld([...all])
      for (const b of recorded) if (!held.has(b.cid.toString())) planner.add(b.cid, b.length)
    }
    opts.onPlan?.({ cid: knownRoot.toString(), ...planner.plan() })
  }
  if (!wholeDagHeld) progress.startPass(passes, 'CAR')

  const onShard = async (shard: ShardInfo & { index: number }): Promise<void> => {
    emit(opts, 'pinship:pack:shard', shard)
    await opts.onShard?.(shard)
  }
  const cleared = await clearOldOutput(target)
  const sink = new CarSink({ target, root: knownRoot, rootByteLength, shardSize: opts.shardSize, onShard: knownRoot === undefined ? undefined : onShard })
  const skipped = { blocks: 0, bytes: 0, seen: new Set<string>() }
  const skip = (cid: CID, length: number): boolean => {
    const key = cid.toString()
    if (held?.has(key) !== true) return false
    if (!skipped.seen.has(key)) {
      skipped.seen.add(key)
      skipped.blocks++
      skipped.bytes += length
    }
    return true
  }
  const put: BlockOut = held === undefined
    ? block => sink.put(block)
    : block => {
      if (!skip(block.cid, block.bytes.byteLength)) return sink.put(block)
      block.release?.()
      return undefined
    }
  // a file the cache vouches for whose every leaf is held need not be read: only the nodes above its leaves are written
  const replay: Replay | undefined = held === undefined || known === undefined
    ? undefined
    : { leaves: known.map(leaves => leaves?.every(l => held?.has(l.cid.toString()) === true) === true ? leaves : undefined), onLeaf: link => { skip(link.cid, link.size) } }
  let shards: Array<ShardInfo & { index: number }>
  let rootLink: DagLink
  try {
    rootLink = wholeDagHeld ? { cid: knownRoot as CID, size: 0, contentSize: 0 } : await run(put, replay)
    if (knownRoot !== undefined && knownRoot.toString() !== rootLink.cid.toString()) {
      const cached = known !== undefined && known.some(k => k !== undefined)
      throw new FileChangedError(`${path} changed while it was being packed (the second read gave root ${rootLink.cid.toString()}, ` +
        `the first ${knownRoot.toString()}${cached ? ', partly from the pack cache' : ''}). Pack again once nothing is writing to the folder` +
        `${cached ? ' (if nothing was, the pack cache is stale: pack once with --no-cache and report it)' : ''}.`)
    }
    shards = await sink.finish(rootLink.cid)
  } catch (err) {
    await sink.abort()
    throw err
  } finally {
    await cleared
  }
  if (knownRoot === undefined) for (const shard of shards) emit(opts, 'pinship:pack:shard', shard)
  if (!wholeDagHeld) progress.flush()

  const result: PackResult = {
    cid: rootLink.cid.toString(),
    profile: opts.profile.name,
    files: stats.files,
    bytes: stats.bytes,
    carBytes: shards.reduce((sum, s) => sum + s.bytes, 0),
    blocks: sink.blocks,
    shards: shards.map(({ path, carCid, bytes, blocks }) => ({ path, carCid, bytes, blocks })),
    ...(held !== undefined ? { skippedBlocks: skipped.blocks, skippedBytes: skipped.bytes } : {}),
    ...(wholeDagHeld ? { skippedBlocks: heldDag.blocks, skippedBytes: heldDag.blockBytes } : {})
  }
  if (cache !== undefined && consult) {
    // entries recorded by this pack count now: the next pack of the same tree finds what this one learnt
    const key = treeKey ?? cache.treeKey(treeShape(root, opts), files)
    if (key !== undefined && target.kind === 'none') cache.setResult(key, result)
    if (key !== undefined && dagMemo !== undefined) cache.setDag(key, dagMemo)
    cache.save()
  }
  emit(opts, 'pinship:pack:done', result)
  return result
}

/** The tree is known whole: every matched entry is kept as it is, none is needed; reports the counts. */
function keepAll (cache: PackCache, files: readonly WalkFile[], opts: ResolvedPackOptions): void {
  cache.keepMatched()
  emit(opts, 'pinship:pack:cache', { dir: opts.cacheDir as string, hits: files.length, misses: 0, hitBytes: files.reduce((n, f) => n + f.size, 0) })
}

/** Leaves the cache trusts per file (undefined: read it); reports the counts. */
async function lookUp (cache: PackCache, files: readonly WalkFile[], opts: ResolvedPackOptions): Promise<Array<DagLink[] | undefined>> {
  const known: Array<DagLink[] | undefined> = []
  let hitBytes = 0
  for (const [i, f] of files.entries()) {
    const leaves = await cache.lookup(i, f)
    known.push(leaves)
    if (leaves !== undefined) hitBytes += f.size
  }
  const hits = known.filter(k => k !== undefined).length
  emit(opts, 'pinship:pack:cache', { dir: opts.cacheDir as string, hits, misses: files.length - hits, hitBytes })
  return known
}

/** Everything besides the files' content that decides a pack's result: profile, options, every name in the tree. */
function treeShape (root: WalkEntry, opts: ResolvedPackOptions): string {
  const parts: string[] = [opts.profile.name, String(opts.wrap), String(opts.shardSize ?? ''), String(opts.carCids ?? true)]
  const visit = (e: WalkEntry): void => {
    if (e.kind === 'file') {
      parts.push(`f${e.name}`)
      return
    }
    parts.push(`d${e.name}`)
    for (const c of e.children) visit(c)
    parts.push('u')
  }
  visit(root)
  return JSON.stringify(parts)
}

/** A remembered whole-pack result, if it has the shape one has (a foreign one is ignored). */
function asPackResult (value: unknown, opts: ResolvedPackOptions): PackResult | undefined {
  const r = value as PackResult | undefined
  if (r === undefined || r === null || typeof r !== 'object' || typeof r.cid !== 'string' || r.profile !== opts.profile.name) return undefined
  if (![r.files, r.bytes, r.carBytes, r.blocks].every(n => Number.isSafeInteger(n)) || !Array.isArray(r.shards)) return undefined
  if (!r.shards.every(s => s !== null && typeof s === 'object' && s.path === null && typeof s.carCid === 'string' && Number.isSafeInteger(s.bytes) && Number.isSafeInteger(s.blocks))) return undefined
  return { cid: r.cid, profile: r.profile, files: r.files, bytes: r.bytes, carBytes: r.carBytes, blocks: r.blocks, shards: r.shards.map(s => ({ path: null, carCid: s.carCid, bytes: s.bytes, blocks: s.blocks })) }
}

/** One pass, nothing written, no CAR CIDs: the root and what the CAR would weigh (each distinct block once). */
async function sizesOnly (
  run: (out: BlockOut, replay?: Replay) => Promise<DagLink>, known: Array<DagLink[] | undefined> | undefined,
  opts: ResolvedPackOptions, stats: TreeStats, progress: Progress
): Promise<PackResult> {
  const seen = new Set<string>()
  let sections = 0
  const add = (cid: CID, length: number): void => {
    const key = Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1')
    if (!seen.has(key)) {
      seen.add(key)
      sections += sectionLength(cid, length)
    }
  }
  const count: BlockOut = block => {
    add(block.cid, block.bytes.byteLength)
    block.release?.()
    return undefined
  }
  // a cached leaf's `size` is its block's length (raw: the chunk; dag-pb: the encoded node)
  const rootLink = await run(count, known === undefined ? undefined : { leaves: known, onLeaf: link => add(link.cid, link.size) })
  progress.flush()
  const result: PackResult = {
    cid: rootLink.cid.toString(),
    profile: opts.profile.name,
    files: stats.files,
    bytes: stats.bytes,
    carBytes: encodeCarHeader(rootLink.cid).byteLength + sections,
    blocks: seen.size,
    shards: []
  }
  emit(opts, 'pinship:pack:done', result)
  return result
}

const nullOut: BlockOut = block => {
  block.release?.()
  return undefined
}

/**
 * Where the CAR goes; refuses an output that is the wrong kind of thing before any work is done. `created` is the
 * first folder made for it, if any, so a failure can take it away again.
 */
async function prepareTarget (input: string, opts: ResolvedPackOptions): Promise<{ target: CarTarget, created?: string }> {
  if (opts.output === undefined) return { target: { kind: 'none' } }
  const path = resolve(opts.output)
  if (path === resolve(input)) {
    throw new InvalidArgumentError(`Output ${opts.output} is the path being packed. Write the CAR somewhere else.`)
  }
  const existing = await stat(path).catch(() => null)
  if (opts.shardSize === undefined) {
    if (existing?.isDirectory() === true) {
      throw new InvalidArgumentError(`Output ${opts.output} is a folder. Give a file path for the CAR, or add a shard size to write shards into that folder.`)
    }
    const created = await mkdir(dirname(path), { recursive: true }).catch(err => { throw outputError(err, dirname(path)) })
    return { target: { kind: 'file', path }, ...(created !== undefined ? { created } : {}) }
  }
  if (existing !== null && !existing.isDirectory()) {
    throw new InvalidArgumentError(`Output ${opts.output} is a file, but sharded output goes into a folder (shard-0001.car, …). Give a folder path.`)
  }
  const created = await mkdir(path, { recursive: true }).catch(err => { throw outputError(err, path) })
  return { target: { kind: 'dir', path }, ...(created !== undefined ? { created } : {}) }
}

/** The smallest shard that holds the largest leaf this input will produce, plus the header. */
function checkShardSize (shardSize: number, profile: CidProfile, stats: TreeStats): void {
  const header = encodeCarHeader(placeholderRoot(rootCidLength(profile))).byteLength
  const largestChunk = Math.min(stats.largestFile, profile.chunkSize)
  const leaf = profile.rawLeaves
    ? { cid: placeholderRoot(36), length: largestChunk }
    : { cid: placeholderRoot(34), length: encodeFileLeaf(new Uint8Array(largestChunk), 0).bytes.byteLength }
  const minimum = header + sectionLength(leaf.cid, leaf.length)
  if (shardSize < minimum) {
    throw new InvalidShardSizeError(`Shard size ${shardSize} is too small: the largest block of this input needs ` +
      `${minimum} bytes in a shard (a ${header}-byte header plus the block). Use a shard size of at least ${minimum}.`)
  }
}

/** Files the pack cache vouches for: their leaves stand in for reading them (their blocks are not emitted). */
interface Replay {
  leaves: ReadonlyArray<DagLink[] | undefined>
  /** Told each leaf that is not emitted. */
  onLeaf?: (link: DagLink) => void
}

/** One pass over the tree: every block goes to `out` in a fixed order (each directory after its children). */
async function encode (
  root: WalkEntry, files: WalkFile[], opts: ResolvedPackOptions, progress: Progress, displayPath: (file: WalkFile) => string, out: BlockOut,
  cache?: PackCache, replay?: Replay
): Promise<DagLink> {
  // the reader sees only the files to read, so its read-ahead never touches a replayed one
  const toRead: WalkFile[] = []
  const readerIndex = files.map((f, i) => {
    if (replay?.leaves[i] !== undefined) return -1
    toRead.push(f)
    return toRead.length - 1
  })
  const reader = new ChunkReader(toRead, opts.profile.chunkSize, { displayPath })
  let fileIndex = 0
  const visit = async (entry: WalkEntry): Promise<DagLink> => {
    if (entry.kind === 'file') {
      const index = fileIndex++
      const leaves = replay?.leaves[index]
      if (leaves !== undefined) {
        const dag = new FileDagBuilder(opts.profile, out)
        for (const leaf of leaves) {
          replay?.onLeaf?.(leaf)
          await dag.addKnownLeaf(leaf)
        }
        progress.add(entry.size, 1)
        return await dag.close()
      }
      const dag = new FileDagBuilder(opts.profile, out, { keepLeaves: cache !== undefined })
      for (;;) {
        if (opts.signal?.aborted === true) throw new AbortedError('Packing was aborted.', { cause: opts.signal.reason })
        const chunk = await reader.next(readerIndex[index])
        const length = chunk.bytes.byteLength
        await dag.add(chunk.bytes, chunk.release)
        progress.add(length, chunk.last ? 1 : 0)
        if (chunk.last) break
      }
      const link = await dag.close()
      if (dag.leaves !== undefined) cache?.record(index, dag.leaves, link)
      return link
    }
    const children: DirectoryChild[] = []
    for (const child of entry.children) {
      children.push({ name: child.name, link: await visit(child), counted: child.kind === 'file' || child.children.length === 0 })
    }
    return await writeDirectory(children, opts.profile, out)
  }
  try {
    return await visit(root)
  } finally {
    await reader.close()
  }
}

/** Throttled `pinship:pack:bytes` events, counted within each pass (one honest total per phase). */
class Progress {
  readonly #opts: ResolvedPackOptions
  readonly #totalBytes: number
  readonly #totalFiles: number
  readonly #passes: number
  #pass = 1
  #phase: PackPhase = 'CAR'
  #bytes = 0
  #files = 0
  #last = 0

  constructor (opts: ResolvedPackOptions, stats: TreeStats, passes: number) {
    this.#opts = opts
    this.#totalBytes = stats.bytes
    this.#totalFiles = stats.files
    this.#passes = passes
  }

  startPass (pass: number, phase: PackPhase): void {
    this.#pass = pass
    this.#phase = phase
    this.#bytes = 0
    this.#files = 0
    this.#last = 0
  }

  add (bytes: number, files: number): void {
    this.#bytes += bytes
    this.#files += files
    if (this.#opts.onProgress === undefined) return
    const now = Date.now()
    if (now - this.#last >= PROGRESS_INTERVAL_MS) {
      this.#last = now
      this.#send()
    }
  }

  /** Sends the current totals now, throttle or not. */
  flush (): void {
    this.#send()
  }

  #send (): void {
    const detail: BytesDetail = {
      bytes: this.#bytes,
      totalBytes: this.#totalBytes,
      files: this.#files,
      totalFiles: this.#totalFiles,
      pass: this.#pass,
      passes: this.#passes,
      phase: this.#phase
    }
    emit(this.#opts, 'pinship:pack:bytes', detail)
  }
}
