import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'

export const DAG_PB = 0x70
export const RAW = 0x55

/**
 * The CIDs a block links to. dag-pb links are followed; raw blocks are leaves. Blocks of other codecs
 * (dag-cbor, dag-json…) are treated as leaves: the service stores and serves them but does not follow
 * their links when deciding whether a DAG is complete (documented in src/server/README.md).
 */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code !== DAG_PB) return []
  return dagPb.decode(bytes).Links.map(l => l.Hash)
}
