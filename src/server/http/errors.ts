import { isPinshipError, PinshipError } from '../../core/errors.js'

/** The error body each API face speaks (services.md, seeds 003 and 004). */
export type ApiFace = 'web3' | 'nft' | 'psa' | 'pinata' | 'progress' | 'gateway' | 'account'

const STATUS_BY_CODE: Record<string, number> = {
  ERR_INVALID_ARGUMENT: 400,
  ERR_INVALID_CID: 400,
  ERR_INVALID_CAR: 400,
  ERR_BLOCK_HASH_MISMATCH: 400,
  ERR_UNSUPPORTED_HASH: 400,
  ERR_BLOCK_TOO_LARGE: 400,
  ERR_EMPTY_INPUT: 400,
  ERR_AUTH: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_NOT_ACCEPTABLE: 406,
  ERR_CONFLICT: 409,
  ERR_TOO_LARGE: 413,
  ERR_RANGE_NOT_SATISFIABLE: 416,
  ERR_RATE_LIMITED: 429,
  ERR_SERVICE_UNAVAILABLE: 503
}

/** PSA `reason` words (the spec's examples are upper-case constants such as NOT_FOUND). */
const PSA_REASON: Record<number, string> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 429: 'TOO_MANY_REQUESTS', 500: 'INTERNAL_SERVER_ERROR', 503: 'SERVICE_UNAVAILABLE'
}

export function statusOf (err: unknown): number {
  if (isPinshipError(err)) return err.status ?? STATUS_BY_CODE[err.code] ?? 500
  return 500
}

/** Internal errors keep their details out of responses (paths, stack); input errors say exactly what was wrong. */
export function publicMessage (err: unknown, status: number): string {
  if (status < 500 || status === 503) return err instanceof Error ? err.message : String(err)
  return 'Internal server error. The failure was logged by the service; retry later or report it with the time of the request.'
}

export function errorBody (face: ApiFace, err: unknown, status: number): unknown {
  const message = publicMessage(err, status)
  const code = isPinshipError(err) ? err.code : 'ERR_INTERNAL'
  switch (face) {
    case 'nft': {
      // seed 003 spells out the 401 and 403 bodies exactly
      if (status === 401) return { ok: false, error: { name: 'HTTP Error', message: 'Unauthorized' } }
      if (status === 403) return { ok: false, error: { name: 'HTTP Error', message: 'Token is not valid' } }
      // plain HTTP failures (unknown route, 405, 503) have no error class of their own: NFT.Storage called them "HTTP Error"
      const name = isPinshipError(err) && err.name !== 'PinshipError' ? err.name : 'HTTP Error'
      return { ok: false, error: { name, message } }
    }
    case 'psa':
      return { error: { reason: PSA_REASON[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR'), details: message } }
    case 'pinata': {
      // legacy api.pinata.cloud: {error: {reason, details}}; 401 is INVALID_CREDENTIALS; specific reasons ride on the code
      const specific = isPinshipError(err) && /^[A-Z][A-Z_]+$/.test(err.code) && !err.code.startsWith('ERR_') ? err.code : undefined
      const reason = specific ?? (status === 401 ? 'INVALID_CREDENTIALS' : PSA_REASON[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR'))
      return { error: { reason, details: message } }
    }
    case 'progress':
      return { error: message }
    default:
      return { code, message }
  }
}

/** An error with an explicit HTTP status, for failures that have no pinship error class. */
export function httpError (status: number, code: string, message: string, retryAfterMs?: number): PinshipError {
  return new PinshipError(code, message, { status, retryAfterMs })
}
