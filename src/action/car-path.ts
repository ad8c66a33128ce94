import { mkdirSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The CAR is written under RUNNER_TEMP (emptied by the runner after the job, so it never lands in the
 * workspace or a later commit) and named by its root CID once known, so later steps and upload-artifact get a
 * stable, unique name.
 */
export function carDir (env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(env.RUNNER_TEMP || tmpdir(), 'pinship')
  mkdirSync(dir, { recursive: true })
  return dir
}

export function partialCarPath (dir: string): string {
  return join(dir, `.partial-${process.pid}-${Date.now()}.car`)
}

export async function finishCar (partial: string, dir: string, cid: string): Promise<string> {
  const final = join(dir, `${cid}.car`)
  await rename(partial, final)
  return final
}

export async function discardCar (partial: string): Promise<void> {
  await rm(partial, { force: true })
}
