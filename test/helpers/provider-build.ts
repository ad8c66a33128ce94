/**
 * The built Terraform provider for tests. vitest's global setup (test/global-setup.ts) builds it once per run
 * (bundle, filesystem mirror and standalone executable); `ensureProviderBuilt()` returns where it is, building it
 * under a lock when a test file runs without the global setup or the sources changed since.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const REPO = new URL('../../', import.meta.url).pathname
export const VERSION: string = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version
export const PROVIDER_ADDRESS = 'registry.terraform.io/pinship/pinship'

export interface ProviderBuild {
  /** Filesystem mirror holding the node-run executable (needs node on the PATH). */
  mirror: string
  /** Filesystem mirror holding the standalone executable (no node needed). */
  standaloneMirror: string
  /** The node-run executable itself. */
  executable: string
  standaloneExecutable: string
}

const BUILD = join(REPO, 'provider/build')
const platform = (mirror: string): string => join(mirror, PROVIDER_ADDRESS, VERSION, 'linux_amd64', `terraform-provider-pinship_v${VERSION}`)

function newest (path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  let t = 0
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)))
  return t
}

function stale (): boolean {
  const exe = platform(join(BUILD, 'standalone/mirror'))
  if (!existsSync(exe) || !existsSync(platform(join(BUILD, 'mirror')))) return true
  const sources = Math.max(...['provider/src', 'provider/proto', 'src/core', 'scripts/build-provider.mjs', 'package.json'].map(p => newest(join(REPO, p))))
  return statSync(exe).mtimeMs < sources
}

async function withLock<T> (fn: () => T): Promise<T> {
  const lock = join(REPO, 'provider/.build.lock')
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'))
      break
    } catch {
      // a lock older than the longest build is left over from a killed run
      try { if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { force: true }) } catch {}
      if (Date.now() > deadline) throw new Error('timed out waiting for another test worker to build the provider')
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { force: true })
  }
}

export async function ensureProviderBuilt (): Promise<ProviderBuild> {
  if (stale()) {
    await withLock(() => {
      if (stale()) execFileSync(process.execPath, [join(REPO, 'scripts/build-provider.mjs')], { cwd: REPO, stdio: 'pipe' })
    })
  }
  const mirror = join(BUILD, 'mirror')
  const standaloneMirror = join(BUILD, 'standalone/mirror')
  return { mirror, standaloneMirror, executable: platform(mirror), standaloneExecutable: platform(standaloneMirror) }
}
