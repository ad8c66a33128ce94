/**
 * Service configuration from flags and environment, shared by every front end. Flags win over the env;
 * per-service variables (`PINSHIP_PSA_TOKEN`) win over the generic ones (`PINSHIP_TOKEN`), so one environment can
 * hold the secrets of several services.
 */
import { InvalidArgumentError, UnknownServiceError } from '../errors.js'
import type { ServiceConfig } from './api.js'
import { isServiceSlug, SERVICE_SLUGS } from './index.js'

export interface ServiceFlags {
  /** Comma-separated slugs. */
  service?: string
  endpoint?: string
  token?: string
}

/** The service used when nothing is configured anywhere. */
export const DEFAULT_SERVICE = 'local'

function envFor (env: NodeJS.ProcessEnv, slug: string, what: 'ENDPOINT' | 'TOKEN'): string | undefined {
  const specific = env[`PINSHIP_${slug.toUpperCase()}_${what}`]
  if (specific !== undefined && specific !== '') return specific
  const generic = env[`PINSHIP_${what}`]
  return generic !== undefined && generic !== '' ? generic : undefined
}

/** Parse `--service a,b` (or PINSHIP_SERVICE) into configurations; unknown slugs fail here, before anything runs. */
export function resolveServiceConfigs (flags: ServiceFlags, env: NodeJS.ProcessEnv = process.env): ServiceConfig[] {
  const list = flags.service ?? (env.PINSHIP_SERVICE !== undefined && env.PINSHIP_SERVICE !== '' ? env.PINSHIP_SERVICE : DEFAULT_SERVICE)
  const slugs = list.split(',').map(s => s.trim().toLowerCase()).filter(s => s !== '')
  if (slugs.length === 0) throw new InvalidArgumentError(`no service given: use --service with one of ${SERVICE_SLUGS.join(', ')}`)
  const dup = slugs.find((s, i) => slugs.indexOf(s) !== i)
  if (dup !== undefined) throw new InvalidArgumentError(`service ${dup} is listed twice in --service`)
  return slugs.map(slug => {
    if (!isServiceSlug(slug)) throw new UnknownServiceError(`unknown service ${JSON.stringify(slug)}: use one of ${SERVICE_SLUGS.join(', ')}`)
    const endpoint = flags.endpoint ?? envFor(env, slug, 'ENDPOINT')
    const token = flags.token ?? envFor(env, slug, 'TOKEN')
    return { service: slug, ...(endpoint !== undefined ? { endpoint } : {}), ...(token !== undefined ? { token } : {}) }
  })
}
