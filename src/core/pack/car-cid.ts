import { createHash, type Hash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { SHA2_256_CODE } from './block.js'

/** Multicodec `car`: a CID over a whole CAR file's bytes ("bag…" in base32), as web3.storage names shards. */
export const CAR_CODEC = 0x0202

/** The CAR CID of bytes already hashed with sha2-256. */
export function carCidFromHash (hash: Hash): CID {
  const digest = hash.digest()
  return CID.createV1(CAR_CODEC, Digest.create(SHA2_256_CODE, new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)))
}

/** CAR CID (sha2-256, codec 0x0202) of a CAR given as bytes or as a stream of byte chunks. */
export async function carCid (car: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<CID> {
  const hash = createHash('sha256')
  if (car instanceof Uint8Array) {
    hash.update(car)
  } else {
    for await (const chunk of car) hash.update(chunk)
  }
  return carCidFromHash(hash)
}
