import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Duplex } from 'node:stream'
import { emit } from '../core/progress.js'
import { DEFAULT_MAX_BLOCK_BYTES } from '../core/car/verify.js'
import { createApp } from './app.js'
import { Auth } from './http/auth.js'
import { Sessions } from './http/sessions.js'
import { ConnectionGuard, DEFAULT_BODY_IDLE_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS } from './http/connections.js'
import { DEFAULT_MAX_BODY_BYTES } from './http/body.js'
import { DEFAULT_SUBDOMAIN_HOSTS } from './http/security.js'
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
import { Fetcher } from './fetch/fetcher.js'
import { Deals } from './deals/pipeline.js'
import { upstreamUrl } from './fetch/sources.js'
import { InvalidArgumentError } from '../core/errors.js'
import {
  DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_RETRY_AFTER_S,
  type RunningServer, type ServerOptions, type ServerProgressEvent
} from './options.js'

export * from './options.js'
export { DEFAULT_MAX_BODY_BYTES } from './http/body.js'
export { DEFAULT_SUBDOMAIN_HOSTS, PATH_GATEWAY_CSP } from './http/security.js'
export { DEFAULT_GC_DELAY_MS, DEFAULT_PENDING_TIMEOUT_MS, type GcReport } from './store/repo.js'
export { DEFAULT_FAILED_AUTH_LIMIT, type RateLimit } from './http/auth.js'
export { DEFAULT_SESSION_TTL_MS } from './http/sessions.js'
export { DEFAULT_BODY_IDLE_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS } from './http/connections.js'
export { repairDataDir, type RepairReport } from './store/repair.js'
export { JournalCorruptError } from './store/journal.js'
export { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_INTERVAL_MS, DEFAULT_DEAL_DELAY_MS, DEFAULT_STORAGE_PROVIDERS, type LocalDeal } from './deals/pipeline.js'
export { DEFAULT_FETCH_CONCURRENCY, DEFAULT_MAX_PIN_SIZE_BYTES, DEFAULT_SEARCH_TIMEOUT_MS, type FetchEvent } from './fetch/fetcher.js'

/**
 * Starts the embedded storage service: web3.storage and NFT.Storage compatible uploads, the IPFS Pinning
 * Service API, upload progress, a gateway and an account page, over one persistent block store in `dataDir`.
 */
export async function startServer (options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR)
  const host = options.host ?? DEFAULT_HOST
  const send = (event: ServerProgressEvent): void => emit(options, event.type, event.detail)

  const upstreams = (options.upstreams ?? []).map(u => {
    const url = upstreamUrl(u)
    if (url === undefined) throw new InvalidArgumentError(`upstream ${JSON.stringify(u)} is not an http(s) URL of a trustless gateway such as http://127.0.0.1:8080.`)
    return url
  })
  if (options.storageProviders !== undefined && options.storageProviders.length < 5) {
    throw new InvalidArgumentError(`storageProviders lists ${options.storageProviders.length}; every batch goes to at least 5 storage providers.`)
  }
  let deals: Deals | undefined
  // lock before opening: opening cuts a torn journal tail and quarantines orphans, which must not race a live server
  const unlock = await lockDataDir(dataDir)
  let opened
  try {
    opened = await Repo.open(dataDir, {
      pendingTimeoutMs: options.pendingTimeoutMs,
      onComplete: (cid, dagSize) => {
        send({ type: 'pinship:server:complete', detail: { cid, dagSize } })
        deals?.poke()
      },
      gcDelayMs: options.gcDelayMs,
      onCollected: report => send({ type: 'pinship:server:collected', detail: report })
    })
  } catch (err) {
    await unlock()
    throw err
  }
  const { repo, recovery } = opened
  const { tail, quarantined, tempRemoved, quarantineDir, missingSegments } = recovery
  if (tail.cutBytes > 0 || quarantined.length > 0 || tempRemoved.length > 0 || missingSegments.length > 0) {
    send({
      type: 'pinship:server:recovered',
      detail: { journalBytesCut: tail.cutBytes, fromLine: tail.fromLine, damagedRecords: tail.wholeLines, savedTo: tail.savedTo, quarantined, quarantineDir, tempFilesRemoved: tempRemoved.length, missingSegments }
    })
  }
  const tokens = options.tokens !== undefined && options.tokens.length > 0 ? [...options.tokens] : [await loadOrCreateToken(dataDir)]
  const maxBlockBytes = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
  const fetcher = new Fetcher(repo, {
    upstreams,
    searchTimeoutMs: options.searchTimeoutMs,
    maxPinSizeBytes: options.maxPinSizeBytes,
    concurrency: options.fetchConcurrency,
    searchIntervalMs: options.searchIntervalMs,
    commitBytes: options.fetchCommitBytes,
    retry: options.fetchRetry,
    maxBlockBytes,
    onEvent: detail => send({ type: 'pinship:server:fetch', detail })
  })
  const pipeline = new Deals(repo, {
    batchBytes: options.batchBytes,
    batchIntervalMs: options.batchIntervalMs,
    dealDelayMs: options.dealDelayMs,
    storageProviders: options.storageProviders,
    failingProviders: options.failingProviders,
    terminatingProviders: options.terminatingProviders,
    onBatch: detail => send({ type: 'pinship:server:batch', detail }),
    onError: message => send({ type: 'pinship:server:error', detail: { method: 'deals', path: '', status: 500, message } })
  })
  deals = pipeline
  const state: ServerState = {
    repo,
    fetcher,
    deals: pipeline,
    auth: new Auth(tokens, options.rateLimit, options.failedAuthLimit),
    sessions: new Sessions(options.sessionTtlMs),
    progress: new ProgressTracker((user, path) => {
      for (const u of repo.uploads.get(user)?.values() ?? []) if (u.path === path) return true
      return false
    }),
    peerId: await loadPeerId(dataDir),
    peerName: `pinship-${hostname()}`,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBlockBytes,
    port: 0,
    host,
    subdomainHosts: (options.subdomainHosts ?? DEFAULT_SUBDOMAIN_HOSTS).map(h => h.toLowerCase()),
    emit: send
  }

  let closing = false
  let inflight = 0
  let idle: (() => void) | undefined
  const app = createApp(state, { closing: () => closing, retryAfterS: DEFAULT_RETRY_AFTER_S, bodyIdleTimeoutMs: options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS, subdomain: async (req, res) => await subdomainGateway(state, req, res) })
  registerWeb3(app.router)
  registerNft(app.router)
  registerPsa(app.router)
  registerPinata(app.router)
  registerProgress(app.router)
  registerGateway(app.router)
  registerAccount(app.router)
  registerBlocks(app.router)

  const guard = new ConnectionGuard(options.maxUnauthenticatedConnections)
  state.auth.onSuccess = req => guard.trust(req)
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  // the headers deadline is enforced by a sweep every connectionsCheckingInterval: make it a fraction of the deadline
  const server = createServer({ headersTimeout, requestTimeout: 0, connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 4)) }, (req: IncomingMessage, res: ServerResponse) => {
    guard.track(req, res)
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
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      const body = JSON.stringify({ code: 'RequestTimeout', message: `The request headers did not arrive within ${headersTimeout / 1000} s. Send the whole request without pauses.` })
      socket.end(`HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
      // a client that never closes its side must not keep the descriptor
      setTimeout(() => socket.destroy(), 1000).unref()
      return
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    const body = JSON.stringify({ code: 'ERR_BAD_REQUEST', message: `The request could not be parsed as HTTP (${err.code ?? 'malformed'}). Check the request line, headers and Content-Length.` })
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  })
  // uploads of 100 MB over slow links must not hit Node's default 5-minute request timeout (requestTimeout 0 above):
  // a stalled body is caught by the body idle watch instead
  guard.attach(server)
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
  // pins by CID that were fetching when the service stopped resume (blocks already stored are not fetched again)
  fetcher.resumeAll()
  pipeline.poke()
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  state.port = port
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${urlHost}:${port}`
  send({ type: 'pinship:server:listening', detail: { url, dataDir, blocks: repo.blocks.blockCount, recoveredBytes: recovery.tail.cutBytes, orphans: recovery.quarantined.length + recovery.tempRemoved.length } })

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
      await fetcher.close()
      await pipeline.close()
      await repo.close()
      await unlock()
      send({ type: 'pinship:server:closed', detail: {} })
    })()
    await closed
  }

  return { url, gatewayUrl: url, tokens, port, dataDir, close, collectGarbage: async () => await repo.collectGarbage() }
}
