/**
 * The built Terraform provider for tests. vitest's global setup (test/global-setup.ts) builds it once per run
 * (bundle, filesystem mirror and standalone executable); `ensureProviderBuilt()` returns where it is, building it
 * under a lock when a test file runs without the global setup or the sources changed since.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { newest, withBuildLock } from './build-lock.js'

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

function stale (): boolean {
  const exe = platform(join(BUILD, 'standalone/mirror'))
  if (!existsSync(exe) || !existsSync(platform(join(BUILD, 'mirror')))) return true
  const sources = Math.max(...['provider/src', 'provider/proto', 'src/core', 'scripts/build-provider.mjs', 'package.json'].map(p => newest(join(REPO, p))))
  return statSync(exe).mtimeMs < sources
}

export async function ensureProviderBuilt (): Promise<ProviderBuild> {
  if (stale()) {
    await withBuildLock(join(REPO, 'provider/.build.lock'), () => {
      if (stale()) execFileSync(process.execPath, [join(REPO, 'scripts/build-provider.mjs')], { cwd: REPO, stdio: 'pipe' })
    })
  }
  const mirror = join(BUILD, 'mirror')
  const standaloneMirror = join(BUILD, 'standalone/mirror')
  return { mirror, standaloneMirror, executable: platform(mirror), standaloneExecutable: platform(standaloneMirror) }
}
