/**
 * Small pieces every adapter shares: auth headers, request bodies from shard files, and the error-body parsers
 * for the shapes several services have in common.
 */
import { createReadStream, openAsBlob } from 'node:fs'
import { Readable } from 'node:stream'
import type { ErrorDetail, HttpContext } from '../http.js'
import type { DealState, ListedPin, PinState, ServiceConfig } from './api.js'

/** Options every adapter factory takes besides its config. */
export interface AdapterOptions {
  /** Idle timeout per request. @default DEFAULT_REQUEST_TIMEOUT_MS (http.ts) */
  timeoutMs?: number
}

/** `user:password` means HTTP Basic (Kubo, Cluster); anything else is a bearer token. */
export function authHeader (token: string | undefined): Record<string, string> {
  if (token === undefined || token === '') return {}
  if (/^[^:\s]+:[^\s]+$/.test(token) && !token.startsWith('ey')) {
    return { authorization: `Basic ${Buffer.from(token).toString('base64')}` }
  }
  return { authorization: `Bearer ${token}` }
}

export function bearer (token: string | undefined): Record<string, string> {
  return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` }
}

/** A fresh stream of a shard file (or a byte range of it); called once per attempt so retries re-send from disk. */
export function fileStream (path: string, range?: { start: number, end: number }): Readable {
  // 1 MiB reads: 64 KiB chunks cost about twice the CPU per uploaded byte.
  return createReadStream(path, { highWaterMark: UPLOAD_READ_BYTES, ...(range === undefined ? {} : { start: range.start, end: range.end - 1 }) })
}

const UPLOAD_READ_BYTES = 1024 * 1024

/** A file-backed Blob: FormData streams it from disk instead of holding it in memory. */
export async function fileBlob (path: string, type = 'application/vnd.ipld.car'): Promise<Blob> {
  return await openAsBlob(path, { type })
}

export function context (config: ServiceConfig, slug: string, parseError: HttpContext['parseError'],
  mapError?: HttpContext['mapError']): HttpContext {
  const secrets = [config.token, ...Object.entries(config.extras ?? {}).filter(([k]) => /secret|key|token|password/i.test(k)).map(([, v]) => v)]
    .filter((s): s is string => typeof s === 'string' && s !== '')
  if (config.token !== undefined && config.token !== '') {
    // A Basic header carries the token base64-encoded; never let that leak either.
    secrets.push(Buffer.from(config.token).toString('base64'))
  }
  return { service: slug, secrets, parseError, ...(mapError !== undefined ? { mapError } : {}) }
}

function tryJson (body: string): any {
  try { return JSON.parse(body) } catch { return undefined }
}

function str (v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}

/**
 * Parses the JSON error shapes the services use: `{code, message}` (web3.storage, Cluster),
 * `{ok:false, error:{name, message}}` (NFT.Storage), `{error:{reason, details}}` (PSA, Pinata),
 * `{error: "…"}`, `{Message, Code, Type:"error"}` (Kubo), `{message}`.
 */
export function parseJsonError (_status: number, body: string): ErrorDetail {
  const j = tryJson(body)
  if (j === undefined || j === null || typeof j !== 'object') return {}
  if (typeof j.error === 'object' && j.error !== null) {
    const e = j.error
    const reason = str(e.reason) ?? str(e.name) ?? str(e.code)
    const message = str(e.details) ?? str(e.message)
    const parts = [reason, message].filter(p => p !== undefined && p !== 'HTTP Error')
    return { code: reason, message: parts.length > 0 ? parts.join(': ') : undefined }
  }
  if (typeof j.error === 'string') return { message: str(j.error), code: str(j.code) }
  const text = str(j.message) ?? str(j.Message) ?? str(j.details)
  const name = str(j.name)
  const message = name !== undefined && text !== undefined && !/^(Error|HTTP Error)$/.test(name) ? `${name}: ${text}` : text
  const code = typeof j.code === 'string' ? j.code : name
  return { message, code }
}

/** Pin state words of web3.storage's pins[] and Cluster peers, by what they mean in the common model. */
const PIN_WORDS: Record<string, PinState> = {
  pinqueued: 'queued',
  pin_queued: 'queued',
  queued: 'queued',
  unpinned: 'queued',
  pinning: 'pinning',
  pinned: 'pinned',
  pinerror: 'failed',
  pin_error: 'failed',
  clustererror: 'failed',
  cluster_error: 'failed',
  unexpectedlyunpinned: 'failed',
  unexpectedly_unpinned: 'failed',
  failed: 'failed'
}

export function mapPinWord (word: string | undefined): PinState | undefined {
  if (word === undefined) return undefined
  return PIN_WORDS[word.toLowerCase()]
}

/**
 * Several peers/pins → one state: pinned if any peer pinned it (the content is safe), else the most advanced
 * live state; failed only when every peer failed.
 */
export function combinePinStates (states: PinState[]): PinState | null {
  if (states.length === 0) return null
  for (const s of ['pinned', 'pinning', 'queued'] as const) {
    if (states.includes(s)) return s
  }
  return 'failed'
}

/** Deal words of web3.storage and NFT.Storage onto the common deal model. */
export function mapDealWord (word: string | undefined): DealState {
  switch ((word ?? '').toLowerCase()) {
    case 'active': return 'active'
    case 'published': return 'published'
    case 'failed':
    case 'terminated':
    case 'rejected':
    case 'expired': return 'failed'
    default: return 'queued' // queued, proposing, accepted, pending
  }
}

export function isString (v: unknown): v is string {
  return typeof v === 'string' && v !== ''
}

/** A listing entry; `name` and `created` are kept only when the service sent strings. */
export function listedPin (cid: string, pin: PinState | null, name?: unknown, created?: unknown): ListedPin {
  const item: ListedPin = { cid, pin }
  if (isString(name)) item.name = name
  if (isString(created)) item.created = created
  return item
}
