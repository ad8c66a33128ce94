/**
 * Runs the built CLI as a user would: `node bin/pinship …` with no PINSHIP_* variables from the test's environment,
 * output collected as it comes (for tests that wait on a start-up line) and in full once it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const BIN = join(process.cwd(), 'bin/pinship')

export interface Run { code: number | null, stdout: string, stderr: string }

export interface Live { child: ChildProcess, out: () => string, err: () => string, done: Promise<Run> }

export function launch (args: string[], cwd: string): Live {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PINSHIP_')))
  const child = spawn(process.execPath, [BIN, ...args], { env: clean, cwd })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', d => { stdout += String(d) })
  child.stderr?.on('data', d => { stderr += String(d) })
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
  return { child, out: () => stdout, err: () => stderr, done }
}
