import type { DagLink } from './block.js'
import type { BlockOut } from './file-dag.js'
import { encodeHamtNode, type NamedLink } from './unixfs-nodes.js'

/** Multicodec of murmur3-x64-64, the UnixFS HAMT hash (first 64 bits of murmur3-x64-128). */
export const HAMT_HASH_TYPE = 0x22

interface Leaf {
  name: string
  nameBytes: Uint8Array
  link: DagLink
  /** 64-bit hash windows, made on demand: window i hashes name‖[i] (i > 0), as go-unixfs and the importer do. */
  windows: Uint8Array[]
}

interface Bucket {
  slots: Map<number, Leaf | Bucket>
}

type Hasher = (bytes: Uint8Array) => Uint8Array

const encoder = new TextEncoder()

/** murmur3-x64-64, loaded on first use: most packs never build a HAMT. */
async function loadHasher (): Promise<Hasher> {
  const { murmur364 } = await import('@multiformats/murmur3')
  return bytes => {
    const digest = murmur364.digest(bytes)
    if (digest instanceof Promise) throw new Error('murmur3 is expected to be synchronous')
    return digest.digest
  }
}

function hashWindow (leaf: Leaf, index: number, hash: Hasher): Uint8Array {
  let window = leaf.windows[index]
  if (window === undefined) {
    window = hash(index === 0 ? leaf.nameBytes : concatByte(leaf.nameBytes, index))
    leaf.windows[index] = window
  }
  return window
}

function concatByte (bytes: Uint8Array, byte: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength + 1)
  out.set(bytes)
  out[bytes.byteLength] = byte
  return out
}

/** Slot of `leaf` at `depth`: `bits` bits read most-significant first through the hash windows. */
function slotOf (leaf: Leaf, depth: number, bits: number, hash: Hasher): number {
  let result = 0
  let position = depth * bits
  let pending = bits
  while (pending > 0) {
    const window = hashWindow(leaf, Math.floor(position / 64), hash)
    const bitInWindow = position % 64
    const byte = window[bitInWindow >> 3]
    const bitInByte = bitInWindow & 7
    const take = Math.min(pending, 8 - bitInByte)
    const value = (byte >> (8 - bitInByte - take)) & ((1 << take) - 1)
    result = (result << take) | value
    position += take
    pending -= take
  }
  return result
}

function insert (bucket: Bucket, leaf: Leaf, depth: number, bits: number, hash: Hasher): void {
  const slot = slotOf(leaf, depth, bits, hash)
  const existing = bucket.slots.get(slot)
  if (existing === undefined) {
    bucket.slots.set(slot, leaf)
  } else if ('slots' in existing) {
    insert(existing, leaf, depth + 1, bits, hash)
  } else {
    if (existing.name === leaf.name) throw new Error(`duplicate directory entry "${leaf.name}"`)
    const child: Bucket = { slots: new Map() }
    bucket.slots.set(slot, child)
    insert(child, existing, depth + 1, bits, hash)
    insert(child, leaf, depth + 1, bits, hash)
  }
}

/**
 * Writes a HAMT-sharded directory (UnixFS spec: murmur3-x64-64, fan-out 2^bits, labels of upper-case hex slot
 * numbers) and returns the link to its root node. Without deletions the trie's shape depends only on the names,
 * so entry order does not matter.
 */
export async function writeHamtDirectory (entries: readonly NamedLink[], bits: number, cidVersion: 0 | 1, out: BlockOut): Promise<DagLink> {
  const hash = await loadHasher()
  const root: Bucket = { slots: new Map() }
  for (const e of entries) {
    insert(root, { name: e.name, nameBytes: encoder.encode(e.name), link: e.link, windows: [] }, 0, bits, hash)
  }
  return await writeBucket(root, bits, cidVersion, out)
}

async function writeBucket (bucket: Bucket, bits: number, cidVersion: 0 | 1, out: BlockOut): Promise<DagLink> {
  const tableSize = 2 ** bits
  const padLength = (tableSize - 1).toString(16).length
  const slots = [...bucket.slots.keys()].sort((a, b) => a - b)
  const links: NamedLink[] = []
  for (const slot of slots) {
    const child = bucket.slots.get(slot) as Leaf | Bucket
    const label = slot.toString(16).toUpperCase().padStart(padLength, '0')
    if ('slots' in child) {
      links.push({ name: label, link: await writeBucket(child, bits, cidVersion, out) })
    } else {
      links.push({ name: label + child.name, link: child.link })
    }
  }
  const node = encodeHamtNode(links, bitfield(slots, tableSize), tableSize, HAMT_HASH_TYPE, cidVersion)
  await out({ cid: node.cid, bytes: node.bytes })
  return node.link
}

/** Occupied slots as a big-endian bit field without leading zero bytes (Go's big.Int.Bytes()). */
function bitfield (slots: readonly number[], tableSize: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(tableSize / 8))
  for (const slot of slots) bytes[bytes.length - 1 - (slot >> 3)] |= 1 << (slot & 7)
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  return bytes.subarray(start)
}
