import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { NotFoundError, PinshipError } from '../../core/errors.js'
import { blockKey, type BlockStore } from '../store/blocks.js'
import { blockLinks, DAG_PB, RAW } from '../store/links.js'

/** One resolved UnixFS node. */
export type FsNode =
  | { kind: 'raw', cid: CID, bytes: Uint8Array, size: number }
  | { kind: 'file', cid: CID, pb: dagPb.PBNode, fs: UnixFS, size: number }
  | { kind: 'directory', cid: CID, pb: dagPb.PBNode, fs: UnixFS, sharded: boolean }
  | { kind: 'other', cid: CID, bytes: Uint8Array }

export interface DirEntry { name: string, cid: CID, size?: number }

/** 406: the content is fine, but only its trustless forms (?format=raw / ?format=car) can be served. */
export const NotUnixFsError = (message: string): PinshipError => new PinshipError('ERR_NOT_UNIXFS', message, { status: 406 })

export async function loadBlock (store: BlockStore, cid: CID): Promise<Uint8Array> {
  const bytes = await store.get(cid)
  if (bytes === undefined) {
    throw new NotFoundError(`Block ${cid.toString()} is not stored here (the DAG is incomplete). Upload the missing part of the CAR, then retry.`)
  }
  return bytes
}

export async function loadNode (store: BlockStore, cid: CID): Promise<FsNode> {
  const bytes = await loadBlock(store, cid)
  if (cid.code === RAW) return { kind: 'raw', cid, bytes, size: bytes.length }
  if (cid.code !== DAG_PB) return { kind: 'other', cid, bytes }
  let pb: dagPb.PBNode
  let fs: UnixFS
  try {
    pb = dagPb.decode(bytes)
    if (pb.Data === undefined) throw new Error('no UnixFS data')
    fs = UnixFS.unmarshal(pb.Data)
  } catch (err) {
    throw NotUnixFsError(`${cid.toString()} is dag-pb but not UnixFS (${(err as Error).message}); fetch it with ?format=raw or ?format=car.`)
  }
  if (fs.type === 'directory' || fs.type === 'hamt-sharded-directory') {
    return { kind: 'directory', cid, pb, fs, sharded: fs.type === 'hamt-sharded-directory' }
  }
  if (fs.type === 'file' || fs.type === 'raw') return { kind: 'file', cid, pb, fs, size: Number(fs.fileSize()) }
  throw NotUnixFsError(`${cid.toString()} is a UnixFS ${fs.type}, which the gateway does not serve; fetch it with ?format=raw.`)
}

/**
 * Entries of a directory, in link order. HAMT-sharded directories are walked through all their shards
 * (a link named with just the hex prefix is a sub-shard; longer names are prefix + entry name).
 */
export async function * directoryEntries (store: BlockStore, dir: FsNode & { kind: 'directory' }): AsyncGenerator<DirEntry> {
  if (!dir.sharded) {
    for (const l of dir.pb.Links) yield { name: l.Name ?? '', cid: l.Hash, size: l.Tsize }
    return
  }
  yield * shardEntries(store, dir.pb, dir.fs)
}

function shardPrefix (fs: UnixFS): number {
  return (Number(fs.fanout ?? 256n) - 1).toString(16).length
}

/** Depth first through sub-shards, with an explicit stack: a crafted chain of sub-shards cannot overflow the call stack. */
async function * shardEntries (store: BlockStore, pb: dagPb.PBNode, fs: UnixFS): AsyncGenerator<DirEntry> {
  const stack = [{ links: pb.Links, next: 0, prefix: shardPrefix(fs) }]
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    if (top.next >= top.links.length) { stack.pop(); continue }
    const l = top.links[top.next++]
    const name = l.Name ?? ''
    if (name.length > top.prefix) {
      yield { name: name.slice(top.prefix), cid: l.Hash, size: l.Tsize }
    } else {
      const child = dagPb.decode(await loadBlock(store, l.Hash))
      stack.push({ links: child.Links, next: 0, prefix: shardPrefix(UnixFS.unmarshal(child.Data ?? new Uint8Array())) })
    }
  }
}

/**
 * Follows `segments` (already decoded) from `root` through UnixFS directories and returns the CIDs passed on the
 * way (root first, target last) without decoding the target itself: trustless responses serve any codec.
 */
export async function resolveCids (store: BlockStore, root: CID, segments: string[]): Promise<CID[]> {
  const path: CID[] = [root]
  for (let i = 0; i < segments.length; i++) {
    const node = await loadNode(store, path[i])
    if (node.kind !== 'directory') {
      throw new NotFoundError(`/${segments.slice(0, i).join('/')} is a file, so /${segments.slice(0, i + 1).join('/')} does not exist in ${root.toString()}.`)
    }
    let next: CID | undefined
    for await (const e of directoryEntries(store, node)) {
      if (e.name === segments[i]) { next = e.cid; break }
    }
    if (next === undefined) throw new NotFoundError(`No "${segments[i]}" in /${segments.slice(0, i).join('/')} of ${root.toString()}.`)
    path.push(next)
  }
  return path
}

/** Follows `segments` (already decoded) from `root`. Returns the node and the CIDs passed on the way (root first). */
export async function resolvePath (store: BlockStore, root: CID, segments: string[]): Promise<{ node: FsNode, path: CID[] }> {
  const path = await resolveCids(store, root, segments)
  return { node: await loadNode(store, path[path.length - 1]), path }
}

/**
 * Bytes [start, end) of a file, streamed block by block; only the blocks overlapping the range are read. The tree is
 * walked with an explicit stack of not-yet-loaded children (a file may be a chain thousands of nodes deep), and a
 * child is loaded only when its turn comes, so memory holds one path of nodes, not a whole layer of leaves.
 */
export async function * readFileRange (store: BlockStore, node: FsNode, start: number, end: number): AsyncGenerator<Uint8Array> {
  const stack: Array<{ node?: FsNode, cid?: CID, start: number, end: number }> = [{ node, start, end }]
  while (stack.length > 0) {
    const piece = stack.pop() as { node?: FsNode, cid?: CID, start: number, end: number }
    if (piece.start >= piece.end) continue
    const current = piece.node ?? await loadNode(store, piece.cid as CID)
    if (current.kind === 'raw') { yield current.bytes.subarray(piece.start, piece.end); continue }
    if (current.kind !== 'file') continue
    let pos = 0
    const inline = current.fs.data ?? new Uint8Array()
    if (inline.length > 0) {
      if (piece.start < inline.length) yield inline.subarray(piece.start, Math.min(piece.end, inline.length))
      pos = inline.length
    }
    const children: Array<{ cid: CID, start: number, end: number }> = []
    for (let i = 0; i < current.pb.Links.length && pos < piece.end; i++) {
      const size = Number(current.fs.blockSizes[i] ?? 0n)
      const childStart = pos
      pos += size
      if (pos <= piece.start) continue
      children.push({ cid: current.pb.Links[i].Hash, start: Math.max(0, piece.start - childStart), end: Math.min(size, piece.end - childStart) })
    }
    // popped from the end: push in reverse so the first child is read first
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
}
