/**
 * One look at each service before a byte is packed: a status request for a fixed CID, once, with a bounded timeout
 * and no retries. Nothing listening (refused, DNS, no route, connect timeout) or something that is not the API (an HTML
 * page) fails the service within seconds, saying what to check. Anything the API itself says (even "not found",
 * 401, 429 or 503) passes: such a service gets the retry policy, because it answered like the API.
 */
import { EndpointUnreachableError, NotServiceApiError, PinshipError } from '../errors.js'
import { createService } from '../services/index.js'
import type { ServiceConfig } from '../services/api.js'

/**
 * The probe's idle timeout. Above undici's 10 s connect timeout, so an address where nothing accepts connections
 * fails as unreachable; a server that accepted the connection but is slow to answer goes on to the retry policy.
 */
export const DEFAULT_PREFLIGHT_TIMEOUT_MS = 12_000
/** CIDv1 (raw) of zero bytes: valid for every API, and asking about it changes nothing anywhere. */
export const PREFLIGHT_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

/** Transport failures that mean nobody is there to retry against. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])

/** A transport failure that means nothing is listening there (as opposed to a reset or a stall after connecting). */
export function isUnreachable (err: PinshipError): boolean {
  return err.code === 'ERR_NETWORK' && UNREACHABLE.has(transportCode(err) ?? '')
}

function transportCode (err: unknown): string | undefined {
  const seen = new Set<unknown>()
  let cur: any = err
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur)
    if (typeof cur.code === 'string' && !cur.code.startsWith('ERR_')) return cur.code
    if (Array.isArray(cur.errors) && typeof cur.errors[0]?.code === 'string') return cur.errors[0].code
    cur = cur.cause
  }
  return undefined
}

/** `what` (a sentence, maybe without its full stop) followed by what to check. */
function withAdvice (what: string, config: ServiceConfig): string {
  const flag = config.endpoint !== undefined ? `--endpoint (or PINSHIP_ENDPOINT / PINSHIP_${config.service.toUpperCase()}_ENDPOINT)` : 'the network connection'
  return `${what}${/[.?!]$/.test(what) ? '' : '.'} Check ${flag}: it must be the API root of a running ${config.service} service.`
}

export interface PreflightOptions {
  /** Idle timeout of the probe. @default DEFAULT_PREFLIGHT_TIMEOUT_MS */
  timeoutMs?: number
  signal?: AbortSignal
}

/**
 * Resolves when the service answered like its API; throws EndpointUnreachableError or NotServiceApiError (never
 * retryable) otherwise. Aborts pass through unchanged.
 */
export async function preflight (config: ServiceConfig, options: PreflightOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PREFLIGHT_TIMEOUT_MS
  const service = createService(config, { timeoutMs })
  try {
    await service.status(PREFLIGHT_CID, options.signal !== undefined ? { signal: options.signal } : {})
  } catch (err) {
    if (!(err instanceof PinshipError)) throw err
    if (err.code === 'ERR_INVALID_ENDPOINT') throw err
    if (err.code === NotServiceApiError.code) {
      throw new NotServiceApiError(withAdvice(err.message, config), { cause: err, status: err.status })
    }
    if (isUnreachable(err)) {
      throw new EndpointUnreachableError(withAdvice(err.message.replace(/ \(while sending the request\)$/, ''), config), { cause: err })
    }
    // The API answered in its own words (not found, auth, quota, rate limit, 5xx in JSON), or something accepted
    // the connection and then reset or stalled: the real requests will say what they say, with retries where those help.
  }
}
