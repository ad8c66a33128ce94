/**
 * Runs the built CLI as a user would: `node bin/pinship …` with no PINSHIP_* variables from the test's environment,
 * output collected as it comes (for tests that wait on a start-up line) and in full once it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const BIN = join(process.cwd(), 'bin/pinship')

export interface Run { code: number | null, stdout: string, stderr: string }

export interface Live { child: ChildProcess, out: () => string, err: () => string, done: Promise<Run> }

/** Starts the CLI with a clean environment (no PINSHIP_* from the developer's shell) plus `env`, on `node`. */
export function launch (args: string[], cwd: string, options: { env?: Record<string, string>, node?: string } = {}): Live {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PINSHIP_')))
  const child = spawn(options.node ?? process.execPath, [BIN, ...args], { env: { ...clean, ...options.env }, cwd })
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

/**
 * Waits until the CLI's stdout or stderr matches `re`, without a clock of its own (the test's timeout bounds it; a
 * poll bounded at a few seconds ran out on a loaded machine before the CLI had started); fails at once if the CLI
 * exits first.
 */
export async function waitFor (live: Live, stream: 'out' | 'err', re: RegExp): Promise<RegExpExecArray> {
  const text = stream === 'out' ? live.out : live.err
  const pipe = stream === 'out' ? live.child.stdout : live.child.stderr
  return await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = (): boolean => {
      const m = re.exec(text())
      if (m === null) return false
      pipe?.off('data', check)
      live.child.off('close', exited)
      resolve(m)
      return true
    }
    const exited = (code: number | null): void => {
      if (check()) return
      pipe?.off('data', check)
      reject(new Error(`exited ${String(code)} before printing ${String(re)}: ${live.err()}`))
    }
    // registered after launch()'s own listener, so text() already holds the chunk
    pipe?.on('data', check)
    live.child.once('close', exited)
    check()
  })
}
