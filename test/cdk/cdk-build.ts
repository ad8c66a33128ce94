/**
 * The built constructs (`build/cdktn`, `build/cdktf`) that `pinship/cdktn` and `pinship/cdktf` resolve to. `npm run
 * build` and `prepare` build them; `ensureCdkBuilt()` rebuilds them when provider/cdk changed since, so test files
 * importing them are right when run on their own. At most once per process; a lock keeps parallel workers from
 * building at the same time.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { newest, withBuildLock } from '../helpers/build-lock.js'

const ROOT = new URL('../../', import.meta.url).pathname
const SOURCES = ['provider/cdk', 'scripts/build-cdk.mjs', 'package.json']
const OUTPUTS = ['build/cdktn/index.js', 'build/cdktf/index.js']

function stale (): boolean {
  if (!OUTPUTS.every(f => existsSync(join(ROOT, f)))) return true
  const builtAt = Math.min(...OUTPUTS.map(f => statSync(join(ROOT, f)).mtimeMs))
  return Math.max(...SOURCES.map(p => newest(join(ROOT, p)))) > builtAt
}

let done = false

export async function ensureCdkBuilt (): Promise<void> {
  if (done || !stale()) { done = true; return }
  await withBuildLock(join(ROOT, '.tmp/cdk-build.lock'), () => {
    if (stale()) execFileSync(process.execPath, [join(ROOT, 'scripts/build-cdk.mjs')], { cwd: ROOT, stdio: 'pipe' })
  })
  done = true
}
