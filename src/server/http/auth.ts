import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { AuthError, ForbiddenError, RateLimitedError } from '../../core/errors.js'

export interface RateLimit { requests: number, windowMs: number }

/**
 * Failed authentications (a wrong token on any API, a wrong token in the login form) allowed per client address
 * and window; beyond it every attempt from that address, right or wrong, gets 429 until the window slides on.
 */
export const DEFAULT_FAILED_AUTH_LIMIT: RateLimit = { requests: 20, windowMs: 60_000 }
/** Addresses tracked at most; the oldest are forgotten first. */
const MAX_TRACKED_ADDRESSES = 10_000

/** Stable user id for a token; only this hash is ever written to disk. */
export function userIdOf (token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32)
}

export interface Principal { user: string, token: string }

/**
 * Token-scoped users: each configured token is one user. Tokens are compared by hash in constant time, and
 * never appear in errors or logs.
 */
export class Auth {
  private readonly users = new Map<string, string>()
  private readonly hits = new Map<string, number[]>()
  private readonly failures = new Map<string, number[]>()
  /** Told of every request that proved a user (the connection guard then stops counting its connection as a stranger's). */
  onSuccess: (req: IncomingMessage) => void = () => {}

  constructor (tokens: string[], private readonly rateLimit?: RateLimit, private readonly failedLimit: RateLimit | false = DEFAULT_FAILED_AUTH_LIMIT) {
    for (const t of tokens) this.users.set(userIdOf(t), t)
  }

  /** The bearer token of a request: `Authorization: Bearer` or `x-user-api-key` (seed 004). Cookies never are. */
  static tokenOf (req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization
    if (typeof auth === 'string') {
      const m = /^Bearer\s+(.+)$/i.exec(auth.trim())
      if (m !== null) return m[1].trim()
    }
    const key = req.headers['x-user-api-key']
    if (typeof key === 'string' && key.length > 0) return key
    return undefined
  }

  /** Resolves the request's user or throws 401 (no token) / 403 (unknown token), then applies the rate limit. */
  authenticate (req: IncomingMessage, options: { invalidStatus?: 401 | 403 } = {}): Principal {
    const token = Auth.tokenOf(req)
    if (token === undefined || token.length === 0) {
      throw new AuthError('Unauthorized: send your API token as `Authorization: Bearer <token>`.', { status: 401 })
    }
    this.guard(req)
    const user = this.lookup(token)
    if (user === undefined) {
      this.failed(req)
      const invalid = options.invalidStatus ?? 403
      throw invalid === 401
        ? new AuthError('Token is not valid: check the token printed by `pinship serve` (or passed with --token).', { status: 401 })
        : new ForbiddenError('Token is not valid', { status: 403 })
    }
    this.count(user)
    this.onSuccess(req)
    return { user, token }
  }

  lookup (token: string): string | undefined {
    const id = userIdOf(token)
    const known = this.users.get(id)
    if (known === undefined) return undefined
    const a = Buffer.from(known)
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b) ? id : undefined
  }

  /** 429 when the request's address has used up its failed attempts: checked before a token is looked at. */
  guard (req: IncomingMessage, now = Date.now()): void {
    if (this.failedLimit === false) return
    const { requests, windowMs } = this.failedLimit
    const recent = (this.failures.get(addressOf(req)) ?? []).filter(t => now - t < windowMs)
    if (recent.length < requests) return
    const waitMs = recent[0] + windowMs - now
    throw new RateLimitedError(`Too many failed sign-ins or wrong tokens from your address: at most ${requests} per ${windowMs / 1000} s. ` +
      `Retry after ${Math.ceil(waitMs / 1000)} s with the right token.`, { status: 429, retryAfterMs: waitMs })
  }

  /** Counts a failed authentication against the request's address. */
  failed (req: IncomingMessage, now = Date.now()): void {
    if (this.failedLimit === false) return
    const address = addressOf(req)
    const { windowMs } = this.failedLimit
    const recent = (this.failures.get(address) ?? []).filter(t => now - t < windowMs)
    recent.push(now)
    this.failures.delete(address)
    this.failures.set(address, recent)
    if (this.failures.size > MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string)
  }

  /** Sliding-window limit per token; 429 with the wait until the oldest request leaves the window. */
  private count (user: string): void {
    if (this.rateLimit === undefined) return
    const now = Date.now()
    const { requests, windowMs } = this.rateLimit
    const recent = (this.hits.get(user) ?? []).filter(t => now - t < windowMs)
    if (recent.length >= requests) {
      const waitMs = recent[0] + windowMs - now
      this.hits.set(user, recent)
      throw new RateLimitedError(`Rate limit exceeded: at most ${requests} requests per ${windowMs / 1000} s per token. ` +
        `Retry after ${Math.ceil(waitMs / 1000)} s.`, { status: 429, retryAfterMs: waitMs })
    }
    recent.push(now)
    this.hits.set(user, recent)
  }
}

function addressOf (req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown'
}

export function parseCookies (header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (header === undefined) return out
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const name = part.slice(0, i).trim()
    try { out[name] = decodeURIComponent(part.slice(i + 1).trim()) } catch { /* ignore a malformed cookie */ }
  }
  return out
}
