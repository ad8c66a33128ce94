import { createHash } from 'node:crypto'
import { importer, type ImportCandidate } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { openCarStream } from '../core/car/stream.js'
import { DEFAULT_MAX_BLOCK_BYTES } from '../core/car/verify.js'
import { EmptyInputError, InvalidCarError } from '../core/errors.js'
import { blockLinks, hasLinks } from './store/links.js'
import type { NewUpload, Repo } from './store/repo.js'
import type { UploadRecord } from './store/records.js'

/** multicodec for a CAR file's own CID (`carCid`, "bag…"). */
export const CAR_CODEC = 0x0202
/** Server-side packing of POST /upload uses the project's default profile (IPIP-499). */
export const DEFAULT_UPLOAD_PROFILE = 'unixfs-v1-2025' as const

export interface IngestResult {
  record: UploadRecord
  carCid?: string
  /** Blocks received, and how many of them were new to the store. */
  blocks: number
  newBlocks: number
  bytes: number
}

export interface CarIngestOptions extends Omit<NewUpload, 'cid'> {
  /** @default DEFAULT_MAX_BLOCK_BYTES */
  maxBlockBytes?: number
}

/**
 * Stores one CAR: header with exactly one root, every block verified against its CID and size limit, all of it
 * staged to a temp segment and committed in one journal record. Any error discards everything staged: a bad
 * CAR is rejected whole.
 */
export async function ingestCar (repo: Repo, body: AsyncIterable<Uint8Array>, options: CarIngestOptions): Promise<IngestResult> {
  // the CAR's own CID (`carCid`); a worker thread measured no faster: ingest is bound by the disk
  const carHash = createHash('sha256')
  async function * hashed (): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      carHash.update(chunk)
      yield chunk
    }
  }
  const staging = repo.blocks.stage()
  try {
    const car = await openCarStream(hashed(), { maxBlockBytes: options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES })
    if (car.roots.length !== 1) {
      throw new InvalidCarError(`The CAR header has ${car.roots.length} roots; exactly one is required (the root CID of the upload). ` +
        'Create the CAR with a single root (pinship pack, ipfs-car pack).')
    }
    const root = car.roots[0]
    let blocks = 0
    for await (const block of car) {
      checkDecodes(block.cid, block.bytes)
      await staging.put(block.cid, block.bytes)
      blocks++
    }
    // A header-only CAR names a root the service already holds: it records an upload (name, time) of stored content
    // without sending any block (what an incremental re-deploy of unchanged content sends). Otherwise it is useless.
    if (blocks === 0 && !repo.blocks.has(root)) {
      throw new InvalidCarError(`The CAR has no blocks and this service does not hold its root ${root.toString()}. ` +
        'Send a CAR that contains the blocks of the DAG (a header-only CAR only records an upload of content already stored).')
    }
    const { maxBlockBytes: _max, ...upload } = options
    const digest = carHash.digest()
    const { record, segment } = await repo.commitUpload(staging, { ...upload, cid: root.toString() })
    const carCid = CID.createV1(CAR_CODEC, Digest.create(0x12, digest)).toString()
    return { record, carCid, blocks, newBlocks: segment.entries.length, bytes: segment.bytes }
  } catch (err) {
    await staging.abort()
    throw err
  }
}

/**
 * A block of a linking codec (dag-pb, dag-cbor, dag-json) must decode: its hash can match while its bytes are
 * not a valid node, and such a DAG could never be walked, so it would be stored only to stay failed forever.
 */
function checkDecodes (cid: CID, bytes: Uint8Array): void {
  if (!hasLinks(cid.code)) return
  try {
    blockLinks(cid, bytes)
  } catch (err) {
    throw new InvalidCarError(`Block ${cid.toString()} does not decode as its codec 0x${cid.code.toString(16)} (${(err as Error).message}): ` +
      'the CAR holds a malformed node. Re-create the CAR with a working encoder (pinship pack, ipfs-car pack).', { cause: err })
  }
}

/** One file of a multipart or single-blob upload. */
export interface FilePart { path: string, content: AsyncIterable<Uint8Array> }

export interface FilesIngestOptions extends Omit<NewUpload, 'cid'> {
  /** Wrap the files in a directory (multipart uploads); a single blob is stored as the file itself. */
  wrap: boolean
}

/** Packs files server-side with ipfs-unixfs-importer (profile unixfs-v1-2025) straight into a staging segment. */
export async function ingestFiles (repo: Repo, files: AsyncIterable<FilePart>, options: FilesIngestOptions): Promise<IngestResult> {
  const staging = repo.blocks.stage()
  let blocks = 0
  const blockstore = {
    put: async (cid: CID, bytes: Uint8Array): Promise<CID> => {
      await staging.put(cid, bytes)
      blocks++
      return cid
    }
  }
  try {
    let count = 0
    async function * candidates (): AsyncGenerator<ImportCandidate> {
      for await (const f of files) {
        count++
        yield { path: f.path, content: f.content }
      }
    }
    let root: CID | undefined
    for await (const entry of importer(candidates(), blockstore, {
      profile: DEFAULT_UPLOAD_PROFILE,
      wrapWithDirectory: options.wrap,
      // parts arrive one after another on one request stream
      fileImportConcurrency: 1
    })) {
      root = entry.cid
    }
    if (root === undefined || count === 0) throw new EmptyInputError('The upload contains no files. Send at least one file part (or a non-empty body).')
    const { wrap: _wrap, ...upload } = options
    const { record, segment } = await repo.commitUpload(staging, { ...upload, cid: root.toString() })
    return { record, blocks, newBlocks: segment.entries.length, bytes: segment.bytes }
  } catch (err) {
    await staging.abort()
    throw err
  }
}
