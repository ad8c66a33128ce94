import type { ServiceConfig } from '../core/services/api.js'
import { SERVICE_NONE } from './constants.js'
import { InvalidInputError } from './errors.js'
import { knownServices } from './known-services.js'

export interface ParseServicesOptions {
  /** The `endpoint` input: applies to every listed service without its own `endpoint` option. */
  endpoint?: string
  /** The `token` input: applies to every listed service without its own `token` option. */
  token?: string
  /** `service-options` lines: `<service>.<key>=<value>`. */
  options?: string[]
  /** Called with each value that looks like a credential, before anything else happens to it. */
  onSecret?: (value: string) => void
}

/** Option keys whose values are credentials and must be masked. */
const SECRET_KEY = /token|secret|password|jwt|auth|key/i
const OPTION_LINE = /^([a-z0-9-]+)\.([A-Za-z0-9_-]+)\s*=(.*)$/

/**
 * Turns `service`, `endpoint`, `token` and `service-options` into the core's ServiceConfig list.
 * `none` gives an empty list: pack only.
 */
export function parseServices (value: string, options: ParseServicesOptions = {}): ServiceConfig[] {
  const slugs = value.split(',').map(s => s.trim().toLowerCase()).filter(s => s !== '')
  const known = knownServices()
  if (slugs.length === 0) {
    throw new InvalidInputError(`Input \`service\` is required: name one or more of ${known.join(', ')} (comma-separated), or \`${SERVICE_NONE}\` to only compute the CID and the CAR.`)
  }
  if (slugs.includes(SERVICE_NONE)) {
    if (slugs.length > 1) {
      throw new InvalidInputError(`Input \`service\`: \`${SERVICE_NONE}\` cannot be combined with other services; use either \`${SERVICE_NONE}\` or a list of services.`)
    }
    if ((options.options ?? []).some(line => line.trim() !== '' && !line.trim().startsWith('#'))) {
      throw new InvalidInputError(`Input \`service-options\` is set but \`service\` is \`${SERVICE_NONE}\`; remove the options or name the services they belong to.`)
    }
    return []
  }
  for (const slug of slugs) {
    if (!known.includes(slug)) {
      throw new InvalidInputError(`Input \`service\`: unknown service ${JSON.stringify(slug)}. Known services: ${known.join(', ')}, or \`${SERVICE_NONE}\`.`)
    }
  }
  const duplicate = slugs.find((slug, i) => slugs.indexOf(slug) !== i)
  if (duplicate !== undefined) {
    throw new InvalidInputError(`Input \`service\` lists ${JSON.stringify(duplicate)} twice; list each service once.`)
  }

  const configs = new Map<string, ServiceConfig>(slugs.map(slug => [slug, { service: slug }]))
  for (const raw of options.options ?? []) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = OPTION_LINE.exec(line)
    if (match === null) {
      // Never echo the line: it may hold a credential.
      throw new InvalidInputError('Input `service-options`: every line must look like `<service>.<key>=<value>` (for example `pinata.token=${{ secrets.PINATA_JWT }}`).')
    }
    const [, slug, key, rawValue] = match
    const optionValue = rawValue.trim()
    if (SECRET_KEY.test(key) && optionValue !== '') options.onSecret?.(optionValue)
    const config = configs.get(slug)
    if (config === undefined) {
      throw new InvalidInputError(`Input \`service-options\` sets \`${slug}.${key}\` but ${JSON.stringify(slug)} is not in \`service\`; add it there or remove the line.`)
    }
    // An unset secret or variable expands to nothing: treat it as not given, so the service's own check says what is missing.
    if (optionValue === '') continue
    if (key === 'token') config.token = optionValue
    else if (key === 'endpoint') config.endpoint = optionValue
    else config.extras = { ...config.extras, [key]: optionValue }
  }
  for (const config of configs.values()) {
    if (config.endpoint === undefined && options.endpoint) config.endpoint = options.endpoint
    if (config.token === undefined && options.token) config.token = options.token
    if (config.endpoint !== undefined) checkEndpoint(config.service, config.endpoint)
  }
  return [...configs.values()]
}

function checkEndpoint (slug: string, endpoint: string): void {
  let url: URL | undefined
  try { url = new URL(endpoint) } catch { url = undefined }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    // The value is not echoed: endpoints can carry credentials (https://user:pass@host).
    throw new InvalidInputError(`The endpoint for ${JSON.stringify(slug)} is not an http(s) URL; write it like https://api.example.com (\`endpoint\` or \`service-options: ${slug}.endpoint=…\`).`)
  }
}
