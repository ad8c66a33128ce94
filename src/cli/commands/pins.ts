import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { checkCid, list, pin, unpin } from '../../core/deploy/index.js'
import type { WaitFor } from '../../core/deploy/api.js'
import { InvalidArgumentError } from '../../core/errors.js'
import type { ServiceConfig } from '../../core/services/api.js'
import { resolveServiceConfigs } from '../../core/services/config.js'
import { cliServices, DEFAULT_DATA_DIR, DEFAULT_TIMEOUT_SECONDS, parseTimeout, type CliServiceOptions } from './deploy.js'

interface PinsCommandOptions extends CliServiceOptions {
  json?: boolean
}

/** pin/unpin/ls talk to one service at a time: several would make "which pin?" ambiguous. */
async function oneService (opts: CliServiceOptions): Promise<{ config: ServiceConfig, close: () => Promise<void> }> {
  const { configs, server } = await cliServices(opts, { port: 0 })
  if (configs.length !== 1) {
    await server?.close()
    throw new InvalidArgumentError(`this command works on one service at a time; --service lists ${configs.length}`)
  }
  return { config: configs[0], close: async () => { await server?.close() } }
}

function serviceOptions (cmd: Command): Command {
  return cmd
    .option('--service <slug>', 'service (env PINSHIP_SERVICE; default local)')
    .option('--endpoint <url>', 'service endpoint (env PINSHIP_ENDPOINT)')
    .option('--token <token>', 'service token (env PINSHIP_TOKEN); never printed')
    .option('--data <dir>', `data folder of the embedded service (default ${DEFAULT_DATA_DIR})`)
    .option('--json', 'print JSON on stdout')
}

export function register (program: Command): void {
  serviceOptions(program.command('pin')
    .description('Ask a service to pin a CID that is already on the network (pin by CID).')
    .argument('<cid>', 'CID to pin')
    .option('--name <name>', 'pin name')
    .option('--origin <multiaddr>', 'a node that has the content, e.g. /ip4/10.0.0.5/tcp/8080/http (PSA origins, Pinata hostNodes); repeat for several', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--wait <state>', 'wait for: none, uploaded, pinned', 'none')
    .option('--timeout <seconds>', 'give up waiting after this long', String(DEFAULT_TIMEOUT_SECONDS)))
    .action(async (cidArg: string, opts: PinsCommandOptions & { name?: string, origin: string[], wait: string, timeout: string }) => {
      const cid = checkCid(cidArg)
      if (!['none', 'uploaded', 'pinned'].includes(opts.wait)) throw new InvalidArgumentError(`--wait must be none, uploaded or pinned, got ${JSON.stringify(opts.wait)}`)
      const timeoutMs = parseTimeout(opts.timeout)
      const { config, close } = await oneService(opts)
      try {
        const r = await pin(cid, { service: config, ...(opts.name !== undefined ? { name: opts.name } : {}), ...(opts.origin.length > 0 ? { origins: opts.origin } : {}), wait: opts.wait as WaitFor, timeoutMs })
        const state = r.status?.pin ?? 'requested'
        if (opts.json === true) {
          process.stdout.write(JSON.stringify({ cid, service: config.service, requestId: r.requestId ?? null, status: r.status?.pin ?? null }) + '\n')
        } else {
          process.stdout.write(`${cid}  ${config.service}: ${state}${r.requestId !== undefined ? ` (request ${r.requestId})` : ''}\n`)
        }
      } finally {
        await close()
      }
    })

  serviceOptions(program.command('unpin')
    .description('Ask a service to stop pinning a CID.')
    .argument('<cid>', 'CID to unpin'))
    .action(async (cidArg: string, opts: PinsCommandOptions) => {
      const cid = checkCid(cidArg)
      const { config, close } = await oneService(opts)
      try {
        await unpin(cid, { service: config })
        process.stdout.write(opts.json === true ? JSON.stringify({ cid, service: config.service, unpinned: true }) + '\n' : `${cid}  ${config.service}: unpinned\n`)
      } finally {
        await close()
      }
    })

  serviceOptions(program.command('ls')
    .description('List what a service holds for this token (newest first).')
    .option('--limit <n>', 'how many', '25'))
    .action(async (opts: PinsCommandOptions & { limit: string }) => {
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidArgumentError(`--limit must be a whole number from 1 to 1000, got ${JSON.stringify(opts.limit)}`)
      const wanted = resolveServiceConfigs(opts)
      if (wanted.length === 1 && wanted[0].service === 'local' && wanted[0].endpoint === undefined && !existsSync(opts.data ?? DEFAULT_DATA_DIR)) {
        // Listing an embedded service that never stored anything must not create its data folder.
        process.stdout.write(opts.json === true ? JSON.stringify({ service: 'local', pins: [] }) + '\n' : '')
        if (opts.json !== true) process.stderr.write(`pinship: nothing stored yet in ${opts.data ?? DEFAULT_DATA_DIR}\n`)
        return
      }
      const { config, close } = await oneService(opts)
      try {
        const pins = await list({ service: config, limit })
        if (opts.json === true) {
          process.stdout.write(JSON.stringify({ service: config.service, pins }) + '\n')
        } else {
          for (const p of pins) process.stdout.write(`${p.cid}  ${(p.pin ?? 'unknown').padEnd(7)}  ${p.created ?? ''}  ${p.name ?? ''}\n`.replace(/ +\n$/, '\n'))
          if (pins.length === 0) process.stderr.write(`pinship: ${config.service} holds nothing for this token\n`)
        }
      } finally {
        await close()
      }
    })
}
