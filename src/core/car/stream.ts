import { asyncIterableReader, limitReader, readBlockHead, readHeader } from '@ipld/car/decoder'
import type { CID } from 'multiformats/cid'
import { varint } from 'multiformats'
import { InvalidCarError, isPinshipError } from '../errors.js'
import { DEFAULT_MAX_BLOCK_BYTES, verifyBlock } from './verify.js'

/** A CAR header longer than this is not a header anyone writes; refuse before buffering it. */
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024

export interface CarStreamOptions {
  /** Refuse blocks larger than this. @default DEFAULT_MAX_BLOCK_BYTES */
  maxBlockBytes?: number
  /** Check each block's bytes against its CID. @default true */
  verify?: boolean
}

export interface CarBlock {
  cid: CID
  bytes: Uint8Array
}

export interface CarStream extends AsyncIterable<CarBlock> {
  version: 1 | 2
  roots: CID[]
}

/**
 * Opens a CAR (v1 or v2) arriving as a byte stream: reads the header, then iterates its blocks one at a time,
 * each checked against its CID and the size limit before it is yielded. Nothing but the current block is held.
 * Every problem is an InvalidCarError (or BlockHashMismatchError / UnsupportedHashError from verify.ts).
 */
export async function openCarStream (source: AsyncIterable<Uint8Array>, options: CarStreamOptions = {}): Promise<CarStream> {
  const maxBlockBytes = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
  const verify = options.verify ?? true
  let reader = asyncIterableReader(source)

  const lead = await reader.upTo(10)
  if (lead.length === 0) throw new InvalidCarError('The CAR is empty: expected a CAR header. Send the bytes of a .car file.')
  let headerLength: number
  try {
    headerLength = varint.decode(lead)[0]
  } catch (err) {
    throw new InvalidCarError('The body does not start with a CAR header length: it is not a CAR file.', { cause: err })
  }
  if (headerLength > DEFAULT_MAX_HEADER_BYTES) {
    throw new InvalidCarError(`The CAR header claims ${headerLength} bytes (limit ${DEFAULT_MAX_HEADER_BYTES}): it is not a CAR file.`)
  }
  let header
  try {
    header = await readHeader(reader)
  } catch (err) {
    if (isPinshipError(err)) throw err
    throw new InvalidCarError(`Invalid CAR header: ${(err as Error).message}. Send a CARv1 or CARv2 file.`, { cause: err })
  }
  if (header.version === 2) {
    const consumed = reader.pos - header.dataOffset
    reader = limitReader(reader, header.dataSize - consumed)
  }
  const r = reader

  async function * blocks (): AsyncGenerator<CarBlock> {
    while (true) {
      const next = await r.upTo(8)
      if (next.length === 0) return
      let head
      try {
        head = await readBlockHead(r)
      } catch (err) {
        if (isPinshipError(err)) throw err
        throw new InvalidCarError(`Invalid CAR block section at byte ${r.pos}: ${(err as Error).message}. The CAR is truncated or corrupt.`, { cause: err })
      }
      if (head.blockLength < 0) throw new InvalidCarError(`Invalid CAR block section at byte ${r.pos}: negative block length.`)
      if (head.blockLength > maxBlockBytes) {
        throw new InvalidCarError(`Block ${head.cid.toString()} is ${head.blockLength} bytes, over the ${maxBlockBytes}-byte block limit. ` +
          'Re-pack with a smaller chunk size (pinship and ipfs-car use 1 MiB).')
      }
      let bytes: Uint8Array
      try {
        bytes = await r.exactly(head.blockLength, true)
      } catch (err) {
        // errors of the source itself (body too large, client gone) keep their own meaning
        if (isPinshipError(err)) throw err
        throw new InvalidCarError(`The CAR ends inside block ${head.cid.toString()}: the upload was truncated. Send the whole file.`, { cause: err })
      }
      if (verify) verifyBlock(head.cid, bytes)
      yield { cid: head.cid, bytes }
    }
  }

  return { version: header.version, roots: header.roots, [Symbol.asyncIterator]: blocks }
}
