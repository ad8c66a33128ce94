import * as CarBufferWriter from '@ipld/car/buffer-writer'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { DAG_PB_CODE, SHA2_256_CODE } from './block.js'

/** CARv1 header bytes (varint length + dag-cbor {roots, version: 1}) for one root. */
export function encodeCarHeader (root: CID): Uint8Array {
  const length = CarBufferWriter.headerLength({ roots: [root] })
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(length), { roots: [root] })
  return writer.close()
}

/**
 * A stand-in root of the same byte length as the real one (34 for CIDv0, 36 for CIDv1 sha2-256), so the header can be
 * written first and overwritten in place once the root is known, as ipfs-car does.
 */
export function placeholderRoot (cidByteLength: number): CID {
  const digest = Digest.create(SHA2_256_CODE, new Uint8Array(32))
  const cid = cidByteLength === 34 ? CID.createV0(digest) : CID.createV1(DAG_PB_CODE, digest)
  if (cid.byteLength !== cidByteLength) throw new Error(`no placeholder root of ${cidByteLength} bytes`)
  return cid
}
