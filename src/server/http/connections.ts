import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { httpError } from './errors.js'

/** A request body that sends nothing for this long is answered 408 and its connection closed (S3: ~20 s). */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 20_000
/** Request headers must be complete within this long of the request's first byte. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 20_000
/**
 * Connections that have not yet carried an authenticated request, at most. Past it the oldest one that is not
 * being answered is closed: stalled or idle strangers make room, and users who signed a request keep theirs.
 */
export const DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS = 128

interface Conn { opened: number, responding: number, trusted: boolean }

/** The timeout error a stalled body gets, in each API's error shape (code RequestTimeout, as S3 names it). */
export function bodyTimeoutError (idleMs: number): Error {
  return httpError(408, 'RequestTimeout', `No request body bytes arrived for ${idleMs / 1000} s, so the request was ended. ` +
    'Send the body without pauses, then retry.')
}

/**
 * Keeps slow or silent clients from holding connections (and file descriptors) forever: a cap on connections no
 * authenticated request has used, and an idle watch on every request body.
 */
export class ConnectionGuard {
  private readonly conns = new Map<Socket, Conn>()

  constructor (private readonly maxUnauthenticated = DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS) {}

  attach (server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.conns.set(socket, { opened: Date.now(), responding: 0, trusted: false })
      socket.once('close', () => this.conns.delete(socket))
      this.enforceCap(socket)
    })
  }

  /** A request on this connection authenticated: it no longer counts against the cap. */
  trust (req: IncomingMessage): void {
    const c = this.conns.get(req.socket)
    if (c !== undefined) c.trusted = true
  }

  /** Counts the response in progress (a connection being answered is never evicted). */
  track (req: IncomingMessage, res: ServerResponse): void {
    const c = this.conns.get(req.socket)
    if (c === undefined) return
    c.responding++
    res.once('close', () => { c.responding-- })
  }

  get unauthenticated (): number {
    let n = 0
    for (const c of this.conns.values()) if (!c.trusted) n++
    return n
  }

  private enforceCap (newest: Socket): void {
    let count = 0
    let victim: Socket | undefined
    let oldest = Infinity
    for (const [socket, c] of this.conns) {
      if (c.trusted) continue
      count++
      if (socket !== newest && c.responding === 0 && c.opened < oldest) { oldest = c.opened; victim = socket }
    }
    if (count <= this.maxUnauthenticated) return
    // all others are being answered: the newcomer waits its turn elsewhere
    ;(victim ?? newest).destroy()
  }
}

/**
 * Ends a request whose client stopped sending its body: 408 if nothing was answered yet, then the connection is
 * closed. Idle means no new bytes on the socket while the request buffer still has room: when the server itself is
 * slow to read (back-pressure), the client is not to blame and the clock does not run.
 */
export function watchBodyIdle (req: IncomingMessage, res: ServerResponse, idleMs: number, onIdle: (err: Error) => void): void {
  if (req.complete || idleMs <= 0) return
  const socket = req.socket
  let lastBytes = socket.bytesRead
  let lastChange = Date.now()
  const timer = setInterval(() => {
    if (req.complete || req.destroyed) { clearInterval(timer); return }
    const now = Date.now()
    if (socket.bytesRead !== lastBytes || req.readableLength >= req.readableHighWaterMark) {
      lastBytes = socket.bytesRead
      lastChange = now
      return
    }
    if (now - lastChange < idleMs) return
    clearInterval(timer)
    onIdle(bodyTimeoutError(idleMs))
  }, Math.max(50, Math.min(1000, idleMs / 4)))
  timer.unref()
  res.once('close', () => clearInterval(timer))
}
