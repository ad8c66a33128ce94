import type { ProgressEvent } from '../progress.js'
import type { Deal, PinState } from '../services/api.js'
import type { DeployResult } from './api.js'

/** What an error looks like inside an event: code and (already redacted) message, never a token. */
export interface EventError { code: string, message: string }

/**
 * Every event deploy emits (besides the packer's `pinship:pack:*`, passed through unchanged). `service` is the
 * slug, `shard` is 1-based; `shards` is 0 while packing still runs (the count is known only at the end).
 * `pinship:deploy:bytes` sums every service's upload: bytes sent of the bytes scheduled so far (it grows while
 * packing runs).
 */
export type DeployProgressEvent =
  | ProgressEvent<'pinship:deploy:plan', { services: Array<{ service: string, endpoint: string, uploads: boolean, acceptsShards: boolean }>, shardSize: number | null, wait: string, timeoutMs: number }>
  | ProgressEvent<'pinship:deploy:shard-start', { service: string, shard: number, shards: number, bytes: number, attempt: number }>
  | ProgressEvent<'pinship:deploy:shard-bytes', { service: string, shard: number, sent: number, bytes: number }>
  | ProgressEvent<'pinship:deploy:bytes', { bytes: number, totalBytes: number }>
  | ProgressEvent<'pinship:deploy:shard-done', { service: string, shard: number, shards: number, bytes: number, cid: string }>
  /**
   * The service was asked which blocks it holds (services with `checkBlocks`): `held` of `blocks` need not be sent.
   * `error`: the question failed (after retries), and so has this service.
   */
  | ProgressEvent<'pinship:deploy:check', { service: string, blocks: number, held: number, error: EventError | null }>
  /** `bytes`: CAR bytes sent; `skippedBytes`: block bytes left out because the service held them. */
  | ProgressEvent<'pinship:deploy:uploaded', { service: string, cid: string, shards: number, bytes: number, skippedBlocks: number, skippedBytes: number }>
  | ProgressEvent<'pinship:deploy:pin-request', { service: string, cid: string, requestId?: string }>
  | ProgressEvent<'pinship:deploy:retry', { service: string, operation: string, attempt: number, retriesLeft: number, retryAfterMs?: number, error: EventError }>
  | ProgressEvent<'pinship:deploy:state', { service: string, cid: string, pin: PinState | null, deals: Deal[], rawStatus?: string }>
  | ProgressEvent<'pinship:deploy:service-done', { service: string, status: PinState | 'uploaded' | null, error: EventError | null }>
  | ProgressEvent<'pinship:deploy:verify', { gateway: string, cid: string, ok: boolean, blocks: number, bytes: number, error: EventError | null }>
  | ProgressEvent<'pinship:deploy:done', DeployResult>
