import type { ProgressOptions, ProgressEvent } from '../core/progress.js'
import type { RateLimit } from './http/auth.js'
import type { GcReport } from './store/repo.js'
import type { RetryOptions } from '../core/retry.js'
import type { FetchEvent } from './fetch/fetcher.js'
import type { DealSettings } from './deals/pipeline.js'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8787
/** Relative to the working directory, like `.git`: `pinship serve` in a project keeps its data beside it. */
export const DEFAULT_DATA_DIR = '.pinship'
/** How long close() waits for in-flight requests before cutting connections. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000
/** Retry-After sent with 503 while shutting down. */
export const DEFAULT_RETRY_AFTER_S = 5

/** With the local deal pipeline's settings (`DealSettings`: batch size and interval, deal delay, providers). */
export interface ServerOptions extends ProgressOptions, DealSettings {
  /** @default DEFAULT_PORT (0 picks a free port) */
  port?: number
  /** @default DEFAULT_HOST */
  host?: string
  /** Where blocks, journal, token and identity live. @default DEFAULT_DATA_DIR */
  dataDir?: string
  /** One user per token. @default a token generated once and stored in `<dataDir>/token` */
  tokens?: string[]
  /** Per-token request limit, 429 with Retry-After beyond it. @default undefined (off) */
  rateLimit?: RateLimit
  /**
   * Wrong tokens (any API, the login form) allowed per client address and window before every attempt from that
   * address gets 429; false turns it off. @default DEFAULT_FAILED_AUTH_LIMIT (20 per minute)
   */
  failedAuthLimit?: RateLimit | false
  /** How long an account page sign-in lasts. @default DEFAULT_SESSION_TTL_MS (8 h) */
  sessionTtlMs?: number
  /** A request body idle this long (no bytes while the server would take them) gets 408. @default DEFAULT_BODY_IDLE_TIMEOUT_MS (20 s) */
  bodyIdleTimeoutMs?: number
  /** Request headers must arrive within this long. @default DEFAULT_HEADERS_TIMEOUT_MS (20 s) */
  headersTimeoutMs?: number
  /** Connections no authenticated request has used, at most (the oldest idle one is closed past it). @default DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS (128) */
  maxUnauthenticatedConnections?: number
  /** Largest request body. @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number
  /** Largest block in a CAR. @default DEFAULT_MAX_BLOCK_BYTES */
  maxBlockBytes?: number
  /** Incomplete uploads and PSA pins turn failed after this long without new data. @default DEFAULT_PENDING_TIMEOUT_MS */
  pendingTimeoutMs?: number
  /**
   * Host names whose subdomains `{cidv1}.ipfs.<name>` reach this server (wildcard DNS, or `localhost`, which browsers
   * resolve themselves). A browser asking the path gateway on such a host is redirected to the content's own origin.
   * @default DEFAULT_SUBDOMAIN_HOSTS (['localhost'])
   */
  subdomainHosts?: string[]
  /**
   * Garbage collection runs this long after a delete or unpin (or many small uploads) and removes blocks no upload
   * or pin references; false turns it off. @default DEFAULT_GC_DELAY_MS (2 s)
   */
  gcDelayMs?: number | false
  /** @default DEFAULT_CLOSE_TIMEOUT_MS */
  closeTimeoutMs?: number
  /**
   * Trustless gateways (`http(s)://host:port`) asked for every pin by CID, besides the request's own PSA `origins` or
   * Pinata `hostNodes`. @default [] (only the request's origins)
   */
  upstreams?: string[]
  /** A pin by CID whose content no source had within this long ends `expired` (PSA `failed`). @default DEFAULT_SEARCH_TIMEOUT_MS (24 h) */
  searchTimeoutMs?: number
  /** A pin by CID whose DAG grows past this many bytes ends `over_max_size`. @default DEFAULT_MAX_PIN_SIZE_BYTES (10 GB) */
  maxPinSizeBytes?: number
  /** Pin-by-CID fetches running at once. @default DEFAULT_FETCH_CONCURRENCY (4) */
  fetchConcurrency?: number
  /** How long to wait before asking the sources again when none had the content. @default DEFAULT_SEARCH_INTERVAL_MS (5 s) */
  searchIntervalMs?: number
  /** Fetched blocks are made durable in batches of about this many bytes. @default DEFAULT_FETCH_COMMIT_BYTES (1 MiB) */
  fetchCommitBytes?: number
  /** Retry policy of origin requests (the one retry policy, `src/core/retry.ts`). @default DEFAULT_FETCH_RETRY */
  fetchRetry?: RetryOptions
}

export interface RunningServer {
  /** API base URL, e.g. http://127.0.0.1:8787 */
  url: string
  /** Path-style gateway base: `${gatewayUrl}/ipfs/<cid>`. Subdomain style: `http://<cidv1>.ipfs.localhost:<port>`. */
  gatewayUrl: string
  /** The tokens accepted (the generated one when none were given). */
  tokens: string[]
  port: number
  dataDir: string
  /** Runs a garbage collection now (it also runs by itself after deletes; see `gcDelayMs`). */
  collectGarbage: () => Promise<GcReport>
  /** Stops accepting requests, finishes in-flight writes, closes the store. */
  close: () => Promise<void>
}

export type ServerProgressEvent =
  | ProgressEvent<'pinship:server:listening', { url: string, dataDir: string, blocks: number, recoveredBytes: number, orphans: number }>
  /** Start-up put something right after a crash; sent only when it did something. */
  | ProgressEvent<'pinship:server:recovered', {
    /** Torn tail cut off the journal, and the line where it began. */
    journalBytesCut: number
    fromLine?: number
    /** Whole lines in the cut that failed their checksum (their bytes are kept in `savedTo`). */
    damagedRecords: number
    savedTo?: string
    /** Segments no record references, moved to `quarantineDir` (never deleted). */
    quarantined: string[]
    quarantineDir: string
    tempFilesRemoved: number
    /** Segments the journal names but the disk lacks (after a repair): their blocks are no longer indexed. */
    missingSegments: string[]
  }>
  | ProgressEvent<'pinship:server:stored', { api: string, cid: string, user: string, blocks: number, newBlocks: number, bytes: number }>
  | ProgressEvent<'pinship:server:complete', { cid: string, dagSize: number }>
  /** A garbage collection ran: what it removed, copied and compacted. */
  | ProgressEvent<'pinship:server:collected', GcReport>
  | ProgressEvent<'pinship:server:error', { method: string, path: string, status: number, message: string }>
  | ProgressEvent<'pinship:server:closed', Record<string, never>>
  /** A pin by CID fetched blocks from another node, finished, failed, or an origin misbehaved. */
  | ProgressEvent<'pinship:server:fetch', FetchEvent>
  /** A deal batch was made and priced: its root, piece CID and how many roots it holds. */
  | ProgressEvent<'pinship:server:batch', { id: number, root: string, pieceCid: string, roots: number }>
