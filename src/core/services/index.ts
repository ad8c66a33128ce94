/**
 * The adapter registry: one factory per slug, and the checks every configuration goes through before anything
 * is packed (known slug, usable endpoint, token present where the service needs one).
 */
import { InvalidEndpointError, MissingTokenError, UnknownServiceError } from '../errors.js'
import type { PinningService, ServiceConfig } from './api.js'
import { createCluster, CLUSTER_ENDPOINT } from './cluster.js'
import type { AdapterOptions } from './common.js'
import { createFilebase, FILEBASE_ENDPOINT } from './filebase.js'
import { createKubo, KUBO_ENDPOINT } from './kubo.js'
import { createLocal } from './local.js'
import { createNftStorage, NFTSTORAGE_ENDPOINT } from './nftstorage.js'
import { createPinata, PINATA_ENDPOINT } from './pinata.js'
import { createPsa } from './psa.js'
import { createWeb3Storage, WEB3STORAGE_ENDPOINT } from './web3storage.js'

export type * from './api.js'
export type { AdapterOptions } from './common.js'

export const SERVICE_SLUGS = ['local', 'web3storage', 'nftstorage', 'psa', 'pinata', 'kubo', 'cluster', 'filebase'] as const
export type ServiceSlug = typeof SERVICE_SLUGS[number]

/** The env var that carries a token (flags win over it). */
export const TOKEN_ENV = 'PINSHIP_TOKEN'

export interface ServiceInfo {
  create: (config: ServiceConfig, options?: AdapterOptions) => PinningService
  /** Used when no endpoint is given; undefined = an endpoint is required. */
  defaultEndpoint?: string
  /** Whether a deploy cannot work without a token. */
  needsToken: boolean
  description: string
}

export const SERVICES: Readonly<Record<ServiceSlug, ServiceInfo>> = {
  local: { create: createLocal, needsToken: true, description: 'the embedded service (pinship serve), default' },
  web3storage: { create: createWeb3Storage, defaultEndpoint: WEB3STORAGE_ENDPOINT, needsToken: true, description: 'legacy web3.storage API (POST /car), any compatible endpoint' },
  nftstorage: { create: createNftStorage, defaultEndpoint: NFTSTORAGE_ENDPOINT, needsToken: true, description: 'NFT.Storage Classic API (POST /upload)' },
  psa: { create: createPsa, needsToken: true, description: 'any IPFS Pinning Service API endpoint (pin by CID)' },
  pinata: { create: createPinata, defaultEndpoint: PINATA_ENDPOINT, needsToken: true, description: 'Pinata (v3 CAR upload, pinByHash)' },
  kubo: { create: createKubo, defaultEndpoint: KUBO_ENDPOINT, needsToken: false, description: 'a Kubo node RPC API (dag/import)' },
  cluster: { create: createCluster, defaultEndpoint: CLUSTER_ENDPOINT, needsToken: false, description: 'IPFS Cluster REST API (add?format=car)' },
  filebase: { create: createFilebase, defaultEndpoint: FILEBASE_ENDPOINT, needsToken: true, description: 'Filebase S3 (PutObject, import: car)' }
}

export function isServiceSlug (slug: string): slug is ServiceSlug {
  return (SERVICE_SLUGS as readonly string[]).includes(slug)
}

/** An endpoint must be an absolute http(s) URL without credentials (those go in the token, never in output). */
export function checkEndpoint (slug: string, endpoint: string): string {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new InvalidEndpointError(`${slug}: endpoint ${JSON.stringify(endpoint)} is not a URL; give an absolute URL such as https://example.com`)
  }
  if (!endpoint.includes('://')) {
    // "localhost:8787" parses as a URL with the scheme "localhost:"; say what is really missing.
    throw new InvalidEndpointError(`${slug}: endpoint ${JSON.stringify(endpoint)} has no http:// or https:// in front; give an absolute URL such as http://${endpoint}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidEndpointError(`${slug}: endpoint must use http or https, got ${url.protocol.replace(/:$/, '')}`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidEndpointError(`${slug}: the endpoint URL carries credentials; pass them with --token (or PINSHIP_TOKEN) instead so they never show up in output`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidEndpointError(`${slug}: endpoint ${url.origin}${url.pathname} must not carry a query or fragment`)
  }
  return url.href.replace(/\/+$/, '')
}

export interface CreateServiceOptions extends AdapterOptions {
  /** Refuse a missing token for services that need one; off for read-only calls like `status`. @default true */
  requireToken?: boolean
}

/** Validate a configuration without building the adapter. */
export function checkServiceConfig (config: ServiceConfig, options: CreateServiceOptions = {}): void {
  if (!isServiceSlug(config.service)) {
    throw new UnknownServiceError(`unknown service ${JSON.stringify(config.service)}: use one of ${SERVICE_SLUGS.join(', ')}`)
  }
  if (config.endpoint !== undefined) checkEndpoint(config.service, config.endpoint)
  const info = SERVICES[config.service]
  if ((options.requireToken ?? true) && info.needsToken && (config.token === undefined || config.token === '')) {
    throw new MissingTokenError(`service ${config.service} needs a token: pass --token or set ${TOKEN_ENV}`)
  }
}

/** Build the adapter for a configuration, after checking it. */
export function createService (config: ServiceConfig, options: CreateServiceOptions = {}): PinningService {
  checkServiceConfig(config, options)
  const info = SERVICES[config.service as ServiceSlug]
  const endpoint = config.endpoint !== undefined ? checkEndpoint(config.service, config.endpoint) : undefined
  return info.create({ ...config, ...(endpoint !== undefined ? { endpoint } : {}) }, options)
}
