/**
 * First run: `npm run demo` leaves the site reachable until Ctrl-C, and a second deploy (or status) on a data dir a
 * running `pinship serve` or `deploy --serve` holds talks to that service instead of failing on its lock.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { smallSite, tempDir } from '../deploy/folders.js'
import { lockDataDir } from '../../src/server/store/lock.js'
import { launch, type Live } from './launch.js'

const REPO = process.cwd()


async function until (what: string, check: () => RegExpExecArray | null, live: Live): Promise<RegExpExecArray> {
  for (let i = 0; i < 600; i++) {
    const m = check()
    if (m !== null) return m
    if (live.child.exitCode !== null) throw new Error(`exited ${String(live.child.exitCode)} before ${what}: ${live.err()}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`no ${what} after 15 s: ${live.err()}`)
}

let scratch: Awaited<ReturnType<typeof tempDir>>
let site: string
const children: ChildProcess[] = []

beforeAll(async () => {
  scratch = await tempDir()
  site = await smallSite(join(scratch.path, 'site'))
})

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  await scratch?.cleanup()
})

describe('npm run demo', () => {
  it('keeps the site reachable until Ctrl-C; running it again meanwhile uses the running service', async () => {
    const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo
    expect(script).toMatch(/^node bin\/pinship deploy examples\/site --serve$/)
    const args = script.split(' ').slice(2)
    // a fresh checkout's layout, in a scratch folder so ./.pinship lands there
    const cwd = join(scratch.path, 'checkout')
    await (await import('node:fs/promises')).mkdir(cwd)
    await symlink(join(REPO, 'examples'), join(cwd, 'examples'))

    const first = launch(args, cwd)
    children.push(first.child)
    const url = (await until('"serving" line', () => /serving (\S+) and (\S+) — press Ctrl-C to stop/.exec(first.err()), first))[1]
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>pinship example site')
    expect(existsSync(join(cwd, '.pinship', 'serve.json'))).toBe(true)

    const second = await launch(args, cwd).done
    expect(second.stderr).not.toMatch(/in use/)
    expect(second.stderr).toMatch(/using the pinship serve already running on .*\.pinship \(pid \d+\) at http:\/\/127\.0\.0\.1:\d+/)
    expect(second.code).toBe(0)
    const cid = second.stdout.split('\n')[0]
    expect(first.out().split('\n')[0]).toBe(cid)
    expect(second.stdout).toContain(url)
    expect((await fetch(url)).status).toBe(200)

    first.child.kill('SIGINT')
    expect((await first.done).code).toBe(0)
    expect(existsSync(join(cwd, '.pinship', 'serve.json'))).toBe(false)
    await expect(fetch(url)).rejects.toThrow()
  }, 60_000)
})

describe('deploy and status on a data dir a running pinship serve holds', () => {
  it('talk to that service (its URL from the data dir, its generated token)', async () => {
    const data = join(scratch.path, 'served')
    const serve = launch(['serve', '--port', '0', '--data', data, '--json'], scratch.path)
    children.push(serve.child)
    const { url } = JSON.parse((await until('start-up line', () => /^\{.*\}\n/.exec(serve.out()), serve))[0]) as { url: string }
    const d = await launch(['deploy', site, '--data', data, '--json'], scratch.path).done
    expect(d.stderr).toContain(`at ${url}`)
    expect(d.code).toBe(0)
    const out = JSON.parse(d.stdout)
    expect(out.results[0]).toMatchObject({ service: 'local', endpoint: url, status: 'pinned', error: null })
    expect(out.urls[0]).toBe(`${url}/ipfs/${out.cid as string}/`)
    expect((await fetch(out.urls[0])).status).toBe(200)
    const st = await launch(['status', out.cid, '--data', data, '--json'], scratch.path).done
    expect(st.code).toBe(0)
    expect(JSON.parse(st.stdout).status).toBe('pinned')

    serve.child.kill('SIGINT')
    expect((await serve.done).code).toBe(0)
    // with the service gone, the data dir is opened in-process again
    const after = await launch(['status', out.cid, '--data', data, '--json'], scratch.path).done
    expect(after.code).toBe(0)
    expect(JSON.parse(after.stdout).status).toBe('pinned')
  }, 60_000)

  it('a record left by a process that died is ignored', async () => {
    const data = join(scratch.path, 'stale')
    await (await import('node:fs/promises')).mkdir(data)
    const dead = spawn(process.execPath, ['-e', ''])
    const pid = dead.pid as number
    await new Promise(resolve => dead.on('close', resolve))
    await writeFile(join(data, 'serve.json'), JSON.stringify({ pid, url: 'http://127.0.0.1:1' }))
    const d = await launch(['deploy', site, '--data', data, '--json'], scratch.path).done
    expect(d.code).toBe(0)
    expect(JSON.parse(d.stdout).results[0].endpoint).not.toBe('http://127.0.0.1:1')
  }, 60_000)

  it('a data dir locked by a live process that left no URL: says how to reach that service instead', async () => {
    const data = join(scratch.path, 'locked')
    // this test process holds the data dir's lock as a service would, but wrote no serve.json
    const unlock = await lockDataDir(data)
    try {
      const d = await launch(['deploy', site, '--data', data], scratch.path).done
      expect(d.code).toBe(1)
      expect(d.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^pinship: Data dir .*locked is in use by another pinship serve or repair \\(pid ${process.pid}\\)\\. .* To deploy to that service, pass --service local --endpoint <its URL> --token <its token>\\.$`))
    } finally {
      await unlock()
    }
  }, 60_000)

  it('a service started with its own --token needs that token', async () => {
    const data = join(scratch.path, 'own-token')
    const serve = launch(['serve', '--port', '0', '--data', data, '--token', 'own-token-0123456789', '--json'], scratch.path)
    children.push(serve.child)
    await until('start-up line', () => /^\{.*\}\n/.exec(serve.out()), serve)
    const no = await launch(['deploy', site, '--data', data], scratch.path).done
    expect(no.code).toBe(2)
    expect(no.stderr).toMatch(/pinship: the pinship serve running on .*own-token \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) has no token file: pass the token it was started with \(--token\)/)
    const yes = await launch(['deploy', site, '--data', data, '--token', 'own-token-0123456789', '--json'], scratch.path).done
    expect(yes.code).toBe(0)
    serve.child.kill('SIGINT')
    expect((await serve.done).code).toBe(0)
  }, 60_000)
})
