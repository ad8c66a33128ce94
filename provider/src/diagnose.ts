/**
 * Core errors → Terraform diagnostics: a summary that names the failure, a detail that says what to do, and the
 * attribute it is about where there is one. Core messages are already redacted (no token ever reaches them); the
 * CLI wording in them (--token, --timeout…) is translated to the provider's settings.
 */
import { isPinshipError } from '../../src/core/index.js'
import { DiagnosticsError, type AttributePath, type Diagnostic } from './framework/types.js'
import { isUnreachable } from './client.js'

const SUMMARIES: Record<string, string> = {
  ERR_AUTH: 'The service rejected the token',
  ERR_FORBIDDEN: 'The service refused the request',
  ERR_MISSING_TOKEN: 'No token for the service',
  ERR_NETWORK: 'Cannot reach the service',
  ERR_ENDPOINT_UNREACHABLE: 'Cannot reach the service',
  ERR_NOT_SERVICE_API: 'The endpoint is not the service\'s API',
  ERR_TIMEOUT: 'The service stopped answering',
  ERR_WAIT_TIMEOUT: 'Timed out waiting for the service',
  ERR_ABORTED: 'Cancelled',
  ERR_RATE_LIMITED: 'The service kept rate limiting requests',
  ERR_SERVICE_UNAVAILABLE: 'The service is unavailable',
  ERR_QUOTA: 'The account is over its quota',
  ERR_TOO_LARGE: 'The service refused the upload as too large',
  ERR_NOT_FOUND: 'Not found on the service',
  ERR_CID_MISMATCH: 'The service stored a different CID',
  ERR_PIN_FAILED: 'The pin failed',
  ERR_INVALID_CID: 'Invalid CID',
  ERR_PATH_NOT_FOUND: 'Source not found',
  ERR_UNREADABLE_PATH: 'Cannot read the source',
  ERR_EMPTY_INPUT: 'Nothing to pack',
  ERR_SYMLINK_OUTSIDE: 'A symlink leaves the source folder',
  ERR_SYMLINK_CYCLE: 'A symlink cycle in the source folder',
  ERR_UNSUPPORTED_FILE_TYPE: 'A file in the source cannot be packed',
  ERR_FILE_CHANGED: 'The source changed while it was packed',
  ERR_UNKNOWN_PROFILE: 'Unknown CID profile',
  ERR_UNKNOWN_SERVICE: 'Unknown service',
  ERR_INVALID_ENDPOINT: 'Invalid endpoint',
  ERR_INVALID_ARGUMENT: 'Invalid argument',
  ERR_UNSUPPORTED_OPERATION: 'Not supported by this service',
  ERR_SERVICE: 'The service failed the request'
}

/** What to do, by code, in the provider's own words (appended to the core's message). */
const ADVICE: Record<string, string> = {
  ERR_AUTH: 'Set token in the provider "pinship" block (or PINSHIP_<SERVICE>_TOKEN / PINSHIP_TOKEN in the environment) to a valid token for this service.',
  ERR_FORBIDDEN: 'Use a token with permission for this operation (token in the provider "pinship" block, or PINSHIP_TOKEN).',
  ERR_NETWORK: 'Check endpoint in the provider "pinship" block (or PINSHIP_ENDPOINT) and that the service is running and reachable from here.',
  ERR_ENDPOINT_UNREACHABLE: 'Nothing answers at that address: check endpoint in the provider "pinship" block (or PINSHIP_ENDPOINT) and that the service is running.',
  ERR_NOT_SERVICE_API: 'Something else answers at that address (a website, a gateway): set endpoint in the provider "pinship" block to the API root of the service.',
  ERR_TIMEOUT: 'The service may be overloaded: run terraform apply again, or raise timeout in the provider block.',
  ERR_WAIT_TIMEOUT: 'Raise the timeouts block of the resource (or timeout in the provider block), or set wait_for to a state reached sooner; run terraform apply again to pick up where it stopped.',
  ERR_ABORTED: 'Terraform asked the provider to stop (interrupt); nothing more was sent. Run terraform apply again when ready.',
  ERR_RATE_LIMITED: 'Wait a little and run terraform apply again.',
  ERR_SERVICE_UNAVAILABLE: 'Run terraform apply again later.',
  ERR_UNSUPPORTED_OPERATION: 'Choose another service in the provider block (psa or local pin by CID; local, web3storage, nftstorage take uploads).'
}

/** The core speaks to CLI users; say the provider's setting instead of the flag. */
function providerWords (message: string): string {
  return message
    .replace(/--token or PINSHIP_TOKEN/g, 'token (provider block) or PINSHIP_TOKEN')
    .replace(/pass --token or set PINSHIP_TOKEN/g, 'set token in the provider block or PINSHIP_TOKEN')
    .replace(/--token/g, 'token')
    // deploy's first look at an endpoint names the flag and its environment variables; the advice below says it
    .replace(/ Check --endpoint \(or PINSHIP_ENDPOINT \/ PINSHIP_[A-Z0-9]+_ENDPOINT\): it must be the API root of a running \w+ service\./g, '')
    .replace(/--endpoint/g, 'endpoint')
    .replace(/Raise --timeout/g, 'Raise the timeout')
    .replace(/--timeout/g, 'timeout')
    .replace(/--wait (\w+)/g, 'wait_for = "$1"')
    .replace(/--service (\w+)/g, 'service = "$1"')
    .replace(/--shard-size/g, 'a smaller shard size')
}

export interface DiagnoseOptions {
  /** What was being done, e.g. "Uploading the content"; leads the detail. */
  doing: string
  /** The attribute an error code is about (e.g. ERR_PATH_NOT_FOUND → source). */
  attributes?: Partial<Record<string, AttributePath>>
}

/** One error diagnostic for any error (unknown errors keep their message; never a stack trace). */
export function diagnostic (err: unknown, options: DiagnoseOptions): Diagnostic {
  if (err instanceof DiagnosticsError) return err.diagnostics[0]
  if (!isPinshipError(err)) {
    return { severity: 'error', summary: `${options.doing} failed`, detail: err instanceof Error ? err.message : String(err) }
  }
  const code = err.code
  const summary = SUMMARIES[code] ?? `${options.doing} failed`
  let advice = ADVICE[code]
  // deploy results carry code and message only, so the message is read too
  if (code === 'ERR_NETWORK' && (isUnreachable(err) || /connection refused|host unreachable|network unreachable/.test(err.message))) {
    advice = 'Nothing answers at that address: check endpoint in the provider "pinship" block (or PINSHIP_ENDPOINT) and that the service is running.'
  }
  const detail = `${options.doing}: ${providerWords(err.message)}${advice !== undefined ? `\n\n${advice}` : ''}`
  const attribute = options.attributes?.[code]
  return { severity: 'error', summary, detail, ...(attribute !== undefined ? { attribute } : {}) }
}

export function diagnosticsError (err: unknown, options: DiagnoseOptions): DiagnosticsError {
  if (err instanceof DiagnosticsError) return err
  return new DiagnosticsError([diagnostic(err, options)])
}

/** Core error codes about the packing inputs, and the attribute each one points at. */
export const PACK_ATTRIBUTES: Partial<Record<string, AttributePath>> = {
  ERR_PATH_NOT_FOUND: ['source'],
  ERR_UNREADABLE_PATH: ['source'],
  ERR_EMPTY_INPUT: ['source'],
  ERR_SYMLINK_OUTSIDE: ['source'],
  ERR_SYMLINK_CYCLE: ['source'],
  ERR_UNSUPPORTED_FILE_TYPE: ['source'],
  ERR_FILE_CHANGED: ['source'],
  ERR_UNKNOWN_PROFILE: ['profile']
}
