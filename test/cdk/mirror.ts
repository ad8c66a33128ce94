/**
 * A private copy of the provider's filesystem mirror for one test file. provider/build is shared: a build started
 * elsewhere (another worker after a source change, an engineer's `npm run build:provider`) empties it first, and a
 * rebuilt executable no longer matches the checksums `terraform init` recorded. A copy taken right after
 * ensureProviderBuilt() stays put for the whole file.
 */
import { access, constants, cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ensureProviderBuilt, PROVIDER_ADDRESS, VERSION } from '../helpers/provider-build.js'

export async function snapshotMirror (dest: string): Promise<string> {
  let lastError: unknown
  for (let attempt = 0; attempt < 5; attempt++) {
    const { mirror } = await ensureProviderBuilt()
    await rm(dest, { recursive: true, force: true })
    try {
      await cp(mirror, dest, { recursive: true })
      await access(join(dest, PROVIDER_ADDRESS, VERSION, 'linux_amd64', `terraform-provider-pinship_v${VERSION}`), constants.X_OK)
      return dest
    } catch (err) {
      // Caught mid-rebuild: wait for it (ensureProviderBuilt takes the build lock) and copy again.
      lastError = err
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
  }
  throw new Error(`could not copy the provider mirror: ${String(lastError)}`)
}
