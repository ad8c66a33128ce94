// Which blocks a trustless CAR response carries (trustless gateway spec: dag-scope, entity-bytes, order, dups).
import type { IncomingMessage } from 'node:http'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { InvalidArgumentError } from '../../core/errors.js'
import { IDENTITY } from '../../core/car/verify.js'
import { blockKey, type BlockStore } from '../store/blocks.js'
import { blockLinks, DAG_PB, RAW } from '../store/links.js'
import { loadBlock } from './unixfs.js'

export type DagScope = 'block' | 'entity' | 'all'

/** An inclusive byte range as the client wrote it: negative numbers count from the end, `*` (undefined `to`) is the end. */
export interface EntityBytes { from: number, to: number | undefined, text: string }

export interface CarParams {
  scope: DagScope
  entityBytes?: EntityBytes
  /** Duplicates sent at every occurrence in the walk (`dups=y`) or once (`n`, the default). */
  dups: boolean
}

/**
 * With `dups=y` a DAG that links the same block many times (each level twice to the next: 2^depth occurrences)
 * could make a tiny DAG an endless response; past this many blocks the transfer is cut off as failed.
 */
export const MAX_CAR_BLOCKS_WITH_DUPS = 1_000_000

const CAR_TYPE = 'application/vnd.ipld.car'

/** The `application/vnd.ipld.car` entry of an Accept header: its parameters, lower-cased names. */
function acceptedCarParams (accept: string | undefined): Record<string, string> {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map(s => s.trim())
    if (type.toLowerCase() !== CAR_TYPE) continue
    const out: Record<string, string> = {}
    for (const p of params) {
      const i = p.indexOf('=')
      if (i > 0) out[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"|"$/g, '')
    }
    return out
  }
  return {}
}

function parseEntityBytes (text: string): EntityBytes {
  const m = /^(-?\d+):(-?\d+|\*)$/.exec(text)
  if (m === null) {
    throw new InvalidArgumentError(`entity-bytes must be from:to (byte offsets, inclusive; negative counts from the end; to may be *), e.g. 0:1023 or -1024:*; got "${text}".`)
  }
  return { from: Number(m[1]), to: m[2] === '*' ? undefined : Number(m[2]), text }
}

/** The CAR request's parameters; query parameters take precedence over the Accept header's, as the spec says. */
export function carParams (req: IncomingMessage, url: URL): CarParams {
  const accepted = acceptedCarParams(req.headers.accept)
  const version = url.searchParams.get('car-version') ?? accepted.version
  if (version !== undefined && version !== '1') throw new InvalidArgumentError(`Only CAR version 1 is served; got version ${version}.`)
  const order = url.searchParams.get('car-order') ?? accepted.order
  if (order !== undefined && order !== 'dfs' && order !== 'unk') throw new InvalidArgumentError(`CAR order must be dfs or unk; got "${order}".`)
  const dups = url.searchParams.get('car-dups') ?? accepted.dups
  if (dups !== undefined && dups !== 'y' && dups !== 'n') throw new InvalidArgumentError(`CAR dups must be y or n; got "${dups}".`)
  const rawBytes = url.searchParams.get('entity-bytes')
  const entityBytes = rawBytes === null ? undefined : parseEntityBytes(rawBytes)
  const rawScope = url.searchParams.get('dag-scope')
  if (rawScope !== null && rawScope !== 'block' && rawScope !== 'entity' && rawScope !== 'all') {
    throw new InvalidArgumentError(`dag-scope must be block, entity or all; got "${rawScope}".`)
  }
  // entity-bytes implies entity scope
  const scope: DagScope = rawScope ?? (entityBytes !== undefined ? 'entity' : 'all')
  return { scope, ...(scope === 'entity' && entityBytes !== undefined ? { entityBytes } : {}), dups: dups === 'y' }
}

/** What the response says it did: always DFS (it also satisfies `unk`), duplicates as asked. */
export function carContentType (params: CarParams): string {
  return `${CAR_TYPE}; version=1; order=dfs; dups=${params.dups ? 'y' : 'n'}`
}

/** ETags differ for every scope, range and duplicate choice (the spec requires it for scope and range). */
export function carEtag (target: CID, params: CarParams): string {
  return `"${target.toString()}.car.${params.scope}${params.entityBytes !== undefined ? `.${params.entityBytes.text}` : ''}.dfs.${params.dups ? 'y' : 'n'}"`
}

/** [start, end) of a file of `size` bytes, or undefined when the range is empty or outside the file. */
export function resolveRange (range: EntityBytes, size: number): { start: number, end: number } | undefined {
  const from = range.from < 0 ? Math.max(0, size + range.from) : range.from
  const last = range.to === undefined ? size - 1 : range.to < 0 ? size + range.to : Math.min(range.to, size - 1)
  if (from >= size || last < from) return undefined
  return { start: from, end: last + 1 }
}

/** Size of the target when it is a file (UnixFS file or raw block), else undefined. */
function fileSize (cid: CID, bytes: Uint8Array): number | undefined {
  if (cid.code === RAW) return bytes.length
  const node = unixfsOf(cid, bytes)
  return node !== undefined && (node.fs.type === 'file' || node.fs.type === 'raw') ? Number(node.fs.fileSize()) : undefined
}

/**
 * 400 up front (as the spec asks when it can be known) for an entity-bytes range that starts past the end of the
 * target file. A range that is merely empty (to before from) is answered like dag-scope=block instead.
 */
export function checkEntityBytes (target: CID, bytes: Uint8Array, params: CarParams): void {
  const range = params.entityBytes
  if (range === undefined) return
  const size = fileSize(target, bytes)
  if (size === undefined || size === 0) return
  const from = range.from < 0 ? Math.max(0, size + range.from) : range.from
  if (from >= size) {
    throw new InvalidArgumentError(`entity-bytes=${range.text} starts past the end of ${target.toString()}, which is ${size} bytes long; ask for a range within 0:${size - 1}.`)
  }
}

interface Emitted { cid: CID, bytes: Uint8Array }

/**
 * Sends blocks once each (dups=n) or at every occurrence (dups=y), never identity blocks (their bytes are in the
 * CID: the spec forbids them in CARs), and counts what went out.
 */
class Emitter {
  private readonly seen = new Set<string>()
  count = 0
  constructor (private readonly dups: boolean) {}

  /** Whether to send this occurrence; false for identity CIDs and, with dups=n, for blocks already sent. */
  take (cid: CID): boolean {
    if (cid.multihash.code === IDENTITY) return false
    if (!this.dups) {
      const key = blockKey(cid)
      if (this.seen.has(key)) return false
      this.seen.add(key)
    }
    if (++this.count > MAX_CAR_BLOCKS_WITH_DUPS) {
      throw new Error(`CAR response cut off after ${MAX_CAR_BLOCKS_WITH_DUPS} blocks: with dups=y this DAG repeats blocks without end`)
    }
    return true
  }
}

/**
 * Blocks of a CAR response in DFS order: first the blocks that verify the path (root to the target's parent), then
 * the target's scope. Identity blocks are never sent. Everything is walked with explicit stacks.
 */
export async function * scopedBlocks (store: BlockStore, path: CID[], params: CarParams): AsyncGenerator<Emitted> {
  const out = new Emitter(params.dups)
  for (const cid of path.slice(0, -1)) {
    if (out.take(cid)) yield { cid, bytes: await loadBlock(store, cid) }
  }
  const target = path[path.length - 1]
  const bytes = await loadBlock(store, target)
  if (params.scope === 'block') {
    if (out.take(target)) yield { cid: target, bytes }
    return
  }
  if (params.scope === 'all') {
    yield * allBlocks(store, target, bytes, out)
    return
  }
  yield * entityBlocks(store, target, bytes, params.entityBytes, out)
}

async function * allBlocks (store: BlockStore, root: CID, rootBytes: Uint8Array, out: Emitter): AsyncGenerator<Emitted> {
  const stack: CID[] = [root]
  while (stack.length > 0) {
    const cid = stack.pop() as CID
    const bytes = cid === root ? rootBytes : await loadBlock(store, cid)
    // with dups=n a block already sent has had its children walked too
    if (!out.take(cid) && cid.multihash.code !== IDENTITY) continue
    if (cid.multihash.code !== IDENTITY) yield { cid, bytes }
    const links = blockLinks(cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}

function unixfsOf (cid: CID, bytes: Uint8Array): { pb: dagPb.PBNode, fs: UnixFS } | undefined {
  if (cid.code !== DAG_PB) return undefined
  try {
    const pb = dagPb.decode(bytes)
    if (pb.Data === undefined) return undefined
    return { pb, fs: UnixFS.unmarshal(pb.Data) }
  } catch {
    return undefined
  }
}

/**
 * `entity`: a UnixFS file's blocks (only those overlapping `range` when given), a directory's own block (and, for a
 * HAMT, its sub-shards: what it takes to enumerate it, not its entries), and for anything else the block alone.
 */
async function * entityBlocks (store: BlockStore, target: CID, bytes: Uint8Array, range: EntityBytes | undefined, out: Emitter): AsyncGenerator<Emitted> {
  const node = unixfsOf(target, bytes)
  const isFile = target.code === RAW || node?.fs.type === 'file' || node?.fs.type === 'raw'
  if (isFile) {
    const size = target.code === RAW ? bytes.length : Number((node as { fs: UnixFS }).fs.fileSize())
    let window: { start: number, end: number } | undefined = { start: 0, end: size }
    if (range !== undefined) {
      window = resolveRange(range, size)
      // the spec: a range that is empty or outside the file answers like dag-scope=block
      if (window === undefined) { if (out.take(target)) yield { cid: target, bytes }; return }
    }
    yield * fileBlocks(store, target, bytes, window, range === undefined, out)
    return
  }
  if (out.take(target)) yield { cid: target, bytes }
  if (node?.fs.type !== 'hamt-sharded-directory') return
  // sub-shards are the links named with the bare hex prefix
  const stack = [node]
  while (stack.length > 0) {
    const shard = stack.pop() as { pb: dagPb.PBNode, fs: UnixFS }
    const prefix = (Number(shard.fs.fanout ?? 256n) - 1).toString(16).length
    const subs = shard.pb.Links.filter(l => (l.Name ?? '').length <= prefix).map(l => l.Hash)
    const loaded: Array<{ pb: dagPb.PBNode, fs: UnixFS }> = []
    for (const cid of subs) {
      const b = await loadBlock(store, cid)
      if (out.take(cid)) yield { cid, bytes: b }
      const sub = unixfsOf(cid, b)
      if (sub !== undefined) loaded.push(sub)
    }
    for (let i = loaded.length - 1; i >= 0; i--) stack.push(loaded[i])
  }
}

/** The blocks of a file that overlap [start, end): each node on the way and the leaves under the range. */
async function * fileBlocks (store: BlockStore, root: CID, rootBytes: Uint8Array, window: { start: number, end: number }, whole: boolean, out: Emitter): AsyncGenerator<Emitted> {
  const stack: Array<{ cid: CID, start: number, end: number }> = [{ cid: root, ...window }]
  while (stack.length > 0) {
    const piece = stack.pop() as { cid: CID, start: number, end: number }
    const bytes = piece.cid === root ? rootBytes : await loadBlock(store, piece.cid)
    if (out.take(piece.cid)) yield { cid: piece.cid, bytes }
    const node = unixfsOf(piece.cid, bytes)
    if (node === undefined) continue
    let pos = node.fs.data?.length ?? 0
    const children: Array<{ cid: CID, start: number, end: number }> = []
    for (let i = 0; i < node.pb.Links.length; i++) {
      const size = Number(node.fs.blockSizes[i] ?? 0n)
      const childStart = pos
      pos += size
      // a whole file takes every child, empty ones included; a range only those it overlaps
      if (!whole && (pos <= piece.start || childStart >= piece.end)) continue
      children.push({ cid: node.pb.Links[i].Hash, start: Math.max(0, piece.start - childStart), end: Math.min(size, piece.end - childStart) })
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
}
