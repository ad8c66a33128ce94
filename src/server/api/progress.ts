import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { InvalidArgumentError } from '../../core/errors.js'
import { errorBody, httpError, statusOf } from '../http/errors.js'
import { sendJson } from '../http/respond.js'
import type { Router } from '../http/router.js'
import { checkAbsolutePath } from '../http/upload-progress.js'
import type { UploadProgress } from '../progress.js'
import type { Ctx, ServerState } from '../state.js'

/** seed 004 units; decimal, as storage vendors count. */
export const UNIT_BYTES = { MB: 1_000_000, GB: 1_000_000_000 } as const
export const DEFAULT_UNIT = 'MB'
/** Without updatingRate, an update goes out for every MB received. */
export const DEFAULT_UPDATING_RATE = 1

/** Both spellings in seed 004: the heading says /ws/progress, its client code dials /progress/ws. */
const WS_PATHS = new Set(['/ws/progress', '/progress/ws'])

interface ProgressQuery { path: string, rateBytes: number }

function parseQuery (url: URL): ProgressQuery {
  const path = url.searchParams.get('path')
  if (path === null || path === '') throw new InvalidArgumentError('The `path` query parameter is required: the absolute path given with informProgress=true.')
  checkAbsolutePath(path)
  const rawUnit = url.searchParams.get('unitOfMeasurement') ?? DEFAULT_UNIT
  if (!(rawUnit in UNIT_BYTES)) throw new InvalidArgumentError(`unitOfMeasurement must be MB or GB; got "${rawUnit}".`)
  const rawRate = url.searchParams.get('updatingRate')
  let rate = DEFAULT_UPDATING_RATE
  if (rawRate !== null && rawRate !== '') {
    rate = Number(rawRate)
    if (!/^\d+$/.test(rawRate) || !Number.isSafeInteger(rate)) throw new InvalidArgumentError(`updatingRate must be a non-negative integer; got "${rawRate}".`)
  }
  return { path, rateBytes: rate * UNIT_BYTES[rawUnit as keyof typeof UNIT_BYTES] }
}

/** While uploading, report progress in steps of the update rate, as the service would have pushed it. */
function quantize (p: UploadProgress, rateBytes: number): UploadProgress {
  if (p.status !== 'uploading' || rateBytes <= 0) return p
  return { ...p, uploaded: Math.floor(p.uploaded / rateBytes) * rateBytes }
}

export function registerProgress (router: Router<ServerState>): void {
  router.add('GET', /^\/progress\/?$/, 'progress', async (ctx: Ctx) => {
    const { user } = ctx.state.auth.authenticate(ctx.req, { invalidStatus: 401 })
    const q = parseQuery(ctx.url)
    sendJson(ctx.res, 200, quantize(ctx.state.progress.get(user, q.path), q.rateBytes))
  })
  // a plain GET of the WebSocket endpoint (no Upgrade header) is a client mistake, not an unknown route
  router.add('GET', /^\/(?:ws\/progress|progress\/ws)\/?$/, 'progress', async () => {
    throw httpError(426, 'ERR_UPGRADE_REQUIRED', 'This is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket), or poll GET /progress?path=… instead.')
  })
}

/** WebSocket progress: pushes an update each `updatingRate` units and on every status change; closes when done. */
export function attachProgressSocket (state: ServerState, closing: () => boolean): { handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void, closeAll: () => void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })

  function refuse (socket: Duplex, status: number, err: unknown): void {
    const body = JSON.stringify(errorBody('progress', err, status))
    socket.end(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : status === 429 ? 'Too Many Requests' : 'Service Unavailable'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }

  function serve (ws: WebSocket, user: string, q: ProgressQuery): void {
    let lastSent = -1
    let lastStatus = ''
    const push = (p: UploadProgress): void => {
      const due = p.status !== lastStatus || q.rateBytes === 0 || p.uploaded - lastSent >= q.rateBytes
      if (!due || ws.readyState !== ws.OPEN) return
      lastSent = p.status === 'uploading' ? Math.floor(p.uploaded / Math.max(q.rateBytes, 1)) * Math.max(q.rateBytes, 1) : p.uploaded
      lastStatus = p.status
      ws.send(JSON.stringify(quantize(p, q.rateBytes)))
      if (p.status === 'completed' || p.status === 'failed') ws.close(1000, p.status)
    }
    const unsubscribe = state.progress.subscribe(user, q.path, push)
    ws.on('close', unsubscribe)
    ws.on('error', unsubscribe)
    push(state.progress.get(user, q.path))
  }

  return {
    handleUpgrade (req, socket, head) {
      socket.on('error', () => socket.destroy())
      let url: URL
      try { url = new URL(req.url ?? '/', 'http://localhost') } catch { url = new URL('http://localhost/') }
      if (!WS_PATHS.has(url.pathname)) { refuse(socket, 404, new Error(`No WebSocket endpoint at ${url.pathname}; use /ws/progress?path=…`)); return }
      if (closing()) { refuse(socket, 503, new Error('The service is shutting down.')); return }
      let user: string
      let q: ProgressQuery
      try {
        user = state.auth.authenticate(req, { invalidStatus: 401 }).user
        q = parseQuery(url)
      } catch (err) {
        refuse(socket, statusOf(err), err)
        return
      }
      wss.handleUpgrade(req, socket, head, ws => serve(ws, user, q))
    },
    closeAll () {
      for (const ws of wss.clients) ws.close(1001, 'server shutting down')
      wss.close()
    }
  }
}
