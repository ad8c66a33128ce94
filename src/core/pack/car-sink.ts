import { createHash, type Hash } from 'node:crypto'
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { varint } from 'multiformats'
import type { CID } from 'multiformats/cid'
import { InvalidShardSizeError } from '../errors.js'
import type { ShardInfo } from './api.js'
import type { Block } from './block.js'
import { carCidFromHash } from './car-cid.js'
import { encodeCarHeader, placeholderRoot } from './car-header.js'
import { outputError } from './errors.js'

export type CarTarget =
  /** Nothing written; CAR CIDs are still computed from the bytes a CAR would hold. */
  | { kind: 'none' }
  | { kind: 'file', path: string }
  /** shard-0001.car, shard-0002.car, … inside this folder. */
  | { kind: 'dir', path: string }

export interface CarSinkOptions {
  target: CarTarget
  /** Final root, when already known: headers are final from the start and each shard is complete once closed. */
  root?: CID
  /** Byte length of the root CID (for the placeholder header) when `root` is not known yet. */
  rootByteLength: number
  /** Split into shards of at most this many bytes. @default undefined (one CAR) */
  shardSize?: number
  /** Called (and awaited) as each shard is complete; only when `root` was given. */
  onShard?: (shard: ShardInfo & { index: number }) => Promise<void>
  /** Bytes handed to the OS in one writev. @default DEFAULT_WRITE_BATCH_BYTES */
  writeBatchBytes?: number
  /** Written-but-unconfirmed bytes before put() makes the producer wait. @default DEFAULT_WRITE_WINDOW_BYTES */
  writeWindowBytes?: number
}

export const DEFAULT_WRITE_BATCH_BYTES = 4 * 1024 * 1024
export const DEFAULT_WRITE_WINDOW_BYTES = 16 * 1024 * 1024
/** Buffers per writev call, well under IOV_MAX (1024 on Linux). */
const MAX_IOVECS = 512
/** Read size when hashing a finished shard whose header was patched. */
const HASH_READ_BYTES = 4 * 1024 * 1024

/** Suffix of a CAR still being written. */
export const PARTIAL_SUFFIX = '.partial'

const SHARD_FILE = /^shard-\d{4,}\.car$/

/**
 * Moves an earlier pack's output out of the way (the CAR file, or every shard-NNNN.car in the folder) and deletes it
 * in the background. Renaming is instant; deleting a large file is not (ext4 frees its blocks inside the call), so
 * it overlaps with packing instead of stalling the final rename. The new CAR never mixes with old shards, and a
 * failed pack leaves neither old nor partial CARs behind.
 */
export async function clearOldOutput (target: CarTarget): Promise<Promise<void>> {
  const old: string[] = []
  if (target.kind === 'file') {
    old.push(target.path)
  } else if (target.kind === 'dir') {
    for (const name of await readdir(target.path)) if (SHARD_FILE.test(name)) old.push(join(target.path, name))
  }
  const moved: string[] = []
  for (const path of old) {
    const aside = `${path}.old-${process.pid}`
    try {
      await rename(path, aside)
      moved.push(aside)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(err, path)
    }
  }
  return Promise.allSettled(moved.map(async p => await rm(p, { force: true }))).then(() => {})
}

export function shardFileName (index: number): string {
  return `shard-${String(index + 1).padStart(4, '0')}.car`
}

/** Bytes one block takes in a CAR: varint(cid + data length), CID, data. */
export function sectionLength (cid: CID, dataLength: number): number {
  const length = cid.byteLength + dataLength
  return varint.encodingLength(length) + length
}

interface Shard {
  index: number
  /** Where the finished shard goes; it is written beside it under a temporary name until complete. */
  path: string | null
  writePath: string | null
  handle: FileHandle | null
  hash: Hash | null
  bytes: number
  blocks: number
  carCid?: string
}

/**
 * Streams blocks into one CARv1 or into size-capped CARv1 shards, each with the same single root in its header, each
 * block in exactly one shard (duplicates are written once), no block split. Writes are batched into large positional
 * writev calls that may run concurrently; buffers are released once their write is confirmed.
 */
/**
 * The shard sizes a CarSink will produce for a stream of blocks, without writing or hashing anything: the same
 * rules (duplicates once, a new shard when the next block would not fit). The packer's first pass runs the blocks
 * through it so deploy knows the exact bytes it will upload before the first shard exists.
 */
export class ShardPlanner {
  readonly #seen = new Set<string>()
  readonly #headerLength: number
  readonly #limit: number | undefined
  #current = -1
  #shards = 0
  #carBytes = 0
  #sectionBytes = 0

  constructor (headerLength: number, shardSize: number | undefined) {
    this.#headerLength = headerLength
    this.#limit = shardSize
  }

  add (cid: CID, dataLength: number): void {
    const key = Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1')
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    const section = sectionLength(cid, dataLength)
    if (this.#current < 0 || (this.#limit !== undefined && this.#current + section > this.#limit)) this.#start()
    this.#current += section
    this.#carBytes += section
    this.#sectionBytes += section
  }

  #start (): void {
    this.#shards++
    this.#current = this.#headerLength
    this.#carBytes += this.#headerLength
  }

  /** Shard count, total bytes over all shards, and the bytes of the same blocks as one CAR (one header). */
  plan (): { shards: number, carBytes: number, wholeCarBytes: number } {
    const empty = this.#shards === 0
    return {
      shards: empty ? 1 : this.#shards,
      carBytes: empty ? this.#headerLength : this.#carBytes,
      wholeCarBytes: this.#headerLength + this.#sectionBytes
    }
  }
}

export class CarSink {
  readonly #options: CarSinkOptions
  readonly #headerLength: number
  readonly #seen = new Set<string>()
  readonly #shards: Shard[] = []
  readonly #created: string[] = []
  readonly #writes = new Set<Promise<void>>()
  readonly #batchBytes: number
  readonly #windowBytes: number
  #current: Shard | null = null
  #iovecs: Uint8Array[] = []
  #releases: Array<() => void> = []
  #pendingBytes = 0
  #position = 0
  #inFlight = 0
  #failure: unknown = undefined
  #blocks = 0

  constructor (options: CarSinkOptions) {
    this.#options = options
    this.#headerLength = encodeCarHeader(options.root ?? placeholderRoot(options.rootByteLength)).byteLength
    this.#batchBytes = options.writeBatchBytes ?? DEFAULT_WRITE_BATCH_BYTES
    this.#windowBytes = options.writeWindowBytes ?? DEFAULT_WRITE_WINDOW_BYTES
  }

  get headerLength (): number {
    return this.#headerLength
  }

  /** Unique blocks taken so far. */
  get blocks (): number {
    return this.#blocks
  }

  /** Takes one block; returns a promise only when the caller must wait (a new shard, or too much unconfirmed). */
  put (block: Block): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#failure
    const key = Buffer.from(block.cid.bytes.buffer, block.cid.bytes.byteOffset, block.cid.bytes.byteLength).toString('latin1')
    if (this.#seen.has(key)) {
      block.release?.()
      return undefined
    }
    this.#seen.add(key)
    this.#blocks++
    const section = sectionLength(block.cid, block.bytes.byteLength)
    const limit = this.#options.shardSize
    if (limit !== undefined && this.#headerLength + section > limit) {
      block.release?.()
      throw new InvalidShardSizeError(`Shard size ${limit} is too small for block ${block.cid.toString()} ` +
        `(${section} bytes with its CID, plus a ${this.#headerLength}-byte header). Use a shard size of at least ${this.#headerLength + section}.`)
    }
    if (this.#current === null || (limit !== undefined && this.#current.bytes + section > limit)) {
      return this.#rollOver().then(() => this.#append(block, section))
    }
    return this.#append(block, section)
  }

  /** Finishes the last shard; with a placeholder header, patches every header and then hashes every shard. */
  async finish (root: CID): Promise<Array<ShardInfo & { index: number }>> {
    if (this.#current === null) await this.#startShard()
    await this.#closeShard()
    if (this.#options.root === undefined) {
      const header = encodeCarHeader(root)
      if (header.byteLength !== this.#headerLength) throw new Error(`root ${root.toString()} does not fit the header written first`)
      for (const shard of this.#shards) {
        if (shard.writePath === null) throw new Error('a CAR that is not written needs its root before packing starts')
        try {
          shard.carCid = await patchAndHash(shard.writePath, header)
        } catch (err) {
          throw outputError(err, shard.writePath)
        }
      }
      for (const shard of this.#shards) await this.#publish(shard)
    } else if (this.#options.root.toString() !== root.toString()) {
      throw new Error(`root changed between passes: ${this.#options.root.toString()} then ${root.toString()}`)
    }
    return this.#shards.map(info)
  }

  /** Stops writing and removes every file this sink created, so a failure leaves nothing that looks like a CAR. */
  async abort (): Promise<void> {
    await Promise.allSettled([...this.#writes])
    await Promise.allSettled(this.#shards.map(async s => await s.handle?.close()))
    await Promise.allSettled(this.#created.map(async p => await rm(p, { force: true })))
  }

  /** Moves a complete shard from its temporary name to its final one; an older file of that name is replaced whole. */
  async #publish (shard: Shard): Promise<void> {
    if (shard.writePath === null || shard.path === null) return
    this.#created.push(shard.path)
    try {
      await rename(shard.writePath, shard.path)
    } catch (err) {
      throw outputError(err, shard.path)
    }
  }

  #append (block: Block, section: number): Promise<void> | undefined {
    const shard = this.#current as Shard
    const prefix = Buffer.allocUnsafe(section - block.bytes.byteLength)
    const length = block.cid.byteLength + block.bytes.byteLength
    varint.encodeTo(length, prefix, 0)
    prefix.set(block.cid.bytes, varint.encodingLength(length))
    shard.hash?.update(prefix)
    shard.hash?.update(block.bytes)
    shard.bytes += section
    shard.blocks++
    if (shard.handle === null) {
      block.release?.()
      return undefined
    }
    this.#iovecs.push(prefix, block.bytes)
    if (block.release !== undefined) this.#releases.push(block.release)
    this.#pendingBytes += section
    if (this.#pendingBytes >= this.#batchBytes || this.#iovecs.length >= MAX_IOVECS) this.#flush()
    if (this.#inFlight > this.#windowBytes) return this.#drain(this.#windowBytes)
    return undefined
  }

  #flush (): void {
    const shard = this.#current
    if (shard?.handle == null || this.#iovecs.length === 0) return
    const iovecs = this.#iovecs
    const releases = this.#releases
    const bytes = this.#pendingBytes
    const position = this.#position
    this.#iovecs = []
    this.#releases = []
    this.#pendingBytes = 0
    this.#position += bytes
    this.#inFlight += bytes
    const write = writeAll(shard.handle, iovecs, position).then(
      () => { for (const release of releases) release() },
      (err: unknown) => { this.#failure ??= outputError(err, shard.writePath ?? '') }
    ).finally(() => {
      this.#inFlight -= bytes
      this.#writes.delete(write)
    })
    this.#writes.add(write)
  }

  async #drain (window: number): Promise<void> {
    while (this.#inFlight > window && this.#writes.size > 0) await Promise.race(this.#writes)
    if (this.#failure !== undefined) throw this.#failure
  }

  async #rollOver (): Promise<void> {
    if (this.#current !== null) await this.#closeShard()
    await this.#startShard()
  }

  async #startShard (): Promise<void> {
    const index = this.#shards.length
    const target = this.#options.target
    const path = target.kind === 'file' ? target.path : target.kind === 'dir' ? join(target.path, shardFileName(index)) : null
    const writePath = path === null ? null : `${path}${PARTIAL_SUFFIX}`
    const header = encodeCarHeader(this.#options.root ?? placeholderRoot(this.#options.rootByteLength))
    let handle: FileHandle | null = null
    if (writePath !== null) {
      this.#created.push(writePath)
      try {
        handle = await open(writePath, 'w')
      } catch (err) {
        throw outputError(err, writePath)
      }
    }
    const shard: Shard = {
      index,
      path,
      writePath,
      handle,
      hash: this.#options.root !== undefined ? createHash('sha256') : null,
      bytes: header.byteLength,
      blocks: 0
    }
    shard.hash?.update(header)
    this.#shards.push(shard)
    this.#current = shard
    this.#position = 0
    if (handle !== null) {
      this.#iovecs.push(header)
      this.#pendingBytes += header.byteLength
    }
  }

  async #closeShard (): Promise<void> {
    const shard = this.#current
    if (shard === null) return
    this.#flush()
    await this.#drain(0)
    if (shard.handle !== null) {
      await shard.handle.close()
      shard.handle = null
    }
    this.#current = null
    if (shard.hash !== null) {
      shard.carCid = carCidFromHash(shard.hash).toString()
      shard.hash = null
      await this.#publish(shard)
      await this.#options.onShard?.(info(shard))
    }
  }
}

function info (shard: Shard): ShardInfo & { index: number } {
  if (shard.carCid === undefined) throw new Error(`shard ${shard.index + 1} is not finished`)
  return { index: shard.index, path: shard.path, carCid: shard.carCid, bytes: shard.bytes, blocks: shard.blocks }
}

/** writev until every byte is down (a regular file rarely takes less, but it may). */
async function writeAll (handle: FileHandle, iovecs: Uint8Array[], position: number): Promise<void> {
  let buffers = iovecs
  let at = position
  for (;;) {
    const { bytesWritten } = await handle.writev(buffers, at)
    at += bytesWritten
    let skip = bytesWritten
    let i = 0
    while (i < buffers.length && skip >= buffers[i].byteLength) skip -= buffers[i++].byteLength
    if (i === buffers.length) return
    buffers = [buffers[i].subarray(skip), ...buffers.slice(i + 1)]
  }
}

/** Overwrites the header in place and returns the CAR CID of the finished file, reading it back in large pieces. */
async function patchAndHash (path: string, header: Uint8Array): Promise<string> {
  const handle = await open(path, 'r+')
  try {
    await handle.write(header, 0, header.byteLength, 0)
    const hash = createHash('sha256')
    let buffers = [Buffer.allocUnsafeSlow(HASH_READ_BYTES), Buffer.allocUnsafeSlow(HASH_READ_BYTES)]
    let position = 0
    // read the next piece while hashing this one
    let reading = handle.read(buffers[0], 0, HASH_READ_BYTES, position)
    for (;;) {
      const { bytesRead } = await reading
      if (bytesRead === 0) break
      const current = buffers[0]
      position += bytesRead
      reading = handle.read(buffers[1], 0, HASH_READ_BYTES, position)
      hash.update(current.subarray(0, bytesRead))
      buffers = [buffers[1], buffers[0]]
    }
    return carCidFromHash(hash).toString()
  } finally {
    await handle.close()
  }
}
