import type { Command } from 'commander'
import { InvalidArgumentError } from '../../core/errors.js'
import type { ProgressEvent } from '../../core/progress.js'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer, type RateLimit } from '../../server/index.js'

interface ServeFlags {
  host: string
  port: string
  data: string
  token: string[]
  json?: boolean
  rateLimit?: string
  pendingTimeout?: string
  subdomainHost: string[]
  gcDelay?: string
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
    case 'pinship:server:error': process.stderr.write(`error ${String(d.status)} ${String(d.method)} ${String(d.path)}: ${String(d.message)}\n`); break
  }
}

export function register (program: Command): void {
  program.command('serve')
    .description('Run the embedded storage service (web3.storage / NFT.Storage APIs, Pinning Service API, gateway) on a local data dir.')
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--port <port>', 'port to listen on (0 picks a free port)', String(DEFAULT_PORT))
    .option('--data <dir>', 'data directory (blocks, journal, generated token)', DEFAULT_DATA_DIR)
    .option('--token <token>', 'accept this API token; repeat for several users (default: generate one and store it in the data dir)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--rate-limit <n/window>', 'per-token request limit such as 30/10s (429 with Retry-After beyond it); off by default')
    .option('--pending-timeout <duration>', 'report incomplete uploads and pins as failed after this long without new data (default 24h)')
    .option('--subdomain-host <name>', 'a host name whose {cid}.ipfs.<name> subdomains reach this server (wildcard DNS); repeat for several (default: localhost)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--gc-delay <duration|off>', 'collect garbage this long after a delete or unpin (default 2s); off turns it off')
    .option('--json', 'print {"url", "tokens"} as the first stdout line, then serve')
    .action(async (flags: ServeFlags) => {
      // handlers go in before anything is printed: a supervisor may signal as soon as it reads the first line
      let signalled: () => void = () => {}
      const stop = new Promise<void>(resolve => { signalled = resolve })
      const onSignal = (): void => signalled()
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      try {
        const server = await startServer({
          host: flags.host,
          port: parsePort(flags.port),
          dataDir: flags.data,
          tokens: flags.token,
          rateLimit: flags.rateLimit === undefined ? undefined : parseRateLimit(flags.rateLimit),
          pendingTimeoutMs: flags.pendingTimeout === undefined ? undefined : parseDuration(flags.pendingTimeout),
          subdomainHosts: flags.subdomainHost.length > 0 ? flags.subdomainHost : undefined,
          gcDelayMs: flags.gcDelay === undefined ? undefined : flags.gcDelay === 'off' ? false : parseDuration(flags.gcDelay, '--gc-delay'),
          onProgress: e => render(e, flags.json === true)
        })
        if (flags.json === true) {
          process.stdout.write(JSON.stringify({ url: server.url, tokens: server.tokens }) + '\n')
        } else {
          process.stdout.write(`pinship serve: listening on ${server.url} (data in ${server.dataDir})\n`)
          process.stdout.write(`gateway: ${server.gatewayUrl}/ipfs/<cid> and http://<cid>.ipfs.localhost:${server.port}/\n`)
          // printing the token is the point when it was generated; a token given on the command line is known already
          if (flags.token.length === 0) process.stdout.write(`token: ${server.tokens[0]} (stored in ${server.dataDir}/token)\n`)
          process.stdout.write('Press Ctrl+C to stop.\n')
        }
        await stop
        await server.close()
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
