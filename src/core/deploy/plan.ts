/**
 * Everything deploy checks before it packs a byte: services known and configured, options in range, the folder
 * there. A bad flag fails in milliseconds with a message, not after a 400 MB pack.
 */
import { stat } from 'node:fs/promises'
import { InvalidArgumentError, InvalidEndpointError, InvalidShardSizeError, PathNotFoundError, UnknownProfileError } from '../errors.js'
import { DEFAULT_UPLOAD_SHARD_SIZE, PROFILE_NAMES } from '../pack/api.js'
import { resolveRetryOptions, type RetryOptions } from '../retry.js'
import { createService, SERVICE_SLUGS } from '../services/index.js'
import type { PinningService, ServiceConfig } from '../services/api.js'
import { DEFAULT_TIMEOUT_MS, DEFAULT_WAIT, type DeployOptions, type WaitFor } from './api.js'

/** Shards uploaded at once per service (the official web3.storage client used 3). */
export const DEFAULT_UPLOAD_CONCURRENCY = 3
/** Public gateways used for URLs when no gateway is given and no local service is in play. */
export const DEFAULT_GATEWAYS = ['https://inbrowser.link', 'https://dweb.link']
/** First and largest gap between pin-state polls. */
export const DEFAULT_POLL_MIN_DELAY_MS = 1_000
export const DEFAULT_POLL_MAX_DELAY_MS = 15_000

const WAITS: readonly WaitFor[] = ['none', 'uploaded', 'pinned', 'deal']

export interface Target {
  config: ServiceConfig
  service: PinningService
}

export interface DeployPlan {
  path: string
  targets: Target[]
  wait: WaitFor
  timeoutMs: number
  /** Shard size for shard-accepting uploaders; undefined when no target takes shards (one CAR). */
  shardSize: number | undefined
  gateways: string[]
  verify: boolean
  require: 'all' | 'any'
  concurrency: number
  retry: RetryOptions
  poll: RetryOptions
}

function checkGateway (url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new InvalidEndpointError(`gateway ${JSON.stringify(url)} is not a URL; give one like https://dweb.link`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidEndpointError(`gateway ${url} must use http or https`)
  if (u.username !== '' || u.password !== '') throw new InvalidEndpointError('a gateway URL must not carry credentials')
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
}

export async function planDeploy (path: string, options: DeployOptions): Promise<DeployPlan> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('deploy needs the path of the folder (or file) to deploy')
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('deploy needs options with at least `services`')
  }
  if (!Array.isArray(options.services) || options.services.length === 0) {
    throw new InvalidArgumentError(`deploy needs at least one service (one of ${SERVICE_SLUGS.join(', ')}); to only compute the CID, use pack()`)
  }
  const wait = options.wait ?? DEFAULT_WAIT
  if (!WAITS.includes(wait)) throw new InvalidArgumentError(`wait must be one of ${WAITS.join(', ')}, got ${JSON.stringify(wait)}`)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidArgumentError(`timeout must be a positive number of milliseconds, got ${String(timeoutMs)}`)
  }
  const require = options.require ?? 'all'
  if (require !== 'all' && require !== 'any') throw new InvalidArgumentError(`require must be "all" or "any", got ${JSON.stringify(require)}`)
  if (options.profile !== undefined && !PROFILE_NAMES.includes(options.profile)) {
    throw new UnknownProfileError(`unknown CID profile ${JSON.stringify(options.profile)}: use one of ${PROFILE_NAMES.join(', ')}`)
  }
  const concurrency = options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError(`concurrency must be a whole number ≥ 1, got ${String(concurrency)}`)
  // Validate now: a bad retry option must not surface halfway through an upload.
  resolveRetryOptions(options.retry)
  resolveRetryOptions(options.poll)

  const seen = new Set<string>()
  const targets: Target[] = options.services.map(config => {
    const service = createService(config, options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {})
    const key = `${service.slug} ${service.endpoint}`
    if (seen.has(key)) throw new InvalidArgumentError(`service ${service.slug} at ${service.endpoint} is listed twice`)
    seen.add(key)
    return { config, service }
  })

  if (wait === 'deal') {
    const noDeals = targets.filter(t => t.service.reportsDeals !== true).map(t => t.service.slug)
    if (noDeals.length > 0) {
      throw new InvalidArgumentError(`--wait deal needs services that report Filecoin deals; ${noDeals.join(', ')} ${noDeals.length === 1 ? 'reports' : 'report'} none. Use --wait pinned for ${noDeals.length === 1 ? 'it' : 'them'}.`)
    }
  }

  const shardTakers = targets.filter(t => t.service.uploads && t.service.acceptsShards)
  let shardSize: number | undefined
  if (shardTakers.length > 0) {
    const limit = Math.min(...shardTakers.map(t => t.service.maxRequestBytes))
    if (options.shardSize !== undefined) {
      if (!Number.isInteger(options.shardSize) || options.shardSize <= 0) {
        throw new InvalidShardSizeError(`shard size must be a whole number of bytes > 0, got ${String(options.shardSize)}`)
      }
      if (options.shardSize > limit) {
        const who = shardTakers.find(t => t.service.maxRequestBytes === limit)?.service.slug ?? 'a service'
        throw new InvalidShardSizeError(`shard size ${options.shardSize} is larger than ${who} accepts in one request (${limit} bytes); use --shard-size ${limit} or less`)
      }
    }
    shardSize = options.shardSize ?? Math.min(DEFAULT_UPLOAD_SHARD_SIZE, limit)
  } else if (options.shardSize !== undefined && (!Number.isInteger(options.shardSize) || options.shardSize <= 0)) {
    throw new InvalidShardSizeError(`shard size must be a whole number of bytes > 0, got ${String(options.shardSize)}`)
  }

  const local = targets.find(t => t.service.slug === 'local')
  const gateways = (options.gateways !== undefined && options.gateways.length > 0)
    ? options.gateways.map(checkGateway)
    : local !== undefined ? [new URL(local.service.endpoint).origin] : [...DEFAULT_GATEWAYS]

  try {
    await stat(path)
  } catch (err) {
    throw new PathNotFoundError(`${path} does not exist: give the folder your build wrote (e.g. ./dist)`, { cause: err })
  }

  return {
    path,
    targets,
    wait,
    timeoutMs,
    shardSize,
    gateways,
    verify: options.verify ?? false,
    require,
    concurrency,
    retry: options.retry ?? {},
    poll: options.poll ?? {}
  }
}
