/**
 * The plugin process: a gRPC server with AutoMTLS on a unix socket, the tfplugin6 Provider service, go-plugin's
 * controller (Shutdown), stdio stream and health service, then the handshake line on stdout. The process exits on
 * Shutdown, when Terraform (our parent) goes away, or on SIGTERM; SIGINT is Terraform's to handle (it sends
 * StopProvider instead).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import type { Logger, ProviderType } from '../framework/types.js'
import { loadServices } from './definitions.js'
import { createHandlers, type Handlers } from './handlers.js'
import { handshakeLine, readPluginEnv } from './handshake.js'
import { createLogger } from './log.js'
import { createServerCertificate } from './tls.js'

export interface ServeOptions {
  env?: NodeJS.ProcessEnv
  log?: Logger
  /** Write the handshake line (default: stdout). */
  announce?: (line: string) => void
  /** Called instead of process.exit (tests). */
  exit?: (code: number) => void
  /** How often to check that Terraform is still our parent. @default 500 */
  parentPollMs?: number
}

export interface RunningPlugin {
  address: string
  line: string
  close: () => void
}

const MAX_MESSAGE_BYTES = 256 * 1024 * 1024

function unary (fn: (req: any) => Promise<any>): grpc.handleUnaryCall<any, any> {
  return (call, callback) => {
    fn(call.request).then(res => { callback(null, res) }, (err: unknown) => {
      // handlers answer with diagnostics; reaching here is a bug, still not a hang
      callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) } as grpc.ServiceError)
    })
  }
}

/**
 * Start serving. `provider` may be a loader: the handshake line then goes out before the provider's own code (the
 * whole pinship core) is loaded, which Terraform waits for at every start of every provider process.
 */
export async function serve<Client> (provider: ProviderType<Client> | (() => Promise<ProviderType<Client>>), options: ServeOptions = {}): Promise<RunningPlugin> {
  const env = readPluginEnv(options.env ?? process.env)
  const log = options.log ?? createLogger()
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const services = loadServices()
  let handlers: Promise<Handlers> | undefined
  const loadHandlers = async (): Promise<Handlers> => {
    handlers ??= (async () => createHandlers(typeof provider === 'function' ? await provider() : provider, { log }))()
    return await handlers
  }

  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES })
  const impl: grpc.UntypedServiceImplementation = {}
  for (const name of Object.keys(services.provider)) {
    impl[name] = unary(async req => {
      const h = (await loadHandlers() as unknown as Record<string, ((req: any) => Promise<any>) | undefined>)[name]
      if (h === undefined) throw new Error(`${name} is not implemented`)
      return await h(req)
    })
  }
  server.addService(services.provider, impl)

  const dir = mkdtempSync(join(tmpdir(), 'pinship-tf-'))
  const socket = join(dir, 'plugin.sock')
  const openStreams = new Set<grpc.ServerWritableStream<any, any>>()
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    for (const s of openStreams) s.end()
    server.forceShutdown()
    rmSync(dir, { recursive: true, force: true })
  }
  const shutdown = (code: number): void => {
    // Let the Shutdown answer reach Terraform, then stop; never wait more than a moment.
    for (const s of openStreams) s.end()
    const force = setTimeout(() => { close(); exit(code) }, 500)
    server.tryShutdown(() => { clearTimeout(force); close(); exit(code) })
  }

  server.addService(services.controller, {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      log.debug('Shutdown requested by Terraform')
      callback(null, {})
      shutdown(0)
    }
  })
  server.addService(services.stdio, {
    // We write nothing to stdout/stderr that Terraform should relay (logs go to stderr as hclog); keep the stream
    // open until shutdown so go-plugin does not log a broken stream.
    StreamStdio: (call: grpc.ServerWritableStream<any, any>) => {
      openStreams.add(call)
      call.on('cancelled', () => openStreams.delete(call))
    }
  })
  server.addService(services.health, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<object>) => { callback(null, { status: 'SERVING' }) }
  })

  const cert = env.tls ? await createServerCertificate() : null
  const credentials = cert === null
    ? grpc.ServerCredentials.createInsecure()
    : grpc.ServerCredentials.createSsl(
      env.clientCertPem !== undefined ? Buffer.from(env.clientCertPem) : null,
      [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
      env.clientCertPem !== undefined
    )
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socket}`, credentials, err => { err === null ? resolve() : reject(err) })
  })

  const parent = process.ppid
  const timer = setInterval(() => {
    // Terraform killed (or crashed): we were re-parented. Nobody will call Shutdown.
    if (process.ppid !== parent) {
      log.warn('Terraform went away; exiting')
      shutdown(1)
    }
  }, options.parentPollMs ?? 500)
  timer.unref()

  const line = handshakeLine('unix', socket, cert?.der ?? null)
  ;(options.announce ?? ((l: string) => { process.stdout.write(l) }))(line)
  // load the provider while Terraform connects
  setImmediate(() => { loadHandlers().catch((err: unknown) => { log.error('loading the provider failed', { error: String(err) }) }) })
  log.debug('plugin started', { address: socket })
  return { address: socket, line, close: () => { clearInterval(timer); close() } }
}
