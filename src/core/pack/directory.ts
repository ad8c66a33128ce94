import { varint } from 'multiformats'
import type { DagLink } from './block.js'
import type { BlockOut } from './file-dag.js'
import { writeHamtDirectory } from './hamt.js'
import type { CidProfile } from './profiles.js'
import { encodeFlatDirectory } from './unixfs-nodes.js'

export interface DirectoryChild {
  name: string
  link: DagLink
  /**
   * Whether the importer counts this link when it estimates the directory's size: files and childless directories
   * are counted; directories with children are not, because the importer only knows their CID once the whole
   * tree is flushed, after it has decided. Reproduced so the CIDs stay the importer's.
   */
  counted: boolean
}

const encoder = new TextEncoder()

/** Bytes of a protobuf length-delimited field with a 1-byte tag. */
function lengthDelimited (length: number): number {
  return 1 + varint.encodingLength(length) + length
}

/** Bytes one link adds to a dag-pb node: Hash, Name and Tsize fields inside the repeated Links field. */
function serializedLinkSize (nameBytes: number, cidBytes: number, tsize: number): number {
  const inner = lengthDelimited(cidBytes) + lengthDelimited(nameBytes) + 1 + varint.encodingLength(tsize)
  return lengthDelimited(inner)
}

/** Data field of a bare UnixFS directory (type only: 08 01), wrapped in the PBNode Data field. */
const DIRECTORY_DATA_FIELD_BYTES = lengthDelimited(2)

/** Whether the profile turns this directory into a HAMT. */
export function shouldShard (children: readonly DirectoryChild[], profile: CidProfile): boolean {
  const rule = profile.shard
  if (rule.kind === 'entries') return children.length > rule.maxEntries
  let estimate = rule.kind === 'block-bytes' ? DIRECTORY_DATA_FIELD_BYTES : 0
  for (const c of children) {
    if (!c.counted) continue
    const nameBytes = encoder.encode(c.name).byteLength
    estimate += rule.kind === 'block-bytes'
      ? serializedLinkSize(nameBytes, c.link.cid.byteLength, c.link.size)
      : nameBytes + c.link.cid.byteLength
  }
  return estimate > rule.thresholdBytes
}

/** Writes a directory node (flat or HAMT, per the profile) after its children and returns its link. */
export async function writeDirectory (children: readonly DirectoryChild[], profile: CidProfile, out: BlockOut): Promise<DagLink> {
  if (shouldShard(children, profile)) {
    return await writeHamtDirectory(children, profile.hamtFanoutBits, profile.cidVersion, out)
  }
  const node = encodeFlatDirectory(children, profile.cidVersion)
  await out({ cid: node.cid, bytes: node.bytes })
  return node.link
}
