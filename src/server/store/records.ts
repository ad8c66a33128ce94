import type { SegmentEntry } from './blocks.js'

/** Which API face created an upload; both list in either face (one store, several faces). */
export type UploadApi = 'web3' | 'nft'

/** One user's upload of one root CID. Re-uploading the same root updates it (idempotent). */
export interface UploadRecord {
  id: string
  /** Hash of the user's token: tokens themselves never reach the disk. */
  user: string
  cid: string
  name: string
  created: string
  /** Last time a CAR or file upload for this root arrived; the pending timeout counts from here. */
  updated: string
  api: UploadApi
  /** MIME type, or 'directory' for several files (NFT.Storage's `type`). */
  type?: string
  files?: Array<{ name: string, type: string }>
  /** Absolute path given with informProgress=true (seed 004), so /progress can answer "completed" later. */
  path?: string
}

/** A Pinning Service API pin request. */
export interface PinRecord {
  requestid: string
  user: string
  cid: string
  name?: string
  origins: string[]
  meta: Record<string, string>
  created: string
}

/**
 * A Pinata pin-by-CID request (legacy `POST /pinning/pinByHash`). It is a job (`/pinning/pinJobs`) while its DAG is
 * incomplete and a pin (`/data/pinList`) once complete. Unpinning keeps the record, marked, for `status=unpinned`.
 */
export interface PinataPinRecord {
  id: string
  user: string
  cid: string
  name?: string
  keyvalues: Record<string, string | number>
  hostNodes: string[]
  created: string
  /** When it was unpinned; unset while pinned or queued. */
  unpinned?: string
  /** date_pinned as it was when unpinned. */
  pinned?: string
}

/** Journal records. Each is one line, so each is applied whole or not at all. */
export type JournalRecord =
  /**
   * An upload: its new blocks (indexed in `seg`) and record. `also` lists blocks it carried that were stored already:
   * while its DAG is incomplete, garbage collection cannot reach them from the root, so they are kept for it by name.
   */
  | { t: 'commit', seg: string | null, blocks: SegmentEntry[], upload?: UploadRecord, also?: string[] }
  | { t: 'complete', cid: string, dagSize: number, at?: string }
  | { t: 'unupload', user: string, cid: string }
  | { t: 'pin', pin: PinRecord }
  | { t: 'unpin', requestid: string }
  | { t: 'replace', old: string, pin: PinRecord }
  | { t: 'pinata-pin', pin: PinataPinRecord, replaces?: string }
  /** Pinata unpin: drops the user's pins of `cid` in every face (uploads, PSA pins, Pinata pins) and keeps `record`, unpinned. */
  | { t: 'pinata-unpin', user: string, cid: string, record: PinataPinRecord }
  /**
   * Garbage collection: `blocks` were copied into segment `seg`; the `drop` segments and every block still indexed in
   * them are gone; the roots in `forget` are no longer known complete (nothing references them, their blocks may be gone).
   */
  | { t: 'collect', seg: string | null, blocks: SegmentEntry[], drop: string[], forget: string[] }
  /**
   * Blocks fetched from other nodes for a pin by CID of `root` (indexed in `seg`, null when all were stored already).
   * While the DAG is incomplete they are kept for collection by name, like an upload's (`also`: stored already).
   */
  | { t: 'fetch', root: string, seg: string | null, blocks: SegmentEntry[], also?: string[] }
  /** Fetching `cid` ended without the whole DAG: requests made before `at` report `status` (a Pinata job state). */
  | { t: 'fetch-failed', cid: string, status: FetchFailure, reason: string, at: string }
  /** A batch and its root block (indexed in `seg`, null when it was stored already). */
  | { t: 'batch', batch: BatchRecord, seg: string | null, blocks: SegmentEntry[] }
  | { t: 'batch-piece', piece: BatchPiece }

/**
 * A batch of complete uploads and pins aggregated for (local) Filecoin deals: a dag-pb node `root` linking to each
 * entry's root; `selector` is the path of links from `root` to it (seed 000's `datamodelSelector`).
 */
export interface BatchRecord {
  id: number
  root: string
  created: string
  entries: Array<{ cid: string, selector: string, dagSize: number }>
}

/** The batch CAR's Filecoin piece, computed once the batch root is stored; deals are proposed at `at`. */
export interface BatchPiece { id: number, pieceCid: string, pieceSize: number, carBytes: number, at: string }

/** How a fetch of a pinned CID from other nodes can end short of the whole DAG (seed 002's job states). */
export type FetchFailure = 'expired' | 'over_max_size' | 'invalid_object' | 'bad_host_node'
