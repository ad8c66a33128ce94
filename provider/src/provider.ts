/**
 * The pinship provider: `provider "pinship" { service, endpoint, token, timeout, gateways }`, and the lists of
 * resources, data sources and functions. Settings left out come from the same environment variables as the CLI
 * (PINSHIP_SERVICE, PINSHIP_<SERVICE>_ENDPOINT / PINSHIP_ENDPOINT, PINSHIP_<SERVICE>_TOKEN / PINSHIP_TOKEN).
 */
import {
  checkEndpoint, createService, DEFAULT_GATEWAYS, DEFAULT_TIMEOUT_MS, isPinshipError, isServiceSlug, resolveServiceConfigs,
  SERVICE_SLUGS, SERVICES, type ServiceSlug
} from '../../src/core/index.js'
import { createClient, type Client, type ConfigProblem } from './client.js'
import { DURATION_HINT, formatDuration, parseDuration } from './duration.js'
import { DiagnosticsError, type Diagnostic, type ProviderType, type TfObject } from './framework/types.js'
import { contentResource } from './resources/content.js'
import { cidDataSource } from './resources/data-cid.js'
import { statusDataSource } from './resources/data-status.js'
import { functions } from './resources/functions.js'
import { pinResource } from './resources/pin.js'
import { isWhollyKnown, stringListOf, stringOf } from './tf-values.js'

export const DEFAULT_SERVICE: ServiceSlug = 'local'

function serviceProblem (slug: string): string | undefined {
  if (slug.includes(',')) return `service takes one slug; for several services use several provider "pinship" blocks with alias. Slugs: ${SERVICE_SLUGS.join(', ')}.`
  if (!isServiceSlug(slug.trim().toLowerCase())) return `${JSON.stringify(slug)} is not a pinship service; use one of ${SERVICE_SLUGS.join(', ')}.`
  return undefined
}

/** A gateway base URL as the core uses it (origin + path, no trailing slash), or why it is not one. */
function checkGateway (url: string): { url?: string, problem?: string } {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { problem: `${JSON.stringify(url)} is not a URL; give a gateway base URL such as "https://dweb.link"` }
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { problem: `${JSON.stringify(url)} must use http or https` }
  if (u.username !== '' || u.password !== '') return { problem: 'a gateway URL must not carry credentials' }
  if (u.search !== '' || u.hash !== '') return { problem: `${JSON.stringify(url)} must not carry a query or fragment` }
  return { url: `${u.origin}${u.pathname.replace(/\/+$/, '')}` }
}

function validateProvider (config: TfObject): Diagnostic[] {
  const out: Diagnostic[] = []
  const err = (attribute: Array<string | number>, summary: string, detail: string): void => { out.push({ severity: 'error', summary, detail, attribute }) }
  const service = stringOf(config.service)
  if (service !== undefined) {
    const problem = serviceProblem(service)
    if (problem !== undefined) err(['service'], 'Unknown service', problem)
  }
  const endpoint = stringOf(config.endpoint)
  if (endpoint !== undefined) {
    try {
      checkEndpoint(service ?? DEFAULT_SERVICE, endpoint)
    } catch (e) {
      err(['endpoint'], 'Invalid endpoint', `${e instanceof Error ? e.message.replace(/--token \(or PINSHIP_TOKEN\)|--token/g, 'token') : String(e)}.`)
    }
  }
  const timeout = stringOf(config.timeout)
  if (timeout !== undefined && parseDuration(timeout) === undefined) {
    err(['timeout'], 'Invalid timeout', `timeout must be ${DURATION_HINT}; got ${JSON.stringify(timeout)}.`)
  }
  if (Array.isArray(config.gateways)) {
    config.gateways.forEach((g, i) => {
      if (g === null) return err(['gateways', i], 'Invalid gateway', 'A gateway must be a URL such as "https://dweb.link", not null.')
      if (typeof g !== 'string') return
      const { problem } = checkGateway(g)
      if (problem !== undefined) err(['gateways', i], 'Invalid gateway', `${problem}.`)
    })
  }
  return out
}

async function configure (config: TfObject, options: { log: { info: (m: string, f?: Record<string, unknown>) => void } }): Promise<Client> {
  const bad = validateProvider(config)
  if (bad.length > 0) throw new DiagnosticsError(bad)
  const known = ['service', 'endpoint', 'token', 'timeout', 'gateways'].every(k => isWhollyKnown(config[k]))
  if (!known) {
    const problem: ConfigProblem = {
      summary: 'Provider configuration not known yet',
      detail: 'The provider "pinship" block uses values that are known only after apply (from other resources); pinship can talk to the service once they are. Apply the resources they come from first (terraform apply -target=…), or use known values.',
      deferred: true
    }
    return createClient({ service: DEFAULT_SERVICE }, problem)
  }
  const orNull = (v: string | undefined): string | undefined => v === undefined || v.trim() === '' ? undefined : v
  let resolved
  try {
    resolved = resolveServiceConfigs({
      ...(orNull(stringOf(config.service)) !== undefined ? { service: stringOf(config.service) } : {}),
      ...(orNull(stringOf(config.endpoint)) !== undefined ? { endpoint: stringOf(config.endpoint) } : {}),
      ...(orNull(stringOf(config.token)) !== undefined ? { token: stringOf(config.token) } : {})
    })
  } catch (e) {
    // Only PINSHIP_SERVICE can get here (the block was validated): say so.
    throw new DiagnosticsError([{ severity: 'error', summary: 'Unknown service', detail: `${isPinshipError(e) ? e.message.replace(/--service/g, 'service') : String(e)} (from PINSHIP_SERVICE in the environment).` }])
  }
  if (resolved.length !== 1) {
    throw new DiagnosticsError([{ severity: 'error', summary: 'One service per provider block', detail: 'PINSHIP_SERVICE names several services; a provider "pinship" block talks to one. Set service in each block (with alias for several).', attribute: ['service'] }])
  }
  const service = resolved[0]
  const slug = service.service as ServiceSlug
  const timeout = stringOf(config.timeout)
  const timeoutMs = timeout !== undefined ? parseDuration(timeout) as number : DEFAULT_TIMEOUT_MS
  const gateways = (stringListOf(config.gateways) ?? []).map(g => checkGateway(g).url as string)

  let problem: ConfigProblem | undefined
  const upper = slug.toUpperCase()
  if (SERVICES[slug].needsToken && (service.token === undefined || service.token === '')) {
    problem = {
      summary: `No token for ${slug}`,
      detail: `Service ${slug} needs a token: set token in the provider "pinship" block (e.g. token = var.pinship_token), or PINSHIP_${upper}_TOKEN or PINSHIP_TOKEN in the environment.`
    }
  } else {
    try {
      createService(service)
    } catch (e) {
      problem = {
        summary: `${slug} is not fully configured`,
        detail: `${isPinshipError(e) ? e.message.replace(/\(--endpoint\)|--endpoint/g, 'endpoint').replace(/ or set PINSHIP_ENDPOINT/g, '') : String(e)}. Set endpoint in the provider "pinship" block, or PINSHIP_${upper}_ENDPOINT / PINSHIP_ENDPOINT in the environment.`
      }
    }
  }
  const client = createClient({
    service: slug,
    ...(service.endpoint !== undefined ? { endpoint: service.endpoint } : {}),
    ...(service.token !== undefined ? { token: service.token } : {}),
    timeoutMs,
    ...(gateways.length > 0 ? { gateways } : {})
  }, problem)
  options.log.info('pinship provider configured', {
    service: slug,
    endpoint: service.endpoint ?? null,
    token: service.token !== undefined ? 'set' : 'unset',
    timeout: formatDuration(timeoutMs),
    gateways: client.gateways,
    ...(problem !== undefined ? { problem: problem.summary } : {})
  })
  return client
}

export const provider: ProviderType<Client> = {
  schema: {
    version: 0,
    block: {
      description: 'pinship: deploy build folders to IPFS (content-addressed, stored, pinned) and keep pins declared like any other resource. One service per provider block; use alias for several.',
      attributes: {
        service: {
          type: 'string',
          optional: true,
          description: `Service to talk to: ${SERVICE_SLUGS.map(s => `"${s}"`).join(', ')}. Default: PINSHIP_SERVICE from the environment, else "${DEFAULT_SERVICE}" (pinship serve, which takes uploads and pins through its Pinning Service API).`
        },
        endpoint: {
          type: 'string',
          optional: true,
          description: 'API base URL of the service, e.g. "http://127.0.0.1:8787" for pinship serve or the Pinning Service API URL for psa. Default: PINSHIP_<SERVICE>_ENDPOINT or PINSHIP_ENDPOINT from the environment, else the service\'s public endpoint (local and psa have none and need one).'
        },
        token: {
          type: 'string',
          optional: true,
          sensitive: true,
          description: 'API token of the service (Bearer; "user:password" means HTTP Basic for kubo and cluster). Default: PINSHIP_<SERVICE>_TOKEN or PINSHIP_TOKEN from the environment. Never logged or shown in messages.'
        },
        timeout: {
          type: 'string',
          optional: true,
          description: `Time bound of each upload, pin and wait (retries included), as ${DURATION_HINT}. Default "${formatDuration(DEFAULT_TIMEOUT_MS)}"; a pinship_content timeouts block overrides it per operation.`
        },
        gateways: {
          type: ['list', 'string'],
          optional: true,
          description: `Gateway base URLs for the url and urls of pinship_content, e.g. ["https://dweb.link"]. Default: the service's own gateway for local, else ${DEFAULT_GATEWAYS.map(g => `"${g}"`).join(' and ')}.`
        }
      }
    }
  },
  validate: validateProvider,
  configure,
  resources: [contentResource, pinResource],
  dataSources: [cidDataSource, statusDataSource],
  functions
}
