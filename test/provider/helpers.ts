/** Calling the provider's parts the way the protocol layer does, without Terraform: contexts, clients, logs. */
import { createClient, type Client, type ClientOptions } from '../../provider/src/client.js'
import type { CallContext, Logger, TfObject } from '../../provider/src/framework/types.js'
import { UNKNOWN } from '../../provider/src/framework/types.js'
import { FAST } from '../deploy/embedded.js'

export interface LogLine { level: string, message: string, fields?: Record<string, unknown> }

export function captureLog (): { log: Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => { lines.push({ level, message, ...(fields !== undefined ? { fields } : {}) }) }
  return { log: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines }
}

/** A client with test-speed retries and polls. */
export function fastClient (options: ClientOptions): Client {
  return createClient({ retry: FAST.retry, poll: FAST.poll, ...options })
}

export function context (client: Client, signal: AbortSignal = new AbortController().signal): CallContext<Client> & { lines: LogLine[] } {
  const { log, lines } = captureLog()
  return { client, log, signal, lines }
}

/** True when no UNKNOWN is left anywhere in the value. */
export function hasUnknown (v: unknown): boolean {
  if (v === UNKNOWN) return true
  if (Array.isArray(v)) return v.some(hasUnknown)
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasUnknown)
  return false
}

/** The known values of `planned` must be equal in `state` (Terraform's "inconsistent result after apply" check). */
export function knownValuesKept (planned: TfObject, state: TfObject): string[] {
  return Object.keys(planned).filter(k => planned[k] !== UNKNOWN && !hasUnknown(planned[k]) && JSON.stringify(planned[k]) !== JSON.stringify(state[k]))
}
