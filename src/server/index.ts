import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Duplex } from 'node:stream'
import { emit } from '../core/progress.js'
import { DEFAULT_MAX_BLOCK_BYTES } from '../core/car/verify.js'
import { createApp } from './app.js'
import { Auth } from './http/auth.js'
import { DEFAULT_MAX_BODY_BYTES } from './http/body.js'
import { loadOrCreateToken, loadPeerId } from './identity.js'
import { ProgressTracker } from './progress.js'
import { lockDataDir } from './store/lock.js'
import { Repo } from './store/repo.js'
import type { ServerState } from './state.js'
import { registerWeb3 } from './api/web3.js'
import { registerNft } from './api/nft.js'
import { registerPsa } from './api/psa.js'
import { registerPinata } from './api/pinata.js'
import { registerProgress, attachProgressSocket } from './api/progress.js'
import { registerGateway, subdomainGateway } from './api/gateway.js'
import { registerAccount } from './api/account.js'
import { registerBlocks } from './api/blocks.js'
import {
  DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_RETRY_AFTER_S,
  type RunningServer, type ServerOptions, type ServerProgressEvent
} from './options.js'

export * from './options.js'
export { DEFAULT_MAX_BODY_BYTES } from './http/body.js'
export { DEFAULT_PENDING_TIMEOUT_MS } from './store/repo.js'
export type { RateLimit } from './http/auth.js'

/**
 * Starts the embedded storage service: web3.storage and NFT.Storage compatible uploads, the IPFS Pinning
 * Service API, upload progress, a gateway and an account page, over one persistent block store in `dataDir`.
 */
export async function startServer (options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR)
  const host = options.host ?? DEFAULT_HOST
  const send = (event: ServerProgressEvent): void => emit(options, event.type, event.detail)

  // lock before opening: opening repairs the journal tail and removes orphans, which must not race a live server
  const unlock = await lockDataDir(dataDir)
  let opened
  try {
    opened = await Repo.open(dataDir, {
      pendingTimeoutMs: options.pendingTimeoutMs,
      onComplete: (cid, dagSize) => send({ type: 'pinship:server:complete', detail: { cid, dagSize } })
    })
  } catch (err) {
    await unlock()
    throw err
  }
  const { repo, tornBytes, orphans } = opened
  const tokens = options.tokens !== undefined && options.tokens.length > 0 ? [...options.tokens] : [await loadOrCreateToken(dataDir)]
  const state: ServerState = {
    repo,
    auth: new Auth(tokens, options.rateLimit),
    progress: new ProgressTracker((user, path) => {
      for (const u of repo.uploads.get(user)?.values() ?? []) if (u.path === path) return true
      return false
    }),
    peerId: await loadPeerId(dataDir),
    peerName: `pinship-${hostname()}`,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBlockBytes: options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES,
    port: 0,
    host,
    emit: send
  }

  let closing = false
  let inflight = 0
  let idle: (() => void) | undefined
  const app = createApp(state, { closing: () => closing, retryAfterS: DEFAULT_RETRY_AFTER_S, subdomain: async (req, res) => await subdomainGateway(state, req, res) })
  registerWeb3(app.router)
  registerNft(app.router)
  registerPsa(app.router)
  registerPinata(app.router)
  registerProgress(app.router)
  registerGateway(app.router)
  registerAccount(app.router)
  registerBlocks(app.router)

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inflight++
    res.on('close', () => {
      inflight--
      if (inflight === 0) idle?.()
    })
    app.handle(req, res).catch(() => { res.destroy() })
  })
  // Requests Node's parser rejects before our router sees them (a non-numeric Content-Length, a body cut off by a
  // half-close) still get a JSON 4xx in the web3 API's shape rather than Node's bare 400.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') { socket.destroy(); return }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    const body = JSON.stringify({ code: 'ERR_BAD_REQUEST', message: `The request could not be parsed as HTTP (${err.code ?? 'malformed'}). Check the request line, headers and Content-Length.` })
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  })
  // uploads of 100 MB over slow links must not hit Node's default 5-minute request timeout
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  const sockets = attachProgressSocket(state, () => closing)
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => sockets.handleUpgrade(req, socket, head))

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? DEFAULT_PORT, host, () => { server.off('error', reject); resolve() })
    })
  } catch (err) {
    await repo.close()
    await unlock()
    throw err
  }
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  state.port = port
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${urlHost}:${port}`
  send({ type: 'pinship:server:listening', detail: { url, dataDir, blocks: repo.blocks.blockCount, recoveredBytes: tornBytes, orphans: orphans.length } })

  let closed: Promise<void> | undefined
  async function close (): Promise<void> {
    closed ??= (async () => {
      closing = true
      const stopped = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeIdleConnections()
      sockets.closeAll()
      if (inflight > 0) {
        await new Promise<void>(resolve => {
          idle = resolve
          setTimeout(resolve, options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS).unref()
        })
      }
      server.closeAllConnections()
      await stopped
      await repo.close()
      await unlock()
      send({ type: 'pinship:server:closed', detail: {} })
    })()
    await closed
  }

  return { url, gatewayUrl: url, tokens, port, dataDir, close }
}
