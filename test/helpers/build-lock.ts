/**
 * Building generated outputs (the provider, the CDK constructs) from tests: at most one worker builds at a time, and
 * a build is redone only when a source is newer than its output.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Newest modification time under a path (the path itself for a file). */
export function newest (path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(s.mtimeMs, ...readdirSync(path).map(e => newest(join(path, e))))
}

/** Run `fn` holding an exclusive lock file; a lock older than `staleMs` is left over from a killed run. */
export async function withBuildLock<T> (lock: string, fn: () => T, staleMs = 180_000): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true })
  const deadline = Date.now() + staleMs
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'))
      break
    } catch {
      try { if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { force: true }) } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for another test worker's build (lock ${lock})`)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { force: true })
  }
}
