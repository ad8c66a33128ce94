import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { checkCid, status } from '../../core/deploy/index.js'
import { isPinshipError } from '../../core/errors.js'
import type { Deal, PinState, ServiceConfig } from '../../core/services/api.js'
import { resolveServiceConfigs } from '../../core/services/config.js'
import { EXIT_FAILURE, EXIT_NOT_FOUND } from '../exit-codes.js'
import { cliServices, DEFAULT_DATA_DIR, type CliServiceOptions } from './deploy.js'

interface StatusCommandOptions extends CliServiceOptions {
  json?: boolean
}

interface ServiceAnswer {
  service: string
  endpoint: string | null
  status: PinState | null
  deals: Deal[]
  rawStatus?: string
  error: { code: string, message: string } | null
}

const ORDER: Array<PinState | null> = [null, 'failed', 'queued', 'pinning', 'pinned']

/** Several services → the least advanced state: "pinned" only when every service has it pinned. */
function combined (answers: ServiceAnswer[]): PinState | null {
  return answers.map(a => a.status).reduce((low, s) => ORDER.indexOf(s) < ORDER.indexOf(low) ? s : low, 'pinned' as PinState | null)
}

export function register (program: Command): void {
  program
    .command('status')
    .description('Show the pin state and Filecoin deals of a CID on one or more services. Exits 3 when a service does not hold it.')
    .argument('<cid>', 'root CID')
    .option('--service <slugs>', 'comma-separated services (env PINSHIP_SERVICE; default local)')
    .option('--endpoint <url>', 'service endpoint (env PINSHIP_ENDPOINT)')
    .option('--token <token>', 'service token, if the status call needs one (env PINSHIP_TOKEN)')
    .option('--data <dir>', `data folder of the embedded service (default ${DEFAULT_DATA_DIR})`)
    .option('--json', 'print {"cid", "status", "deals"} on stdout')
    .action(async (cidArg: string, opts: StatusCommandOptions) => {
      const cid = checkCid(cidArg)
      const wanted = resolveServiceConfigs(opts)
      // Asking the embedded service about a folder that never held data must not create one.
      const noLocalData = !existsSync(opts.data ?? DEFAULT_DATA_DIR)
      const { server, configs } = await cliServices(opts, { port: 0, startServer: !noLocalData })
      try {
        const answers: ServiceAnswer[] = []
        for (const config of configs) answers.push(await ask(cid, config, noLocalData && config.service === 'local' && config.endpoint === undefined))
        const deals = answers.flatMap(a => a.deals)
        const out: Record<string, unknown> = { cid, status: combined(answers), deals }
        if (wanted.length > 1) out.results = answers
        if (opts.json === true) {
          process.stdout.write(JSON.stringify(out) + '\n')
        } else {
          process.stdout.write(`${cid}  ${String(out.status ?? 'unknown')}\n`)
          for (const a of answers) {
            const state = a.error !== null ? `error: ${a.error.message}` : `${a.status ?? 'not known'}${a.rawStatus !== undefined && a.rawStatus !== a.status ? ` (${a.rawStatus})` : ''}`
            process.stdout.write(`  ${a.service.padEnd(11)} ${state}\n`)
            for (const d of a.deals) process.stdout.write(`    deal ${String(d.dealId ?? '?')} ${d.status}${d.storageProvider !== undefined ? ` with ${d.storageProvider}` : ''}\n`)
          }
        }
        // A script asking "is it there?" reads the exit code: a service that could not be asked is a failure; one
        // that answered without the CID (unknown, or its pin failed) is "not there".
        if (answers.some(a => a.error !== null)) process.exitCode = EXIT_FAILURE
        else if (answers.some(a => a.status === null || a.status === 'failed')) process.exitCode = EXIT_NOT_FOUND
      } finally {
        await server?.close()
      }
    })
}

async function ask (cid: string, config: ServiceConfig, noData: boolean): Promise<ServiceAnswer> {
  if (noData) return { service: config.service, endpoint: null, status: null, deals: [], error: null }
  try {
    const s = await status(cid, { service: config })
    const a: ServiceAnswer = { service: config.service, endpoint: config.endpoint ?? null, status: s.pin, deals: s.deals, error: null }
    if (s.rawStatus !== undefined) a.rawStatus = s.rawStatus
    return a
  } catch (err) {
    // Bad configuration is a usage error for the whole command; a service failing is this service's answer.
    if (isPinshipError(err) && ['ERR_UNKNOWN_SERVICE', 'ERR_INVALID_ENDPOINT', 'ERR_MISSING_TOKEN', 'ERR_INVALID_CID'].includes(err.code)) throw err
    const e = isPinshipError(err) ? { code: err.code, message: err.message } : { code: 'ERR_UNEXPECTED', message: String(err) }
    return { service: config.service, endpoint: config.endpoint ?? null, status: null, deals: [], error: e }
  }
}
