import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { dagPbCid, type DagLink } from './block.js'

/**
 * Node encoders. They go through ipfs-unixfs and @ipld/dag-pb exactly as ipfs-unixfs-importer does (including
 * `prepare`, which sorts links by name bytes), so the bytes — and so the CIDs — are the importer's.
 */

export interface EncodedNode {
  cid: CID
  bytes: Uint8Array
  link: DagLink
}

export interface NamedLink {
  name: string
  link: DagLink
}

/** A v0-style leaf: the chunk wrapped in a dag-pb UnixFS `file` node. */
export function encodeFileLeaf (chunk: Uint8Array, cidVersion: 0 | 1): EncodedNode {
  const unixfs = new UnixFS({ type: 'file', data: chunk })
  const bytes = dagPb.encode({ Data: unixfs.marshal(), Links: [] })
  const cid = dagPbCid(bytes, cidVersion)
  return { cid, bytes, link: { cid, size: bytes.byteLength, contentSize: chunk.byteLength } }
}

/** An inner node of a file's balanced tree. */
export function encodeFileParent (children: readonly DagLink[], cidVersion: 0 | 1): EncodedNode {
  const unixfs = new UnixFS({ type: 'file', blockSizes: children.map(c => BigInt(c.contentSize)) })
  const node = dagPb.prepare({
    Data: unixfs.marshal(),
    Links: children.map(c => ({ Hash: c.cid, Name: '', Tsize: c.size }))
  })
  return finish(dagPb.encode(node), children, cidVersion, sumContent(children))
}

export function encodeFlatDirectory (entries: readonly NamedLink[], cidVersion: 0 | 1): EncodedNode {
  const unixfs = new UnixFS({ type: 'directory' })
  const node = dagPb.prepare({
    Data: unixfs.marshal(),
    Links: entries.map(e => ({ Hash: e.link.cid, Name: e.name, Tsize: e.link.size }))
  })
  return finish(dagPb.encode(node), entries.map(e => e.link), cidVersion, 0)
}

/** One node of a HAMT-sharded directory: `bitfield` is big-endian without leading zero bytes, as Go writes it. */
export function encodeHamtNode (entries: readonly NamedLink[], bitfield: Uint8Array, fanout: number, hashType: number, cidVersion: 0 | 1): EncodedNode {
  const unixfs = new UnixFS({ type: 'hamt-sharded-directory', data: bitfield, fanout: BigInt(fanout), hashType: BigInt(hashType) })
  const node = dagPb.prepare({
    Data: unixfs.marshal(),
    Links: entries.map(e => ({ Hash: e.link.cid, Name: e.name, Tsize: e.link.size }))
  })
  return finish(dagPb.encode(node), entries.map(e => e.link), cidVersion, 0)
}

function finish (bytes: Uint8Array, children: readonly DagLink[], cidVersion: 0 | 1, contentSize: number): EncodedNode {
  const cid = dagPbCid(bytes, cidVersion)
  let size = bytes.byteLength
  for (const c of children) size += c.size
  return { cid, bytes, link: { cid, size, contentSize } }
}

function sumContent (children: readonly DagLink[]): number {
  let n = 0
  for (const c of children) n += c.contentSize
  return n
}
