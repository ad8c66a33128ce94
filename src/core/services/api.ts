import type { ProgressOptions } from '../progress.js'

/** The common pin state model every adapter maps onto (services.md "Common state model"). */
export type PinState = 'queued' | 'pinning' | 'pinned' | 'failed'
export type DealState = 'queued' | 'published' | 'active' | 'failed'

export interface Deal {
  status: DealState
  /** Service's own status word, kept for display. */
  rawStatus?: string
  dealId?: number | string
  storageProvider?: string
  pieceCid?: string
  activation?: string
  expiration?: string
}

/** One peer's pin of a CID, for services that report per-peer pins (web3.storage's pins[]). */
export interface PeerPin {
  peerId?: string
  peerName?: string
  pin: PinState | null
  /** The service's own status word. */
  rawStatus?: string
}

export interface ServiceStatus {
  cid: string
  /** null when the service does not know the CID. */
  pin: PinState | null
  deals: Deal[]
  /** Per-peer pins, when the service reports them (`pin` is their combination). */
  peers?: PeerPin[]
  /** Service's raw status words for display (e.g. "PinQueued", "prechecking"). */
  rawStatus?: string
}

/** One entry of a service's listing. */
export interface ListedPin {
  cid: string
  name?: string
  created?: string
  pin: PinState | null
}

/** One pin request of a Pinning Service API, as the service describes it (GET /pins/{requestid}). */
export interface PinRequest {
  requestId: string
  cid: string
  /** null when the service sent a state outside the spec. */
  pin: PinState | null
  rawStatus?: string
  created?: string
  name?: string
  origins: string[]
  meta: Record<string, string>
  /** Multiaddrs of the service's own peers that will hold the content. */
  delegates: string[]
}

/** What a pin request asks for besides the CID. */
export interface PinFields {
  name?: string
  /** Multiaddrs of peers that already hold the content. */
  origins?: string[]
  meta?: Record<string, string>
}

export interface ServiceConfig {
  /** Registry slug: local, web3storage, nftstorage, psa, pinata, kubo, cluster, filebase. */
  service: string
  endpoint?: string
  token?: string
  /** Per-service extras (e.g. filebase bucket, S3 key/secret, pinata gateway). */
  extras?: Record<string, string>
}

export interface ShardUpload {
  /** Shard file on disk (CARv1, header root = root). */
  path: string
  bytes: number
  carCid: string
  index: number
  count: number
}

export interface RequestOptions extends ProgressOptions {
  signal?: AbortSignal
  /** Upload progress: running count of request-body bytes sent (uploads only). */
  onBytes?: (bytes: number) => void
}

/** What an upload of one shard told us. */
export interface UploadReceipt {
  /** The root CID the service reports for what it stored. Compared with the local root by deploy. */
  cid: string
  /** Service id for later status calls (PSA requestid, Pinata job id…), if any. */
  requestId?: string
}

/**
 * One adapter per service. Adapters translate requests and responses only: no retries, no polling, no
 * sleeping. They throw PinshipError subclasses (AuthError, RateLimitedError with retryAfterMs, TooLargeError…).
 */
export interface PinningService {
  readonly slug: string
  readonly endpoint: string
  /** Largest request body the service accepts; deploy shards below it. */
  readonly maxRequestBytes: number
  /** Whether several CARs with the same root accumulate (so shards can be uploaded separately). */
  readonly acceptsShards: boolean
  /** Whether the service can take content by upload; false for pin-by-CID-only services (psa). */
  readonly uploads: boolean
  /** Whether status() reports Filecoin deals (so `--wait deal` can be met). @default false */
  readonly reportsDeals?: boolean
  uploadCar?(root: string, shard: ShardUpload, options?: RequestOptions & { name?: string }): Promise<UploadReceipt>
  /**
   * Which of these block CIDs the service already holds for this account (the strings given back as given). With
   * it, deploy uploads only missing blocks (CARs whose header root is the final root). At most `maxCheckCids` a call.
   */
  checkBlocks?(cids: string[], options?: RequestOptions): Promise<string[]>
  /** Most CIDs in one `checkBlocks` call. */
  readonly maxCheckCids?: number
  pin?(cid: string, options?: RequestOptions & PinFields): Promise<UploadReceipt>
  /** One pin request by its id; null when the service no longer has it (deleted or replaced). */
  getPin?(requestId: string, options?: RequestOptions): Promise<PinRequest | null>
  /** PSA replace (POST /pins/{requestid}): a new request (new id) takes the old one's place. */
  replacePin?(requestId: string, cid: string, options?: RequestOptions & PinFields): Promise<UploadReceipt>
  /** Remove one pin request; false when it was already gone. */
  removePin?(requestId: string, options?: RequestOptions): Promise<boolean>
  unpin?(cid: string, options?: RequestOptions): Promise<void>
  status(cid: string, options?: RequestOptions & { requestId?: string }): Promise<ServiceStatus>
  list?(options?: RequestOptions & { limit?: number }): Promise<ListedPin[]>
  /**
   * This account's own record of `cid` (its name and when it was first stored), for services that keep one record
   * per account and CID (web3.storage uploads); null when the account has none.
   */
  record?(cid: string, options?: RequestOptions): Promise<ListedPin | null>
}

export type ServiceFactory = (config: ServiceConfig) => PinningService
