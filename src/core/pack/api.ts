import type { ProgressOptions, ProgressEvent } from '../progress.js'

/** Named CID profiles. Each reproduces one outside tool's CIDs exactly (see README "CID profiles"). */
export type ProfileName = 'unixfs-v1-2025' | 'unixfs-v0-2015' | 'ipfs-car'
export const PROFILE_NAMES: readonly ProfileName[] = ['unixfs-v1-2025', 'unixfs-v0-2015', 'ipfs-car']
export const DEFAULT_PROFILE: ProfileName = 'unixfs-v1-2025'
/** Upper bound for one shard when sharding for an upload (services cap a request at 100 MB). */
export const DEFAULT_UPLOAD_SHARD_SIZE = 100_000_000

export interface PackOptions extends ProgressOptions {
  /** @default DEFAULT_PROFILE */
  profile?: ProfileName
  /** Include dot-files and dot-folders (a site's `.well-known/` must ship). @default true */
  hidden?: boolean
  /**
   * Leave out entries for which this returns true (paths relative to the packed folder, POSIX separators, no leading
   * `./`). An ignored directory is not descended into. Applied after `hidden`. @default undefined (nothing ignored)
   */
  ignore?: (relativePosixPath: string, isDirectory: boolean) => boolean
  /** Wrap a single file in a directory. @default false */
  wrap?: boolean
  /**
   * Where the CAR goes. Without `shardSize`: a file path. With `shardSize`: a directory that receives
   * shard-0001.car, shard-0002.car, … @default undefined (nothing written; CIDs only)
   */
  output?: string
  /** Split into CARv1 shards of at most this many bytes each, every shard carrying the root. @default undefined (one CAR) */
  shardSize?: number
  /** Accept a folder with no files (otherwise EmptyInputError). @default false */
  allowEmpty?: boolean
  /**
   * Called when a shard file is complete on disk (its header root is final). Lets deploy upload shard i
   * while later shards are still being written. Awaited: the packer applies back-pressure through it.
   *
   * Timing: the root is only known once every block is hashed, so with `onShard` the packer makes two passes — the
   * first computes the root (nothing written), the second writes each shard with its final header and calls
   * `onShard` right after that shard's file is closed and renamed into place, before the next shard is started.
   * Every call therefore happens before `pack()` resolves, in index order, with `carCid` already computed. Without
   * `onShard` (and with `output`) one pass writes placeholder headers and patches them at the end.
   */
  onShard?: (shard: ShardInfo & { index: number }) => void | Promise<void>
  /**
   * With two passes: called once the first pass has the root, before anything is written, with what the second
   * pass will produce (shard count, total CAR bytes, and the bytes of the same blocks joined in one CAR).
   */
  onPlan?: (plan: PackPlan) => void
  /**
   * Compute each shard's CAR CID. Without `output`, `false` packs in one pass instead of two (the CAR CIDs need the
   * root in every header, so they take a second pass): `shards` is then empty while `cid`, `files`, `bytes`,
   * `carBytes` and `blocks` stay exact. For callers that want only the root and sizes (a Terraform plan).
   * Ignored when `output` is given. @default true
   */
  carCids?: boolean
  /**
   * Folder of the pack cache: what hashing each file gave, keyed by device, inode, size, mtime and ctime, so an
   * unchanged file is not read again to compute the root (see README "Pack cache"). The front ends pass
   * `defaultCacheDir()` unless told `--no-cache`. @default undefined (no cache)
   */
  cacheDir?: string
  /**
   * Two-pass packs with `onShard` only: called once between the passes with every distinct block CID of the DAG (as
   * `toString()` gives them, in CAR order); answers the ones the destination already holds. Those blocks are left
   * out of the shards, whose header root stays the final root (a partial DAG: the CAR carries what is missing, a
   * header-only CAR when nothing is). A file whose every leaf is held and whose pack-cache entry is trusted is not
   * read again. Holds the DAG's CIDs in memory (about 60 bytes a block). @default undefined (every block written)
   */
  skipHeld?: (cids: string[]) => Promise<ReadonlySet<string>>
  /**
   * With `skipHeld` and `cacheDir`: when the pack cache remembers this very tree (every file's entry trusted, same
   * names and options) and its root, asked first whether the destination already holds that root's whole DAG. If
   * it answers true, no file is read and no block listed: one header-only CAR is written. @default undefined
   */
  holdsRoot?: (root: string) => Promise<boolean>
  signal?: AbortSignal
}

export interface PackPlan {
  cid: string
  shards: number
  carBytes: number
  wholeCarBytes: number
}

export interface ShardInfo {
  /** File written, or null when nothing was written. */
  path: string | null
  /** CAR CID of the shard's bytes: sha2-256, multicodec car (0x0202), base32 "bag…". */
  carCid: string
  bytes: number
  blocks: number
}

export interface PackResult {
  cid: string
  profile: ProfileName
  /** Number of files packed. */
  files: number
  /** Sum of the files' sizes. */
  bytes: number
  /** Total CAR bytes over all shards. */
  carBytes: number
  /** Number of blocks (each in exactly one shard). */
  blocks: number
  shards: ShardInfo[]
  /** With `skipHeld`: blocks (and their bytes) left out because the destination holds them; `blocks` counts the rest. */
  skippedBlocks?: number
  skippedBytes?: number
}

/** What a pass over the files is for: the root CID (first of two passes), or the CAR itself. */
export type PackPhase = 'root CID' | 'CAR'

export type PackProgressEvent =
  | ProgressEvent<'pinship:pack:start', { path: string, files: number, bytes: number }>
  /**
   * Throttled. Counts within one pass over the files: with two passes (`onShard`, or no `output`) pass 1 computes
   * the root CID and pass 2 writes (or hashes) the CAR, each from 0 to the files' total; `phase` names the pass.
   */
  | ProgressEvent<'pinship:pack:bytes', { bytes: number, totalBytes: number, files: number, totalFiles: number, pass: number, passes: number, phase: PackPhase }>
  | ProgressEvent<'pinship:pack:shard', ShardInfo & { index: number }>
  | ProgressEvent<'pinship:pack:done', PackResult>
  /** The pack cache could not be used or written; the pack goes on without it (never a wrong CID). */
  | ProgressEvent<'pinship:pack:warning', { message: string }>
  /** Before the first read: files whose root came from the cache, files to hash. */
  | ProgressEvent<'pinship:pack:cache', { dir: string, hits: number, misses: number, hitBytes: number }>
