import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import { defineError } from '../errors.js'

/** Multihash codes we can check. Anything else is refused rather than stored unverified. */
export const SHA2_256 = 0x12
export const IDENTITY = 0x00

/** Largest block accepted: the IPFS ecosystem's 2 MiB (1 MiB · 2) bitswap limit, as web3.storage enforced. */
export const DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024

export const BlockHashMismatchError = defineError('ERR_BLOCK_HASH_MISMATCH')
export const UnsupportedHashError = defineError('ERR_UNSUPPORTED_HASH')

/** true when `bytes` hash to the multihash inside `cid`. Throws UnsupportedHashError for hash functions we cannot check. */
export function blockMatches (cid: CID, bytes: Uint8Array): boolean {
  const { code, digest } = cid.multihash
  if (code === SHA2_256) {
    const actual = createHash('sha256').update(bytes).digest()
    return actual.length === digest.length && actual.equals(digest)
  }
  if (code === IDENTITY) {
    return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).equals(bytes)
  }
  throw new UnsupportedHashError(`Block ${cid.toString()} uses multihash 0x${code.toString(16)}, which pinship cannot verify. ` +
    'Re-encode the DAG with sha2-256 (the default of ipfs-car, Kubo and pinship).')
}

/** Throws BlockHashMismatchError unless `bytes` hash to `cid`. */
export function verifyBlock (cid: CID, bytes: Uint8Array): void {
  if (!blockMatches(cid, bytes)) {
    throw new BlockHashMismatchError(`Block ${cid.toString()} does not hash to its CID (${bytes.length} bytes): ` +
      'the CAR is corrupt or was altered. Re-create it and upload again.')
  }
}
