import type { IncomingMessage, ServerResponse } from 'node:http'
import { isPinshipError } from '../core/errors.js'
import { errorBody, httpError, publicMessage, statusOf, type ApiFace } from './http/errors.js'
import { escapeHtml, sendJson, sendText } from './http/respond.js'
import { Router } from './http/router.js'
import { PATH_GATEWAY_CSP } from './http/security.js'
import { watchBodyIdle } from './http/connections.js'
import { ACCOUNT_HEADERS } from './api/account.js'
import type { ServerState } from './state.js'

/** Face of an unmatched path, so even a 404 speaks the API the client was talking to. */
function faceOfPath (path: string): ApiFace {
  if (path.startsWith('/nft')) return 'nft'
  if (path.startsWith('/pins')) return 'psa'
  if (path.startsWith('/pinning/') || path.startsWith('/data/')) return 'pinata'
  if (path.startsWith('/progress') || path.startsWith('/ws/')) return 'progress'
  if (path.startsWith('/ipfs')) return 'gateway'
  if (path.startsWith('/account')) return 'account'
  return 'web3'
}

export interface App {
  router: Router<ServerState>
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

/**
 * Dispatches requests and turns every failure into the API's own error shape. Unexpected errors become a
 * generic 500 without details (reported through onProgress), so bad input can be told from bugs.
 */
export function createApp (state: ServerState, options: { closing: () => boolean, retryAfterS: number, bodyIdleTimeoutMs: number, subdomain?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> }): App {
  const router = new Router<ServerState>()

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    let face: ApiFace = 'web3'
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      url = new URL('http://localhost/')
    }
    face = faceOfPath(url.pathname)
    watchBodyIdle(req, res, options.bodyIdleTimeoutMs, err => {
      if (res.headersSent) res.destroy()
      else sendError(state, req, res, face, err)
    })
    try {
      if (options.closing()) {
        throw httpError(503, 'ERR_SERVICE_UNAVAILABLE', 'The service is shutting down. Retry in a few seconds.', options.retryAfterS * 1000)
      }
      // nosniff everywhere: a JSON answer that echoes a name must never be sniffed into HTML
      res.setHeader('x-content-type-options', 'nosniff')
      if (options.subdomain !== undefined && await options.subdomain(req, res)) return
      // set before routing so that errors (404, 405, 400) on these paths carry them too
      if (face === 'gateway') res.setHeader('content-security-policy', PATH_GATEWAY_CSP)
      if (face === 'account') for (const [name, value] of Object.entries(ACCOUNT_HEADERS)) res.setHeader(name, value)
      // URL parsing resolves "." and ".." (also as %2e): refuse them rather than route /ipfs/x/../../y to /y
      const rawPath = (req.url ?? '/').split('?')[0]
      if (rawPath.split('/').some(s => /^(?:\.|%2e){1,2}$/i.test(s))) {
        face = faceOfPath(rawPath)
        throw httpError(400, 'ERR_INVALID_ARGUMENT', `The request path ${rawPath} has a "." or ".." segment; send the path without them.`)
      }
      const m = router.match(req.method ?? 'GET', url.pathname)
      if (m.kind === 'none') throw httpError(404, 'ERR_NOT_FOUND', `No route for ${req.method ?? 'GET'} ${url.pathname}. See the API list in the pinship README ("pinship serve").`)
      face = m.face
      if (m.kind === 'method') {
        res.setHeader('allow', [...new Set(m.allowed)].join(', '))
        throw httpError(405, 'ERR_METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${url.pathname}; use ${[...new Set(m.allowed)].join(' or ')}.`)
      }
      await m.handler({ req, res, url, params: m.params, state })
    } catch (err) {
      sendError(state, req, res, face, err)
    }
  }

  return { router, handle }
}

/** Most request-body bytes read and thrown away just so the client can read an early error answer. */
export const MAX_DRAIN_BYTES = 256 * 1024 * 1024
/** How long such a body is read at most: a client dripping bytes to an answered request must not hold its connection. */
export const DRAIN_TIMEOUT_MS = 10_000

function discardBody (req: IncomingMessage): void {
  const deadline = setTimeout(() => req.destroy(), DRAIN_TIMEOUT_MS)
  deadline.unref()
  req.once('end', () => clearTimeout(deadline))
  req.once('close', () => clearTimeout(deadline))
  let seen = 0
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length
    if (seen > MAX_DRAIN_BYTES) req.destroy()
  })
  req.on('error', () => { /* the client went away: nothing left to tell it */ })
  req.resume()
}

export function sendError (state: ServerState, req: IncomingMessage, res: ServerResponse, face: ApiFace, err: unknown): void {
  const status = statusOf(err)
  if (status >= 500 && status !== 503) {
    state.emit({ type: 'pinship:server:error', detail: { method: req.method ?? '', path: (req.url ?? '').split('?')[0], status, message: err instanceof Error ? (err.stack ?? err.message) : String(err) } })
  }
  if (res.headersSent) {
    // a streamed response failed mid-way: the client must see a broken transfer, not a short "success"
    res.destroy(err instanceof Error ? err : undefined)
    return
  }
  const headers: Record<string, string | number> = {}
  const retryAfterMs = isPinshipError(err) ? err.retryAfterMs : undefined
  if (status === 429 || status === 503) headers['retry-after'] = Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000))
  if (status === 401) headers['www-authenticate'] = 'Bearer'
  if (status === 408) {
    // the client stopped sending: nothing left to drain, and the connection goes with the answer
    headers.connection = 'close'
    res.once('finish', () => req.socket.destroy())
  } else if (!req.complete) {
    // Answered before any of the body was read (413 on Content-Length, 401, 400…). Closing at once makes a client that is
    // still sending see a reset instead of this answer (and retry it as a network error), so read and discard a
    // body of modest declared size; a larger or undeclared one gets the connection closed after the answer.
    const declared = Number(req.headers['content-length'])
    if (!req.destroyed && !req.readableDidRead && Number.isSafeInteger(declared) && declared <= MAX_DRAIN_BYTES) discardBody(req)
    else headers.connection = 'close'
  }
  if (face === 'gateway') {
    sendText(res, status, publicMessage(err, status) + '\n', 'text/plain; charset=utf-8', headers)
  } else if (face === 'account') {
    sendText(res, status, `<!doctype html><meta charset="utf-8"><title>Error</title><p>${escapeHtml(publicMessage(err, status))}</p><p><a href="/account">Back</a></p>`, 'text/html; charset=utf-8', headers)
  } else {
    sendJson(res, status, errorBody(face, err, status), headers)
  }
}
