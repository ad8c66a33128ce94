import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import * as raw from 'multiformats/codecs/raw'
import * as dagPb from '@ipld/dag-pb'

export const SHA2_256_CODE = 0x12
export const RAW_CODE = raw.code
export const DAG_PB_CODE = dagPb.code

/** One block of the DAG on its way to the CAR. `release` hands a pooled buffer back once the bytes are written. */
export interface Block {
  cid: CID
  bytes: Uint8Array
  release?: () => void
}

/**
 * A link to a finished node: `size` is the cumulative DAG bytes (the dag-pb Tsize), `contentSize` the file bytes under
 * it (UnixFS blocksizes; 0 for directories).
 */
export interface DagLink {
  cid: CID
  size: number
  contentSize: number
}

/** sha2-256 on node:crypto (native, SHA-NI where present) — far faster than the pure-JS hasher for megabyte leaves. */
export function sha256 (bytes: Uint8Array): Digest.Digest<typeof SHA2_256_CODE, number> {
  const hash = createHash('sha256').update(bytes).digest()
  return Digest.create(SHA2_256_CODE, new Uint8Array(hash.buffer, hash.byteOffset, hash.byteLength))
}

export function rawCid (bytes: Uint8Array): CID {
  return CID.createV1(RAW_CODE, sha256(bytes))
}

export function dagPbCid (bytes: Uint8Array, version: 0 | 1): CID {
  const digest = sha256(bytes)
  return version === 0 ? CID.createV0(digest) : CID.createV1(DAG_PB_CODE, digest)
}
