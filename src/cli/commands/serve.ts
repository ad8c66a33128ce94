import { existsSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { defineError, InvalidArgumentError, isPinshipError } from '../../core/errors.js'
import type { ProgressEvent } from '../../core/progress.js'
import { recordRunning } from '../running.js'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer, type RateLimit } from '../../server/index.js'

/** The port is taken by another program (or another pinship serve). */
export const PortInUseError = defineError('ERR_PORT_IN_USE')

interface ServeFlags {
  host: string
  port: string
  data: string
  token?: string[]
  json?: boolean
  rateLimit?: string
  pendingTimeout?: string
  subdomainHost: string[]
  gcDelay?: string
  upstream: string[]
  searchTimeout?: string
  maxPinSize?: string
  batchSize?: string
  batchInterval?: string
  dealDelay?: string
}

/** `500MB`, `10GB`, `1GiB`, `1048576` → bytes. */
export function parseSize (text: string, flag = '--max-pin-size'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|kB|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$/i.exec(text.trim())
  if (m === null) throw new InvalidArgumentError(`${flag} must be a size such as 500MB, 10GB or 1GiB; got "${text}".`)
  const units: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3, tb: 1e12, tib: 1024 ** 4 }
  const n = Math.floor(Number(m[1]) * units[(m[2] ?? 'b').toLowerCase()])
  if (n < 1) throw new InvalidArgumentError(`${flag} must be at least 1 byte; got "${text}".`)
  return n
}

/** `N/10s`, `N/1m`, `N/500ms` → requests per window. */
export function parseRateLimit (text: string): RateLimit {
  const m = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h)$/.exec(text.trim())
  if (m === null || Number(m[1]) < 1) {
    throw new InvalidArgumentError(`--rate-limit must look like 30/10s (requests per window); got "${text}".`)
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[3] as 'ms' | 's' | 'm' | 'h']
  return { requests: Number(m[1]), windowMs: Number(m[2] ?? 1) * unit }
}

function parsePort (text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be an integer from 0 to 65535 (0 picks a free port); got "${text}".`)
  return n
}

function parseDuration (text: string, flag = '--pending-timeout'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim())
  if (m === null) throw new InvalidArgumentError(`${flag} must be a duration such as 500ms, 30m, 24h or 7d; got "${text}".`)
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']
}

/** What went wrong starting the service, as one line saying what to do, instead of Node's own words. */
export function serveError (err: unknown, flags: { host: string, port: number, data: string }): unknown {
  if (isPinshipError(err)) return err
  const e = err as NodeJS.ErrnoException & { syscall?: string }
  const where = `${flags.host}:${flags.port}`
  switch (e.syscall === 'listen' || e.syscall === 'bind' ? `listen ${e.code ?? ''}` : e.syscall === 'getaddrinfo' ? 'getaddrinfo' : `fs ${e.code ?? ''}`) {
    case 'listen EADDRINUSE':
      return new PortInUseError(`port ${flags.port} on ${flags.host} is already in use (another pinship serve, or another program): stop it, or pick another --port (--port 0 takes any free one)`, { cause: err })
    case 'listen EACCES':
      return new InvalidArgumentError(`listening on ${where} needs privileges this user lacks: use a port above 1023, such as the default 8787`, { cause: err })
    case 'listen EADDRNOTAVAIL':
    case 'getaddrinfo':
      return new InvalidArgumentError(`--host ${flags.host} is not a name or address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)`, { cause: err })
    case 'fs EEXIST':
    case 'fs ENOTDIR':
      return new InvalidArgumentError(`--data ${flags.data} is (or is inside) a file, not a folder: give a folder for the service's data (it is created if missing)`, { cause: err })
    case 'fs EACCES':
    case 'fs EPERM':
    case 'fs EROFS':
      return new InvalidArgumentError(`cannot write the data folder ${flags.data} (${e.code ?? 'permission denied'}): give a --data folder this user can write`, { cause: err })
    default:
      return err
  }
}

/** Log lines on stderr (stdout is kept for the --json start-up line); with --json only errors. */
function render (event: ProgressEvent, quiet: boolean): void {
  const d = event.detail as Record<string, unknown>
  // recovery is always logged: an operator must learn that start-up cut or set data aside
  if (quiet && event.type !== 'pinship:server:error' && event.type !== 'pinship:server:recovered') return
  switch (event.type) {
    case 'pinship:server:stored': process.stderr.write(`stored ${String(d.cid)} via ${String(d.api)} (${String(d.newBlocks)}/${String(d.blocks)} new blocks, ${String(d.bytes)} bytes)\n`); break
    case 'pinship:server:complete': process.stderr.write(`complete ${String(d.cid)} (dagSize ${String(d.dagSize)})\n`); break
    case 'pinship:server:recovered': {
      const cut = Number(d.journalBytesCut)
      if (cut > 0) {
        process.stderr.write(`recovered: cut a torn journal tail of ${cut} bytes from line ${String(d.fromLine)} (a write interrupted by a crash)` +
          (Number(d.damagedRecords) > 0 ? `; ${String(d.damagedRecords)} whole damaged record(s) kept in ${String(d.savedTo)}` : '') + '\n')
      }
      const quarantined = d.quarantined as string[]
      if (quarantined.length > 0) process.stderr.write(`recovered: ${quarantined.length} segment(s) no journal record references moved to ${String(d.quarantineDir)}: ${quarantined.join(', ')}\n`)
      const missing = d.missingSegments as string[]
      if (missing.length > 0) process.stderr.write(`recovered: ${missing.length} segment(s) the journal names are missing on disk; their blocks are no longer listed: ${missing.join(', ')}\n`)
      if (Number(d.tempFilesRemoved) > 0) process.stderr.write(`recovered: removed ${String(d.tempFilesRemoved)} temp file(s) of uploads interrupted before their acknowledgement\n`)
      break
    }
    case 'pinship:server:collected':
      process.stderr.write(`collected: removed ${String(d.blocksRemoved)} blocks (${String(d.bytesRemoved)} bytes), segments ${String(d.segmentsBefore)} → ${String(d.segmentsAfter)}, ` +
        `copied ${String(d.bytesCopied)} bytes, journal ${String(d.journalBytesBefore)} → ${String(d.journalBytesAfter)} bytes in ${String(d.ms)} ms\n`)
      break
    case 'pinship:server:fetch': {
      const kind = String(d.kind)
      if (kind === 'fetched') process.stderr.write(`fetched ${String(d.blocks)} blocks (${String(d.bytes)} bytes) of ${String(d.cid)} from ${String(d.from)}\n`)
      else if (kind === 'pinned') process.stderr.write(`pinned ${String(d.cid)} (fetched from other nodes)\n`)
      else if (kind === 'failed') process.stderr.write(`pin of ${String(d.cid)} ended ${String(d.status)}: ${String(d.reason)}\n`)
      else process.stderr.write(`origin ${String(d.from)} for ${String(d.cid)}: ${String(d.message)}\n`)
      break
    }
    case 'pinship:server:batch': process.stderr.write(`batch ${String(d.id)}: ${String(d.roots)} root(s) under ${String(d.root)}, piece ${String(d.pieceCid)}, proposed to the local storage providers\n`); break
    case 'pinship:server:error': process.stderr.write(`error ${String(d.status)} ${String(d.method)} ${String(d.path)}: ${String(d.message)}\n`); break
  }
}

export function register (program: Command): void {
  program.command('serve')
    .description('Run the embedded storage service (web3.storage / NFT.Storage APIs, Pinning Service API, gateway) on a local data dir.')
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--port <port>', 'port to listen on (0 picks a free port)', String(DEFAULT_PORT))
    .option('--data <dir>', 'data directory (blocks, journal, generated token)', DEFAULT_DATA_DIR)
    .option('--token <token>', 'accept this API token; repeat for several users (default: generate one and store it in the data dir)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--rate-limit <n/window>', 'per-token request limit such as 30/10s (429 with Retry-After beyond it); off by default')
    .option('--pending-timeout <duration>', 'report incomplete uploads and pins as failed after this long without new data (default 24h)')
    .option('--subdomain-host <name>', 'a host name whose {cid}.ipfs.<name> subdomains reach this server (wildcard DNS); repeat for several (default: localhost)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--gc-delay <duration|off>', 'collect garbage this long after a delete or unpin (default 2s); off turns it off')
    .option('--upstream <url>', 'a trustless gateway (http://host:port) to fetch pins by CID from, besides their own origins; repeat for several', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--search-timeout <duration>', 'a pin by CID no origin has within this long ends expired (default 24h)')
    .option('--max-pin-size <size>', 'a pin by CID larger than this ends over_max_size (default 10GB)')
    .option('--batch-size <size>', 'local deal pipeline: close a batch at this many bytes of content (default 1GiB)')
    .option('--batch-interval <duration>', 'local deal pipeline: or this long after its oldest content was stored (default 1m)')
    .option('--deal-delay <duration>', 'local deal pipeline: each deal step, queued → published → active, takes this long (default 30s)')
    .option('--json', 'print {"url", "tokens"} as the first stdout line, then serve')
    .action(async (flags: ServeFlags) => {
      // handlers go in before anything is printed: a supervisor may signal as soon as it reads the first line
      let signalled: () => void = () => {}
      const stop = new Promise<void>(resolve => { signalled = resolve })
      const onSignal = (): void => signalled()
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      try {
        const port = parsePort(flags.port)
        const rateLimit = flags.rateLimit === undefined ? undefined : parseRateLimit(flags.rateLimit)
        const pendingTimeoutMs = flags.pendingTimeout === undefined ? undefined : parseDuration(flags.pendingTimeout)
        const tokens = flags.token ?? []
        const dataDir = resolve(flags.data)
        const existed = existsSync(dataDir)
        if (existed && !statSync(dataDir).isDirectory()) {
          throw new InvalidArgumentError(`--data ${flags.data} is a file, not a folder: give a folder for the service's data (it is created if missing)`)
        }
        let server
        try {
          server = await startServer({
            host: flags.host,
            port,
            dataDir,
            tokens,
            rateLimit,
            pendingTimeoutMs,
            subdomainHosts: flags.subdomainHost.length > 0 ? flags.subdomainHost : undefined,
            upstreams: flags.upstream,
            batchBytes: flags.batchSize === undefined ? undefined : parseSize(flags.batchSize, '--batch-size'),
            batchIntervalMs: flags.batchInterval === undefined ? undefined : parseDuration(flags.batchInterval, '--batch-interval'),
            dealDelayMs: flags.dealDelay === undefined ? undefined : parseDuration(flags.dealDelay, '--deal-delay'),
            searchTimeoutMs: flags.searchTimeout === undefined ? undefined : parseDuration(flags.searchTimeout, '--search-timeout'),
            maxPinSizeBytes: flags.maxPinSize === undefined ? undefined : parseSize(flags.maxPinSize),
            gcDelayMs: flags.gcDelay === undefined ? undefined : flags.gcDelay === 'off' ? false : parseDuration(flags.gcDelay, '--gc-delay'),
            onProgress: e => render(e, flags.json === true)
          })
        } catch (err) {
          // a service that never started leaves no data folder behind
          if (!existed) await rm(dataDir, { recursive: true, force: true }).catch(() => {})
          throw serveError(err, { host: flags.host, port, data: flags.data })
        }
        // a `pinship deploy` (or status, ls) on this data dir finds this service instead of failing on its lock
        const forget = recordRunning(server.dataDir, server.url)
        if (flags.json === true) {
          process.stdout.write(JSON.stringify({ url: server.url, tokens: server.tokens }) + '\n')
        } else {
          process.stdout.write(`pinship serve: listening on ${server.url} (data in ${server.dataDir})\n`)
          process.stdout.write(`gateway: ${server.gatewayUrl}/ipfs/<cid> and http://<cid>.ipfs.localhost:${server.port}/\n`)
          process.stdout.write(`account page: ${server.url}/account (uploads, pins, usage; sign in with the token)\n`)
          // printing the token is the point when it was generated; a token given on the command line is known already
          if (tokens.length === 0) process.stdout.write(`token: ${server.tokens[0]} (stored in ${server.dataDir}/token)\n`)
          process.stdout.write('Press Ctrl+C to stop.\n')
        }
        await stop
        forget()
        await server.close()
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
