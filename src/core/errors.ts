/**
 * One error base class for all of pinship. Every failure has a stable `code` (used by front ends, tests and
 * exit codes), a message that says what was wrong and what to do, and an optional `cause`.
 *
 * Subclasses are made with `defineError` so that `name` and `code` can never drift apart (the importer's
 * copy-paste slips are why).
 */
export interface ErrorOptions {
  cause?: unknown
  retryable?: boolean
  retryAfterMs?: number
  status?: number
}

export class PinshipError extends Error {
  readonly code: string
  /** true when retrying the same request may succeed (network, 429, 5xx). Input and auth errors are never retryable. */
  readonly retryable: boolean
  /** Server-requested wait before a retry (from `Retry-After`), when there was one. */
  readonly retryAfterMs?: number
  /** HTTP status of the response that caused this error, when there was one. */
  readonly status?: number

  constructor (code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PinshipError'
    this.code = code
    this.retryable = options.retryable ?? false
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
    if (options.status !== undefined) this.status = options.status
  }

  toJSON (): { code: string, message: string } {
    return { code: this.code, message: this.message }
  }
}

export interface PinshipErrorClass<C extends string> {
  new (message: string, options?: ErrorOptions): PinshipError & { readonly code: C }
  readonly code: C
}

/** Make a subclass with a fixed code; `name` is derived from the code (ERR_CID_MISMATCH → CidMismatchError). */
export function defineError<C extends string> (code: C, defaults: { retryable?: boolean } = {}): PinshipErrorClass<C> {
  const name = code.replace(/^ERR_/, '').toLowerCase().split('_').map(w => w[0].toUpperCase() + w.slice(1)).join('') + 'Error'
  const cls = class extends PinshipError {
    static readonly code = code
    declare readonly code: C
    constructor (message: string, options: ErrorOptions = {}) {
      super(code, message, { retryable: defaults.retryable, ...options })
      this.name = name
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls as unknown as PinshipErrorClass<C>
}

// Input and configuration
export const InvalidArgumentError = defineError('ERR_INVALID_ARGUMENT')
export const PathNotFoundError = defineError('ERR_PATH_NOT_FOUND')
export const UnreadablePathError = defineError('ERR_UNREADABLE_PATH')
/** A file name that is not valid UTF-8: UnixFS names are UTF-8 strings, so it cannot be stored as it is. */
export const InvalidFileNameError = defineError('ERR_INVALID_FILE_NAME')
export const UnknownProfileError = defineError('ERR_UNKNOWN_PROFILE')
export const InvalidShardSizeError = defineError('ERR_INVALID_SHARD_SIZE')
export const SymlinkOutsideError = defineError('ERR_SYMLINK_OUTSIDE')
export const SymlinkCycleError = defineError('ERR_SYMLINK_CYCLE')
export const UnsupportedFileTypeError = defineError('ERR_UNSUPPORTED_FILE_TYPE')
export const FileChangedError = defineError('ERR_FILE_CHANGED')
export const EmptyInputError = defineError('ERR_EMPTY_INPUT')
export const BlockTooLargeError = defineError('ERR_BLOCK_TOO_LARGE')
export const UnknownServiceError = defineError('ERR_UNKNOWN_SERVICE')
export const MissingTokenError = defineError('ERR_MISSING_TOKEN')
export const InvalidEndpointError = defineError('ERR_INVALID_ENDPOINT')
export const InvalidCidError = defineError('ERR_INVALID_CID')
export const InvalidCarError = defineError('ERR_INVALID_CAR')

// Services
export const AuthError = defineError('ERR_AUTH')
export const ForbiddenError = defineError('ERR_FORBIDDEN')
export const QuotaError = defineError('ERR_QUOTA')
export const TooLargeError = defineError('ERR_TOO_LARGE')
export const NotFoundError = defineError('ERR_NOT_FOUND')
export const RateLimitedError = defineError('ERR_RATE_LIMITED', { retryable: true })
export const ServiceUnavailableError = defineError('ERR_SERVICE_UNAVAILABLE', { retryable: true })
export const NetworkError = defineError('ERR_NETWORK', { retryable: true })
export const TimeoutError = defineError('ERR_TIMEOUT', { retryable: true })
export const ServiceError = defineError('ERR_SERVICE')
/** The endpoint could not be reached at all (refused, DNS, no route, no answer) when deploy first checked it. */
export const EndpointUnreachableError = defineError('ERR_ENDPOINT_UNREACHABLE')
/** Something answered at the endpoint, but not the API of the service asked for (an HTML page, a static file server). */
export const NotServiceApiError = defineError('ERR_NOT_SERVICE_API')
export const UnsupportedOperationError = defineError('ERR_UNSUPPORTED_OPERATION')
export const CidMismatchError = defineError('ERR_CID_MISMATCH')
export const PinFailedError = defineError('ERR_PIN_FAILED')
export const WaitTimeoutError = defineError('ERR_WAIT_TIMEOUT')
export const VerifyFailedError = defineError('ERR_VERIFY_FAILED')
export const AbortedError = defineError('ERR_ABORTED')

export function isPinshipError (err: unknown): err is PinshipError {
  return err instanceof PinshipError
}
