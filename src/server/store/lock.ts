import { createHash } from 'node:crypto'
import { mkdir, realpath, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server } from 'node:net'
import { join, resolve } from 'node:path'
import { defineError } from '../../core/errors.js'

export const DataDirBusyError = defineError('ERR_DATA_DIR_BUSY')

const heldHere = new Set<string>()

/** How long to wait for a lock holder to say its pid before reporting it busy without one. */
const ASK_PID_TIMEOUT_MS = 1000

/**
 * The lock is a listening Unix socket, which the kernel closes when its process dies however it dies: nothing
 * stale is left to clear by hand, and no pid is guessed at (a pid file can name an unrelated live process after
 * a reboot or pid reuse). On Linux it lives in the abstract namespace, bound atomically and never a file; elsewhere
 * it is `<data>/lock.sock`, taken over when nothing answers on it.
 */
function lockAddress (dir: string): { path: string, abstract: boolean } {
  if (process.platform === 'linux') {
    return { path: `\0pinship-data-dir-${createHash('sha256').update(dir).digest('hex').slice(0, 40)}`, abstract: true }
  }
  return { path: join(dir, 'lock.sock'), abstract: false }
}

async function listen (server: Server, path: string): Promise<NodeJS.ErrnoException | undefined> {
  return await new Promise(resolve => {
    server.once('error', resolve)
    server.listen(path, () => { server.off('error', resolve); resolve(undefined) })
  })
}

/** The holder's pid, or undefined when nothing answers (a dead holder's socket file) or it answers oddly. */
async function askHolder (path: string): Promise<{ alive: boolean, pid?: number }> {
  return await new Promise(resolve => {
    const socket = createConnection(path)
    let text = ''
    const done = (result: { alive: boolean, pid?: number }): void => { socket.destroy(); resolve(result) }
    socket.setTimeout(ASK_PID_TIMEOUT_MS, () => done({ alive: true }))
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
    socket.on('end', () => { const pid = Number(text); done(Number.isInteger(pid) && pid > 0 ? { alive: true, pid } : { alive: true }) })
    socket.on('error', (err: NodeJS.ErrnoException) => done({ alive: err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT' }))
  })
}

/** One server (or `pinship repair`) per data dir, held until the returned function is called or the process dies. */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  await mkdir(resolve(dataDir), { recursive: true })
  // one lock per directory, however it is named (relative path, symlink)
  const dir = await realpath(resolve(dataDir))
  if (heldHere.has(dir)) throw new DataDirBusyError(`Data dir ${dir} is already used by a server in this process. Close it first or use another --data dir.`)
  const address = lockAddress(dir)
  for (let attempt = 0; attempt < 2; attempt++) {
    // a client connecting is told our pid, so a refused second server can name who holds the dir
    const server = createServer(socket => { socket.on('error', () => {}); socket.end(String(process.pid)) })
    const err = await listen(server, address.path)
    if (err === undefined) {
      server.unref()
      heldHere.add(dir)
      return async () => {
        heldHere.delete(dir)
        await new Promise<void>(resolve => server.close(() => resolve()))
      }
    }
    if (err.code !== 'EADDRINUSE') throw err
    const holder = await askHolder(address.path)
    if (holder.alive) {
      throw new DataDirBusyError(`Data dir ${dir} is in use by another pinship serve or repair${holder.pid === undefined ? '' : ` (pid ${holder.pid})`}. ` +
        'Stop it or use another --data dir.')
    }
    // a socket file whose process is gone: nothing listens on it any more (an abstract name just freed needs no removal)
    if (!address.abstract) await rm(address.path, { force: true })
  }
  throw new DataDirBusyError(`Could not lock data dir ${dir}; if no server is running there, remove ${address.path} and retry.`)
}
