// One server per data dir, with a lock the OS releases when its process dies: a stale lock file naming some live
// process blocks nothing, a live holder is named, and after kill -9 the next start needs no hand-work.
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, startTestServer, tempDir, ensureCliBuilt } from './helpers.js'

let tmp: { path: string, remove: () => Promise<void> }
beforeAll(async () => {
  tmp = await tempDir()
  ensureCliBuilt()
})
afterAll(async () => { await tmp.remove() })

describe('data dir lock', () => {
  it('ignores a stale pid lock file (left by an older version) naming an unrelated live process', async () => {
    const dir = join(tmp.path, 'stale')
    const s0 = await startTestServer({}, dir)
    await s0.close()
    // pid 1 is always alive and never a pinship serve
    await writeFile(join(dir, 'lock'), '1')
    const s = await startTestServer({}, dir)
    await s.close()
  })

  it('refuses a second server in another process, naming its pid; after kill -9 the dir is free at once', async () => {
    const dir = join(tmp.path, 'held')
    const child = spawn(process.execPath, [join(ROOT, 'bin/pinship'), 'serve', '--port', '0', '--json', '--data', dir, '--token', 't'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const exited = new Promise(resolve => child.once('exit', resolve))
    try {
      await new Promise(resolve => createInterface({ input: child.stdout }).once('line', resolve))
      const err = await startTestServer({}, dir).then(async s => { await s.close(); return undefined }, (e: unknown) => e)
      expect(err).toMatchObject({ code: 'ERR_DATA_DIR_BUSY' })
      expect((err as Error).message).toContain(`(pid ${String(child.pid)})`)
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    const s = await startTestServer({}, dir)
    await s.close()
  })

  it('one lock per directory, whatever path names it', async () => {
    const dir = join(tmp.path, 'aliased')
    const s = await startTestServer({}, dir)
    try {
      await expect(startTestServer({}, join(dir, '..', 'aliased'))).rejects.toMatchObject({ code: 'ERR_DATA_DIR_BUSY' })
    } finally {
      await s.close()
    }
  })
})
