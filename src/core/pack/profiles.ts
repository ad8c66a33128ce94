import { UnknownProfileError } from '../errors.js'
import { PROFILE_NAMES, type ProfileName } from './api.js'

/** How a profile decides that a directory becomes a HAMT-sharded directory. */
export type ShardRule =
  /** Exact serialized size of the flat node (IPIP-499 "block" estimation), as ipfs-unixfs-importer's 'block-bytes'. */
  | { kind: 'block-bytes', thresholdBytes: number }
  /** Sum of link name bytes + CID bytes (boxo's legacy estimate), as ipfs-unixfs-importer's 'links-bytes'. */
  | { kind: 'links-bytes', thresholdBytes: number }
  /** More than this many entries, as ipfs-car (its directory builder counts entries). */
  | { kind: 'entries', maxEntries: number }

/** One named bundle of every setting that changes a CID. */
export interface CidProfile {
  readonly name: ProfileName
  /** CID version of dag-pb nodes. Raw leaves are always CIDv1. */
  readonly cidVersion: 0 | 1
  /** Leaves as raw blocks (true) or as dag-pb UnixFS file nodes (false). */
  readonly rawLeaves: boolean
  readonly chunkSize: number
  /** Most links in one file node of the balanced layout. */
  readonly maxLinks: number
  readonly shard: ShardRule
  /** Bits of the HAMT hash used per level (256-way fan-out). */
  readonly hamtFanoutBits: number
  /** Directories without files are kept (importer, Kubo) or dropped (ipfs-car lists files only). */
  readonly keepEmptyDirectories: boolean
  /**
   * ipfs-car roots a folder at the deepest directory that holds every file (its file list drops the common prefix)
   * and, when only one file is left, at that file unless wrapped.
   */
  readonly rootAtCommonDirectory: boolean
}

/** The importer's threshold: a directory whose estimate passes 256 KiB becomes a HAMT. */
export const DEFAULT_SHARD_THRESHOLD_BYTES = 262_144
/** ipfs-car shards a directory holding more than 1000 entries. */
export const IPFS_CAR_MAX_FLAT_ENTRIES = 1000
export const DEFAULT_HAMT_FANOUT_BITS = 8

const PROFILES: Readonly<Record<ProfileName, CidProfile>> = {
  'unixfs-v1-2025': {
    name: 'unixfs-v1-2025',
    cidVersion: 1,
    rawLeaves: true,
    chunkSize: 1_048_576,
    maxLinks: 1024,
    shard: { kind: 'block-bytes', thresholdBytes: DEFAULT_SHARD_THRESHOLD_BYTES },
    hamtFanoutBits: DEFAULT_HAMT_FANOUT_BITS,
    keepEmptyDirectories: true,
    rootAtCommonDirectory: false
  },
  'unixfs-v0-2015': {
    name: 'unixfs-v0-2015',
    cidVersion: 0,
    rawLeaves: false,
    chunkSize: 262_144,
    maxLinks: 174,
    shard: { kind: 'links-bytes', thresholdBytes: DEFAULT_SHARD_THRESHOLD_BYTES },
    hamtFanoutBits: DEFAULT_HAMT_FANOUT_BITS,
    keepEmptyDirectories: true,
    rootAtCommonDirectory: false
  },
  'ipfs-car': {
    name: 'ipfs-car',
    cidVersion: 1,
    rawLeaves: true,
    chunkSize: 1_048_576,
    maxLinks: 1024,
    shard: { kind: 'entries', maxEntries: IPFS_CAR_MAX_FLAT_ENTRIES },
    hamtFanoutBits: DEFAULT_HAMT_FANOUT_BITS,
    keepEmptyDirectories: false,
    rootAtCommonDirectory: true
  }
}

/** The settings bundle for a profile name; throws UnknownProfileError naming the valid ones. */
export function resolveProfile (name: string): CidProfile {
  if (Object.prototype.hasOwnProperty.call(PROFILES, name)) return PROFILES[name as ProfileName]
  throw new UnknownProfileError(`Unknown CID profile "${name}". Use one of: ${PROFILE_NAMES.join(', ')}.`)
}

/** Byte length of every root CID this profile produces (all sha2-256): CIDv0 34, CIDv1 36. */
export function rootCidLength (profile: CidProfile): number {
  return profile.cidVersion === 0 ? 34 : 36
}
