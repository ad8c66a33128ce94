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

/** Journal records. Each is one line, so each is applied whole or not at all. */
export type JournalRecord =
  | { t: 'commit', seg: string | null, blocks: SegmentEntry[], upload?: UploadRecord }
  | { t: 'complete', cid: string, dagSize: number }
  | { t: 'unupload', user: string, cid: string }
  | { t: 'pin', pin: PinRecord }
  | { t: 'unpin', requestid: string }
  | { t: 'replace', old: string, pin: PinRecord }
