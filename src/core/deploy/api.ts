import type { ProgressOptions } from '../progress.js'
import type { PackResult, ProfileName } from '../pack/api.js'
import type { RetryOptions } from '../retry.js'
import type { Deal, PinState, ServiceConfig } from '../services/api.js'

export type WaitFor = 'none' | 'uploaded' | 'pinned' | 'deal'
export const DEFAULT_WAIT: WaitFor = 'pinned'
export const DEFAULT_TIMEOUT_MS = 10 * 60_000

export interface DeployOptions extends ProgressOptions {
  /** Where to deploy; several = one pack, per-service results. */
  services: ServiceConfig[]
  /** @default DEFAULT_PROFILE */
  profile?: ProfileName
  /** @default true */
  hidden?: boolean
  /** Passed to pack(): see PackOptions.ignore. */
  ignore?: (relativePosixPath: string, isDirectory: boolean) => boolean
  /** Pin / upload name. */
  name?: string
  /** @default DEFAULT_WAIT */
  wait?: WaitFor
  /** Total time bound for waiting (and retries). @default DEFAULT_TIMEOUT_MS */
  timeoutMs?: number
  /** Shard size; default min(service limits, DEFAULT_UPLOAD_SHARD_SIZE). */
  shardSize?: number
  /** Gateways for URLs (and --verify). Default: the local service's gateway for `local`, else inbrowser.link + dweb.link. */
  gateways?: string[]
  /** Fetch the root through the first gateway as a trustless CAR and check it. @default false */
  verify?: boolean
  /** @default 'all' */
  require?: 'all' | 'any'
  /** @default false */
  allowEmpty?: boolean
  /** Folder of the pack cache (PackOptions.cacheDir). @default undefined (no cache) */
  cacheDir?: string
  /**
   * Keep the (unsharded) CAR at this path for later steps. When only missing blocks are uploaded (see README
   * "Incremental deploys"), the folder is packed once more for it after the uploads.
   */
  carPath?: string
  signal?: AbortSignal
  /** Shards uploaded at once per service. @default DEFAULT_UPLOAD_CONCURRENCY */
  concurrency?: number
  /** Retry policy for every request (tests scale delays down with `minDelayMs`). @default retry.ts defaults */
  retry?: RetryOptions
  /** Backoff between pin-state polls. @default { minDelayMs: DEFAULT_POLL_MIN_DELAY_MS, maxDelayMs: DEFAULT_POLL_MAX_DELAY_MS } */
  poll?: RetryOptions
  /** Idle timeout of the one look at each endpoint before packing. @default the smaller of DEFAULT_PREFLIGHT_TIMEOUT_MS and requestTimeoutMs */
  preflightTimeoutMs?: number
  /** Idle timeout of one request. @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number
}

export interface ServiceResult {
  service: string
  endpoint: string
  /** Final state reached: a pin state, 'uploaded' (wait=uploaded/none) or null if nothing was stored. */
  status: PinState | 'uploaded' | null
  deals: Deal[]
  error: { code: string, message: string } | null
  /** Service-side id for later status calls (PSA requestid, Pinata job id, S3 key), when there is one. */
  requestId?: string
  /** Raw status words of the last status answer, for display. */
  rawStatus?: string
  /** CAR bytes this service accepted (0 for pin-by-CID). */
  uploadedBytes: number
  /** Block bytes not sent because the service already held them (services that can tell, see checkBlocks). */
  skippedBytes: number
}

export interface VerifyResult {
  gateway: string
  ok: boolean
  /** Blocks received and checked. */
  blocks: number
  bytes: number
  error: { code: string, message: string } | null
}

export interface DeployResult {
  cid: string
  pack: PackResult
  results: ServiceResult[]
  /** Gateway URLs: for each gateway, path style then subdomain style. Empty when no service stored the content. */
  urls: string[]
  /** true when `require` is satisfied (and, with `verify`, the gateway check passed). */
  ok: boolean
  /** The gateway check, when `verify` was asked for. */
  verify?: VerifyResult
}
