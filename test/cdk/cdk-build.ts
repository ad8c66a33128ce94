/**
 * The built constructs (`build/cdktn`, `build/cdktf`) that `pinship/cdktn` and `pinship/cdktf` resolve to. `npm run
 * build` and `prepare` build them; `ensureCdkBuilt()` rebuilds them when provider/cdk changed since, so test files
 * importing them are right when run on their own. At most once per process; a lock keeps parallel workers from
 * building at the same time.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = new URL('../../', import.meta.url).pathname
const SOURCES = ['provider/cdk', 'scripts/build-cdk.mjs', 'package.json']
const OUTPUTS = ['build/cdktn/index.js', 'build/cdktf/index.js']

function newest (path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(s.mtimeMs, ...readdirSync(path).map(e => newest(join(path, e))))
}

function stale (): boolean {
  if (!OUTPUTS.every(f => existsSync(join(ROOT, f)))) return true
  const builtAt = Math.min(...OUTPUTS.map(f => statSync(join(ROOT, f)).mtimeMs))
  return Math.max(...SOURCES.map(p => newest(join(ROOT, p)))) > builtAt
}

let done = false

export async function ensureCdkBuilt (): Promise<void> {
  if (done || !stale()) { done = true; return }
  const lock = join(ROOT, '.tmp/cdk-build.lock')
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'))
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') { mkdirSync(join(ROOT, '.tmp'), { recursive: true }); continue }
      // A lock older than any build is left over from a killed run.
      try { if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { force: true }) } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for another worker to build the CDK constructs (lock ${lock})`)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [join(ROOT, 'scripts/build-cdk.mjs')], { cwd: ROOT, stdio: 'pipe' })
  } finally {
    rmSync(lock, { force: true })
  }
  done = true
}
