/**
 * `pinship serve` failing to start says what to do in one line (no raw Node errors) and leaves no data folder; a
 * failed `pack` leaves no output folder; start-up names the account page; --help shows one default per option.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer as createNetServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../deploy/folders.js'
import { launch, waitFor, type Run } from './launch.js'



let scratch: Awaited<ReturnType<typeof tempDir>>
let busy: Server
let busyPort: number

beforeAll(async () => {
  scratch = await tempDir()
  busy = createNetServer()
  await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
  busyPort = (busy.address() as { port: number }).port
})

afterAll(async () => {
  await new Promise<void>(resolve => busy.close(() => resolve()))
  await scratch?.cleanup()
})

async function pinship (...args: string[]): Promise<Run> {
  return await launch(args, scratch.path).done
}

function oneLine (r: Run): string {
  const lines = r.stderr.trim().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(r.stderr).not.toMatch(/unexpected error|EADDRINUSE|ENOTFOUND|EEXIST|ENOTDIR|getaddrinfo/)
  return lines[0]
}

describe('pinship serve start-up failures', () => {
  it('a port in use: exit 1, what to do, no data folder left', async () => {
    const data = join(scratch.path, 'd-port')
    const r = await pinship('serve', '--port', String(busyPort), '--data', data)
    expect(oneLine(r)).toBe(`pinship: port ${busyPort} on 127.0.0.1 is already in use (another pinship serve, or another program): stop it, or pick another --port (--port 0 takes any free one)`)
    expect(r.code).toBe(1)
    expect(existsSync(data)).toBe(false)
  })

  it('a host that is no address of this machine: exit 2, no data folder left', async () => {
    const data = join(scratch.path, 'd-host')
    const r = await pinship('serve', '--host', '999.1.1.1', '--port', '0', '--data', data)
    expect(oneLine(r)).toBe('pinship: --host 999.1.1.1 is not a name or address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)')
    expect(r.code).toBe(2)
    expect(existsSync(data)).toBe(false)
  })

  it('--data that is a file (or inside one): exit 2, the file untouched', async () => {
    const file = join(scratch.path, 'not-a-folder')
    await writeFile(file, 'keep me\n')
    const r = await pinship('serve', '--port', '0', '--data', file)
    expect(oneLine(r)).toBe(`pinship: --data ${file} is a file, not a folder: give a folder for the service's data (it is created if missing)`)
    expect(r.code).toBe(2)
    const inside = await pinship('serve', '--port', '0', '--data', join(file, 'sub'))
    expect(oneLine(inside)).toBe(`pinship: --data ${join(file, 'sub')} is (or is inside) a file, not a folder: give a folder for the service's data (it is created if missing)`)
    expect(inside.code).toBe(2)
    expect(readFileSync(file, 'utf8')).toBe('keep me\n')
  })

  it('an existing data folder stays when start-up fails', async () => {
    const data = join(scratch.path, 'd-kept')
    await mkdir(data)
    await writeFile(join(data, 'note'), 'mine\n')
    const r = await pinship('serve', '--port', String(busyPort), '--data', data)
    expect(r.code).toBe(1)
    expect(readFileSync(join(data, 'note'), 'utf8')).toBe('mine\n')
  })
})

describe('pinship serve start-up', () => {
  it('prints the account page URL, and it answers', async () => {
    const s = launch(['serve', '--port', '0', '--data', join(scratch.path, 'd-ok')], scratch.path)
    try {
      await waitFor(s, 'out', /Press Ctrl\+C/)
      const m = /^account page: (http:\/\/127\.0\.0\.1:\d+\/account) /m.exec(s.out())
      expect(m, s.out()).not.toBeNull()
      const page = await fetch((m as RegExpExecArray)[1])
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('pinship account')
    } finally {
      s.child.kill('SIGINT')
      expect((await s.done).code).toBe(0)
    }
  })

  it('--help shows one default for --token', async () => {
    const r = await pinship('serve', '--help')
    expect(r.code).toBe(0)
    const token = r.stdout.slice(r.stdout.indexOf('--token'), r.stdout.indexOf('--rate-limit'))
    expect(token.match(/default/g)).toHaveLength(1)
  })
})

describe('a failed pack leaves no output folder', () => {
  it.each([
    ['a shard size below the largest block', ['--shard-size', '1000'], 'shards/new'],
    ['an empty folder', ['--shard-size', '1MB'], 'shards/empty-run'],
    ['an empty folder, one CAR', [], 'cars/new/site.car']
  ])('%s', async (what, flags, out) => {
    const site = join(scratch.path, what.startsWith('an empty') ? 'empty-site' : 'site')
    await mkdir(site, { recursive: true })
    if (!what.startsWith('an empty')) await writeFile(join(site, 'big.bin'), Buffer.alloc(300_000, 7))
    const r = await pinship('pack', site, '-o', join(scratch.path, out), ...flags)
    expect(r.code).toBe(2)
    expect(existsSync(join(scratch.path, out.split('/')[0])), r.stderr).toBe(false)
  })
})
