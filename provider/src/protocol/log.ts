/**
 * Provider logging as go-hclog JSON lines on stderr: Terraform reads `@level` and `@message`, shows them with
 * TF_LOG / TF_LOG_PROVIDER, and hides them otherwise. Never log a token: callers pass no secrets in fields.
 */
import type { Logger } from '../framework/types.js'

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error'

export function hclogLine (level: Level, message: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ '@level': level, '@message': message, '@module': 'pinship', '@timestamp': new Date().toISOString(), ...fields }) + '\n'
}

export function createLogger (write: (line: string) => void = line => { process.stderr.write(line) }): Logger {
  const at = (level: Level) => (message: string, fields?: Record<string, unknown>) => { write(hclogLine(level, message, fields)) }
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
