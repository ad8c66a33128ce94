/**
 * Which embedded service is running on a data dir, so a second `pinship deploy` (or `status`, `ls`) talks to it
 * instead of failing on its lock. The CLI process that runs a service (`pinship serve`, `deploy --serve`, any
 * deploy while it runs) writes `<data>/serve.json` with its pid and URL and removes it when the service stops; the
 * token is the data dir's own (`<data>/token`) unless the service was given others.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const RUNNING_FILE = 'serve.json'

export interface RunningService {
  pid: number
  url: string
  /** The data dir's generated token, when it has one (a service started with --token may accept only those). */
  token?: string
  dataDir: string
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as { code?: string }).code === 'EPERM' }
}

/** Records a service this process runs on `dataDir`; the returned function removes the record. */
export function recordRunning (dataDir: string, url: string): () => void {
  const file = join(resolve(dataDir), RUNNING_FILE)
  writeFileSync(file, JSON.stringify({ pid: process.pid, url }) + '\n')
  return () => {
    try {
      const now = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }
      if (now.pid === process.pid) rmSync(file, { force: true })
    } catch { /* already gone */ }
  }
}

/** The service another live process runs on `dataDir`, or undefined (none, or a record its dead owner left). */
export function findRunning (dataDir: string): RunningService | undefined {
  const dir = resolve(dataDir)
  let record: { pid?: unknown, url?: unknown }
  try {
    record = JSON.parse(readFileSync(join(dir, RUNNING_FILE), 'utf8'))
  } catch {
    return undefined
  }
  const { pid, url } = record
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof url !== 'string') return undefined
  if (pid === process.pid || !alive(pid)) return undefined
  let token: string | undefined
  try {
    token = readFileSync(join(dir, 'token'), 'utf8').trim() || undefined
  } catch { /* a service given --token may have no token file */ }
  return { pid, url, dataDir: dir, ...(token !== undefined ? { token } : {}) }
}
