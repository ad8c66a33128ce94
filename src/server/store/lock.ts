import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { defineError } from '../../core/errors.js'

export const DataDirBusyError = defineError('ERR_DATA_DIR_BUSY')

const heldHere = new Set<string>()

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as { code?: string }).code === 'EPERM' }
}

/** One server per data dir: a pid lock file, taken over when its owner is gone (e.g. after kill -9). */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir)
  const file = join(dir, 'lock')
  if (heldHere.has(dir)) throw new DataDirBusyError(`Data dir ${dir} is already used by a server in this process. Close it first or use another --data dir.`)
  await mkdir(dir, { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx')
      await fh.writeFile(String(process.pid))
      await fh.close()
      heldHere.add(dir)
      return async () => { heldHere.delete(dir); await rm(file, { force: true }) }
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DataDirBusyError(`Data dir ${dir} is in use by another pinship serve (pid ${pid}). Stop it or use another --data dir.`)
      }
      await rm(file, { force: true })
    }
  }
  throw new DataDirBusyError(`Could not lock data dir ${dir}; remove ${file} if no server is running.`)
}
