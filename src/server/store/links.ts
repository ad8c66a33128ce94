import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'

export const DAG_PB = 0x70
export const RAW = 0x55

/** Codecs whose links are followed when deciding whether a DAG is complete (those the PSA spec names). */
const CODECS = new Map<number, { decode: (bytes: Uint8Array) => unknown }>([
  [dagCbor.code, dagCbor],
  [dagJson.code, dagJson]
])

/** Whether blocks of this codec can link to others (raw and unknown codecs are leaves). */
export function hasLinks (code: number): boolean {
  return code === DAG_PB || CODECS.has(code)
}

/** The CIDs a block links to: dag-pb links, and every CID inside a dag-cbor or dag-json value. */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === DAG_PB) return dagPb.decode(bytes).Links.map(l => l.Hash)
  const codec = CODECS.get(cid.code)
  if (codec === undefined) return []
  const block = createUnsafe({ bytes, cid, value: codec.decode(bytes), codec: codec as never })
  return [...block.links()].map(([, link]) => link as CID)
}
