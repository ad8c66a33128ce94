import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { deploy } from '../../core/deploy/index.js'
import type { DeployResult, WaitFor } from '../../core/deploy/api.js'
import { defineError, InvalidArgumentError, isPinshipError, MissingTokenError, PathNotFoundError } from '../../core/errors.js'
import { urlsFor } from '../../core/gateway-urls.js'
import { PROFILE_NAMES, type ProfileName } from '../../core/pack/api.js'
import { excludeFilter } from '../../core/pack/exclude.js'
import { resolveCacheDir } from '../../core/pack/cache.js'
import type { ProgressEvent } from '../../core/progress.js'
import { resolveServiceConfigs, type ServiceFlags } from '../../core/services/config.js'
import type { ServiceConfig } from '../../core/services/api.js'
import type { RunningServer } from '../../server/index.js'
import { DataDirBusyError } from '../../server/store/lock.js'
import { createProgressRenderer, formatBytes, plural } from '../render.js'
import { findRunning, recordRunning, type RunningService } from '../running.js'
import { collect, describePackEvent, EXCLUDE_HELP, parseByteSize, withWarnings } from './pack.js'

/** Deploy ran but `--require` was not met (a service failed, a CID mismatched, verification failed). */
export const DeployFailedError = defineError('ERR_DEPLOY_FAILED')

/** Where the CLI keeps the embedded service's data when no service is configured (like `.git`). */
export const DEFAULT_DATA_DIR = '.pinship'
/** The embedded service's usual port, so printed URLs keep working under a later `pinship serve`. */
export const DEFAULT_EMBEDDED_PORT = 8787
export const DEFAULT_TIMEOUT_SECONDS = 600

export interface CliServiceOptions extends ServiceFlags {
  data?: string
}

export interface CliServices {
  configs: ServiceConfig[]
  /** The in-process embedded service, when one was started (the caller closes it). */
  server?: RunningServer
  /** The embedded service another process already runs on the data dir, when that is what `local` means. */
  running?: RunningService
}

/** The URL and token `local` (and a `psa` without an endpoint) use for an embedded service. */
function useEmbedded (configs: ServiceConfig[], url: string, token: string | undefined): ServiceConfig[] {
  return configs.map(c => {
    if (c.service === 'local' && c.endpoint === undefined) return { ...c, endpoint: url, ...(token !== undefined ? { token } : {}) }
    const psaToken = c.token ?? token
    if (c.service === 'psa' && c.endpoint === undefined) return { ...c, endpoint: url, ...(psaToken !== undefined ? { token: psaToken } : {}) }
    return c
  })
}

/**
 * Turn flags + env into service configs. `local` without an endpoint means "the embedded service on --data": the
 * one another process already runs there (`pinship serve`, a `deploy --serve`), or else one started in-process
 * and handed its own URL and token; a `psa` without an endpoint then uses it too.
 */
export async function cliServices (opts: CliServiceOptions, start: { port?: number, startServer?: boolean } = {}): Promise<CliServices> {
  const configs = resolveServiceConfigs(opts)
  const needsEmbedded = configs.some(c => c.service === 'local' && c.endpoint === undefined)
  if (!needsEmbedded) return { configs }
  const dataDir = opts.data ?? DEFAULT_DATA_DIR
  const running = findRunning(dataDir)
  if (running !== undefined) {
    // A --token flag wins; otherwise the data dir's own token (PINSHIP_TOKEN may well be another service's).
    const token = opts.token ?? running.token
    if (token === undefined) {
      throw new MissingTokenError(`the pinship serve running on ${running.dataDir} (pid ${running.pid}, ${running.url}) has no token file: pass the token it was started with (--token)`)
    }
    return { running, configs: useEmbedded(configs, running.url, token) }
  }
  if (start.startServer === false) return { configs }
  const { startServer } = await import('../../server/index.js')
  let server: RunningServer
  try {
    try {
      server = await startServer({ port: start.port ?? DEFAULT_EMBEDDED_PORT, dataDir })
    } catch (err) {
      // The usual port is taken (another service, a parallel run): any free port serves this run.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
      server = await startServer({ port: 0, dataDir })
    }
  } catch (err) {
    if (isPinshipError(err) && err.code === 'ERR_DATA_DIR_BUSY') {
      throw new DataDirBusyError(`${err.message} To deploy to that service, pass --service local --endpoint <its URL> --token <its token>.`, { cause: err })
    }
    throw err
  }
  // A second deploy (or status) on this data dir while this one runs talks to this service.
  const forget = recordRunning(server.dataDir, server.url)
  const started = server
  const close = async (): Promise<void> => { forget(); await started.close() }
  return { server: { ...server, close }, configs: useEmbedded(configs, server.url, server.tokens[0]) }
}


export function parseTimeout (text: string): number {
  const seconds = Number(text)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(`--timeout must be a positive number of seconds, got ${JSON.stringify(text)}`)
  }
  return Math.round(seconds * 1000)
}

/** Milestone lines for deploy events; byte counts move the bar (see render.ts). */
export function describeDeployEvent (event: ProgressEvent): string | null | undefined {
  const d = event.detail as Record<string, any>
  switch (event.type) {
    case 'pinship:deploy:plan':
      return `deploying to ${(d.services as Array<{ service: string, endpoint: string }>).map(s => `${s.service} (${s.endpoint})`).join(', ')}`
    case 'pinship:deploy:shard-start':
      return d.attempt > 1 ? `${d.service}: sending shard ${d.shard} again (attempt ${d.attempt})` : null
    case 'pinship:deploy:shard-bytes':
    case 'pinship:deploy:done':
    // shards live in a temp folder here: the upload lines say what matters
    case 'pinship:pack:shard':
      return null
    case 'pinship:deploy:shard-done':
      return `${d.service}: shard ${d.shard}${d.shards > 0 ? `/${d.shards}` : ''} accepted (${formatBytes(d.bytes)})`
    case 'pinship:deploy:check':
      if (d.error !== null) return null
      return d.held === d.blocks
        ? `${d.service}: already holds all ${plural(d.blocks, 'block')}; sending none (a header-only CAR records this deploy)`
        : `${d.service}: already holds ${d.held} of ${plural(d.blocks, 'block')}; sending the others`
    case 'pinship:deploy:uploaded':
      return `${d.service}: ${d.shards === 1 ? 'CAR' : `all ${d.shards} shards`} accepted (${formatBytes(d.bytes)}${d.skippedBytes > 0 ? `; skipped ${formatBytes(d.skippedBytes)} it already holds` : ''}), root ${d.cid}`
    case 'pinship:deploy:pin-request':
      return `${d.service}: pin requested${d.requestId !== undefined ? ` (request ${d.requestId})` : ''}`
    case 'pinship:deploy:retry':
      return `${d.service}: ${d.operation} failed (${d.error.message}); retrying${d.retryAfterMs !== undefined ? ` after ${Math.ceil(d.retryAfterMs / 1000)} s as asked` : ''}, ${d.retriesLeft} ${d.retriesLeft === 1 ? 'retry' : 'retries'} left`
    case 'pinship:deploy:state': {
      const deals = (d.deals as Array<{ status: string }>).length > 0 ? `, deals: ${(d.deals as Array<{ status: string }>).map(x => x.status).join(', ')}` : ''
      return `${d.service}: ${d.pin ?? 'not known yet'}${d.rawStatus !== undefined && d.rawStatus !== d.pin ? ` (${d.rawStatus})` : ''}${deals}`
    }
    case 'pinship:deploy:service-done':
      // the reason is printed once, at the end (the error line); here only that it happened
      return d.error !== null ? `${d.service}: failed (${d.error.code})` : `${d.service}: ${d.status}`
    case 'pinship:deploy:verify':
      return d.ok === true ? `verified through ${d.gateway}: ${plural(d.blocks, 'block')} (${formatBytes(d.bytes)}) all present and correct` : `verification through ${d.gateway} failed: ${d.error?.message}`
    default:
      return describePackEvent(event)
  }
}

interface DeployCommandOptions extends CliServiceOptions {
  profile?: string
  hidden: boolean
  name?: string
  wait: string
  timeout: string
  shardSize?: string
  gateway?: string[]
  verify?: boolean
  json?: boolean
  require: string
  allowEmpty?: boolean
  exclude: string[]
  serve?: boolean
  cache: boolean
  cacheDir?: string
}

const WAITS = ['none', 'uploaded', 'pinned', 'deal']

function jsonResult (r: DeployResult): object {
  const out: Record<string, unknown> = {
    cid: r.cid,
    results: r.results.map(s => ({ service: s.service, endpoint: s.endpoint, status: s.status, deals: s.deals, error: s.error, uploadedBytes: s.uploadedBytes, skippedBytes: s.skippedBytes })),
    urls: r.urls
  }
  if (r.verify !== undefined) out.verify = r.verify
  return out
}

function textResult (r: DeployResult): string {
  const lines = [r.cid]
  const width = Math.max(...r.results.map(s => s.service.length), 7)
  for (const s of r.results) {
    const state = s.error !== null ? `FAILED (${s.error.code})` : `${s.status ?? 'unknown'}${s.deals.length > 0 ? ` (deals: ${s.deals.map(d => d.status).join(', ')})` : ''}`
    lines.push(`  ${s.service.padEnd(width)}  ${state}`)
  }
  if (r.verify !== undefined) lines.push(`  ${'verify'.padEnd(width)}  ${r.verify.ok ? `ok via ${r.verify.gateway} (${r.verify.blocks} blocks)` : `FAILED  ${r.verify.error?.message ?? ''}`}`)
  for (const u of r.urls) lines.push(`  ${'url'.padEnd(width)}  ${u}`)
  return lines.join('\n') + '\n'
}

function failureSummary (r: DeployResult, require: string): string {
  const failed = r.results.filter(s => s.error !== null).map(s => `${s.service}: ${s.error?.message ?? ''}`)
  if (r.verify !== undefined && !r.verify.ok) failed.push(`verify: ${r.verify.error?.message ?? ''}`)
  return `deploy of ${r.cid} did not meet --require ${require}: ${failed.join('; ')}`
}

async function waitForInterrupt (): Promise<void> {
  await new Promise<void>(resolve => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

export function register (program: Command): void {
  program
    .command('deploy')
    .description('Pack a folder, upload it to one or more services, check the CID they report and wait until it is pinned.')
    .argument('<path>', 'folder (or file) to deploy, e.g. ./dist')
    .option('--service <slugs>', 'comma-separated: local, web3storage, nftstorage, psa, pinata, kubo, cluster, filebase (env PINSHIP_SERVICE; default local = the embedded service)')
    .option('--endpoint <url>', 'service endpoint (env PINSHIP_ENDPOINT or PINSHIP_<SERVICE>_ENDPOINT)')
    .option('--token <token>', 'service token (env PINSHIP_TOKEN or PINSHIP_<SERVICE>_TOKEN); never printed')
    .option('--profile <name>', `CID profile: ${PROFILE_NAMES.join(', ')}`)
    .option('--no-hidden', 'leave out dot-files and dot-folders (included by default: .well-known must ship)')
    .option('--name <name>', 'pin / upload name (default: the folder name)')
    .option('--wait <state>', `wait for: ${WAITS.join(', ')}`, 'pinned')
    .option('--timeout <seconds>', 'give up waiting (and retrying) after this long', String(DEFAULT_TIMEOUT_SECONDS))
    .option('--shard-size <bytes>', 'largest CAR shard per request (e.g. 100000000 or 95MiB); default the service limit, 100 MB')
    .option('--gateway <url>', 'gateway for URLs and --verify (repeatable)', collect)
    .option('--verify', 'fetch the root through the first gateway as a trustless CAR and check it')
    .option('--json', 'print one JSON object on stdout')
    .option('--require <all|any>', 'succeed when all services (or any one) succeeded', 'all')
    .option('--exclude <glob>', EXCLUDE_HELP, collect, [] as string[])
    .option('--allow-empty', 'deploy an empty folder instead of refusing')
    .option('--serve', 'after deploying to the embedded service, keep serving it until Ctrl-C')
    .option('--data <dir>', `data folder of the embedded service (default ${DEFAULT_DATA_DIR})`)
    .option('--cache-dir <dir>', 'pack cache folder (env PINSHIP_CACHE_DIR; default $XDG_CACHE_HOME/pinship or ~/.cache/pinship)')
    .option('--no-cache', 'hash every file, neither reading nor writing the pack cache')
    .action(async (path: string, opts: DeployCommandOptions) => {
      // Everything that can be checked without the network is checked before a server starts or a byte is packed.
      if (!WAITS.includes(opts.wait)) throw new InvalidArgumentError(`--wait must be one of ${WAITS.join(', ')}, got ${JSON.stringify(opts.wait)}`)
      if (opts.require !== 'all' && opts.require !== 'any') throw new InvalidArgumentError(`--require must be all or any, got ${JSON.stringify(opts.require)}`)
      if (opts.profile !== undefined && !PROFILE_NAMES.includes(opts.profile as ProfileName)) {
        throw new InvalidArgumentError(`unknown --profile ${JSON.stringify(opts.profile)}: use one of ${PROFILE_NAMES.join(', ')}`)
      }
      const timeoutMs = parseTimeout(opts.timeout)
      const shardSize = opts.shardSize === undefined ? undefined : parseByteSize(opts.shardSize)
      const ignore = excludeFilter(opts.exclude)
      const configs = resolveServiceConfigs(opts)
      if (!existsSync(path)) {
        throw new PathNotFoundError(`${path} does not exist: give the folder your build wrote (e.g. ./dist)`)
      }
      if (opts.serve === true && !configs.some(c => c.service === 'local' && c.endpoint === undefined)) {
        throw new InvalidArgumentError('--serve keeps the embedded service running; it needs --service local without --endpoint')
      }

      const { server, running, configs: resolved } = await cliServices(opts)
      if (running !== undefined) {
        process.stderr.write(`pinship: using the pinship serve already running on ${running.dataDir} (pid ${running.pid}) at ${running.url}\n`)
      }
      const renderer = createProgressRenderer({ describe: describeDeployEvent, mode: process.stderr.isTTY ? 'bar' : 'lines' })
      const abort = new AbortController()
      const onSignal = (): void => abort.abort(new Error('interrupted'))
      process.once('SIGINT', onSignal)
      let result: DeployResult
      try {
        const gateways = opts.gateway ?? (server !== undefined ? [server.gatewayUrl] : undefined)
        const cacheDir = resolveCacheDir({ dir: opts.cacheDir, enabled: opts.cache })
        try {
          result = await deploy(path, {
            services: resolved,
            ...(opts.profile !== undefined ? { profile: opts.profile as ProfileName } : {}),
            hidden: opts.hidden,
            ...(ignore !== undefined ? { ignore } : {}),
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            wait: opts.wait as WaitFor,
            timeoutMs,
            ...(shardSize !== undefined ? { shardSize } : {}),
            ...(gateways !== undefined ? { gateways } : {}),
            verify: opts.verify ?? false,
            require: opts.require,
            allowEmpty: opts.allowEmpty ?? false,
            ...(cacheDir !== undefined ? { cacheDir } : {}),
            onProgress: withWarnings(renderer.onProgress),
            signal: abort.signal
          })
        } finally {
          renderer.stop()
          process.off('SIGINT', onSignal)
        }
        process.stdout.write(opts.json === true ? JSON.stringify(jsonResult(result)) + '\n' : textResult(result))
        if (!result.ok) throw new DeployFailedError(failureSummary(result, opts.require))
        if (opts.serve === true && server !== undefined) {
          const u = urlsFor(result.cid, server.gatewayUrl)
          process.stderr.write(`pinship: serving ${u.path}${u.subdomain !== undefined ? ` and ${u.subdomain}` : ''} — press Ctrl-C to stop\n`)
          await waitForInterrupt()
        } else if (server !== undefined) {
          process.stderr.write(`pinship: stored in ${server.dataDir}; the URLs work while \`pinship serve\` runs there (or deploy with --serve)\n`)
        } else if (running !== undefined) {
          process.stderr.write(`pinship: the URLs work while the pinship serve on ${running.dataDir} (pid ${running.pid}) runs\n`)
        }
      } finally {
        await server?.close()
      }
    })
}
