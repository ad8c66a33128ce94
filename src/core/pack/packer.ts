import { mkdir, rmdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { CID } from 'multiformats/cid'
import { AbortedError, EmptyInputError, FileChangedError, InvalidArgumentError, InvalidShardSizeError } from '../errors.js'
import { emit } from '../progress.js'
import type { PackOptions, PackPhase, PackProgressEvent, PackResult, ShardInfo } from './api.js'
import type { DagLink } from './block.js'
import { encodeCarHeader, placeholderRoot } from './car-header.js'
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
  const tree = await walk(path, { hidden: opts.hidden, ignore: opts.ignore, exclude, signal: opts.signal })
  const root = shapeRoot(tree, opts.profile, opts.wrap)
  const stats = treeStats(root)
  if (stats.files === 0 && !opts.allowEmpty) {
    throw new EmptyInputError(`${path} holds no files to pack${opts.hidden ? '' : ' (hidden files were left out)'}. ` +
      'Check the path (and any --exclude patterns), or pass --allow-empty to pack an empty folder anyway.')
  }
  if (opts.shardSize !== undefined) checkShardSize(opts.shardSize, opts.profile, stats)
  emit(opts, 'pinship:pack:start', { path, files: stats.files, bytes: stats.bytes })

  const files = filesInOrder(root)
  const onePass = target.kind === 'none' && opts.carCids === false
  const twoPass = !onePass && (target.kind === 'none' || opts.onShard !== undefined)
  const passes = twoPass ? 2 : 1
  const progress = new Progress(opts, stats, passes)
  const rootByteLength = rootCidLength(opts.profile)

  let knownRoot: CID | undefined
  const displayPath = (file: WalkFile): string => tree.kind === 'file' ? path : join(path, file.relPath)
  const run = async (out: BlockOut): Promise<DagLink> => await encode(root, files, opts, progress, displayPath, out)
  if (onePass) return await sizesOnly(run, opts, stats, progress)
  if (twoPass) {
    progress.startPass(1, 'root CID')
    const planner = new ShardPlanner(encodeCarHeader(placeholderRoot(rootByteLength)).byteLength, opts.shardSize)
    knownRoot = (await run(block => {
      planner.add(block.cid, block.bytes.byteLength)
      return nullOut(block)
    })).cid
    // the first pass is done: renderers see it end, whatever the throttle
    progress.flush()
    opts.onPlan?.({ cid: knownRoot.toString(), ...planner.plan() })
  }
  progress.startPass(passes, 'CAR')

  const onShard = async (shard: ShardInfo & { index: number }): Promise<void> => {
    emit(opts, 'pinship:pack:shard', shard)
    await opts.onShard?.(shard)
  }
  const cleared = await clearOldOutput(target)
  const sink = new CarSink({ target, root: knownRoot, rootByteLength, shardSize: opts.shardSize, onShard: knownRoot === undefined ? undefined : onShard })
  let shards: Array<ShardInfo & { index: number }>
  let rootLink: DagLink
  try {
    rootLink = await run(block => sink.put(block))
    if (knownRoot !== undefined && knownRoot.toString() !== rootLink.cid.toString()) {
      throw new FileChangedError(`${path} changed while it was being packed (the second read gave root ${rootLink.cid.toString()}, ` +
        `the first ${knownRoot.toString()}). Pack again once nothing is writing to the folder.`)
    }
    shards = await sink.finish(rootLink.cid)
  } catch (err) {
    await sink.abort()
    throw err
  } finally {
    await cleared
  }
  if (knownRoot === undefined) for (const shard of shards) emit(opts, 'pinship:pack:shard', shard)
  progress.flush()

  const result: PackResult = {
    cid: rootLink.cid.toString(),
    profile: opts.profile.name,
    files: stats.files,
    bytes: stats.bytes,
    carBytes: shards.reduce((sum, s) => sum + s.bytes, 0),
    blocks: sink.blocks,
    shards: shards.map(({ path, carCid, bytes, blocks }) => ({ path, carCid, bytes, blocks }))
  }
  emit(opts, 'pinship:pack:done', result)
  return result
}

/** One pass, nothing written, no CAR CIDs: the root and what the CAR would weigh (each distinct block once). */
async function sizesOnly (run: (out: BlockOut) => Promise<DagLink>, opts: ResolvedPackOptions, stats: TreeStats, progress: Progress): Promise<PackResult> {
  const seen = new Set<string>()
  let sections = 0
  const count: BlockOut = block => {
    const key = Buffer.from(block.cid.bytes.buffer, block.cid.bytes.byteOffset, block.cid.bytes.byteLength).toString('latin1')
    if (!seen.has(key)) {
      seen.add(key)
      sections += sectionLength(block.cid, block.bytes.byteLength)
    }
    block.release?.()
    return undefined
  }
  const rootLink = await run(count)
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

/** One pass over the tree: every block goes to `out` in a fixed order (each directory after its children). */
async function encode (
  root: WalkEntry, files: WalkFile[], opts: ResolvedPackOptions, progress: Progress, displayPath: (file: WalkFile) => string, out: BlockOut
): Promise<DagLink> {
  const reader = new ChunkReader(files, opts.profile.chunkSize, { displayPath })
  let fileIndex = 0
  const visit = async (entry: WalkEntry): Promise<DagLink> => {
    if (entry.kind === 'file') {
      const index = fileIndex++
      const dag = new FileDagBuilder(opts.profile, out)
      for (;;) {
        if (opts.signal?.aborted === true) throw new AbortedError('Packing was aborted.', { cause: opts.signal.reason })
        const chunk = await reader.next(index)
        const length = chunk.bytes.byteLength
        await dag.add(chunk.bytes, chunk.release)
        progress.add(length, chunk.last ? 1 : 0)
        if (chunk.last) break
      }
      return await dag.close()
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
