/**
 * Running the real `terraform` from the PATH in tests: offline (checkpoint off, providers from a filesystem mirror
 * or dev_overrides), in a scratch working directory, bounded in time, and with a way to find the provider
 * processes it started.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TfResult { code: number | null, stdout: string, stderr: string, ms: number }

export interface TfWorkspace {
  dir: string
  env: NodeJS.ProcessEnv
  run: (args: string[], options?: { timeoutMs?: number, env?: NodeJS.ProcessEnv }) => Promise<TfResult>
  start: (args: string[], options?: { env?: NodeJS.ProcessEnv }) => { child: ChildProcess, output: () => string, done: Promise<TfResult> }
  write: (file: string, text: string) => void
}

export type Installation = { mirror: string } | { devOverrides: Record<string, string> }

export function cliConfig (installation: Installation): string {
  if ('mirror' in installation) {
    return `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(installation.mirror)}\n  }\n}\n`
  }
  const lines = Object.entries(installation.devOverrides).map(([k, v]) => `    ${JSON.stringify(k)} = ${JSON.stringify(v)}`)
  return `provider_installation {\n  dev_overrides {\n${lines.join('\n')}\n  }\n  direct {}\n}\n`
}

export function workspace (dir: string, installation: Installation, extraEnv: NodeJS.ProcessEnv = {}): TfWorkspace {
  mkdirSync(dir, { recursive: true })
  const rc = join(dir, '.terraformrc')
  writeFileSync(rc, cliConfig(installation))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: rc,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    ...extraEnv
  }
  delete env.TF_LOG
  const start: TfWorkspace['start'] = (args, options = {}) => {
    const t0 = performance.now()
    const child = spawn('terraform', [...args, '-no-color'], { cwd: dir, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += String(d) })
    child.stderr.on('data', d => { stderr += String(d) })
    const done = new Promise<TfResult>(resolve => {
      child.on('close', code => { resolve({ code, stdout, stderr, ms: performance.now() - t0 }) })
    })
    return { child, output: () => stdout + stderr, done }
  }
  return {
    dir,
    env,
    start,
    async run (args, options = {}) {
      const { child, done } = start(args, options)
      const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs ?? 120_000)
      try {
        return await done
      } finally {
        clearTimeout(timer)
      }
    },
    write (file, text) { writeFileSync(join(dir, file), text) }
  }
}

/** Pids of live processes whose command line mentions `needle` (to find provider processes left behind). */
export function processesMatching (needle: string): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmd.includes(needle)) out.push(Number(entry))
    } catch {}
  }
  return out
}

/** Pids of provider processes terraform started in `dir` (it runs them with a path relative to its working dir). */
export function providerProcessesIn (dir: string, name = 'terraform-provider-'): number[] {
  return processesMatching(name).filter(pid => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === dir
    } catch {
      return false
    }
  })
}

/** Wait until a running terraform has printed `text` (or `ms` passes); true when it did. */
export async function waitForOutput (output: () => string, text: string, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!output().includes(text) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  return output().includes(text)
}
