// `pinship serve` start-up contract, run as the real CLI from build/.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCar, importFiles, json, ROOT, tempDir, ensureCliBuilt } from './helpers.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'bin/pinship')
let tmp: { path: string, remove: () => Promise<void> }

beforeAll(async () => {
  tmp = await tempDir()
  ensureCliBuilt()
})
afterAll(async () => { await tmp.remove() })

function serve (args: string[], cwd = tmp.path): { proc: ChildProcess, lines: AsyncIterator<string>, exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  const exit = new Promise<number | null>(resolve => proc.once('exit', (code, signal) => { if (code === null) process.stderr.write(`serve died of ${String(signal)}\n`); resolve(code) }))
  return { proc, lines, exit }
}

async function firstLine (lines: AsyncIterator<string>): Promise<string> {
  const next = await lines.next()
  return next.done === true ? '' : next.value
}

describe('pinship serve', () => {
  it('--json prints {url, tokens} first; without --token it generates one, stores it, and reuses it', async () => {
    const data = join(tmp.path, 'gen')
    let s = serve(['--port', '0', '--json', '--data', data])
    const started = JSON.parse(await firstLine(s.lines))
    expect(Object.keys(started).sort()).toEqual(['tokens', 'url'])
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(started.tokens).toHaveLength(1)
    expect((await readFile(join(data, 'token'), 'utf8')).trim()).toBe(started.tokens[0])
    expect((await stat(join(data, 'token'))).mode & 0o777).toBe(0o600)
    expect((await fetch(`${started.url as string}/user/uploads`, { headers: { authorization: `Bearer ${started.tokens[0] as string}` } })).status).toBe(200)
    s.proc.kill('SIGINT')
    expect(await s.exit).toBe(0)

    s = serve(['--port', '0', '--json', '--data', data])
    expect(JSON.parse(await firstLine(s.lines)).tokens).toEqual(started.tokens)
    s.proc.kill('SIGTERM')
    expect(await s.exit).toBe(0)
  })

  it('takes several --token users and the ./.pinship default data dir; human output names the URL', async () => {
    const s = serve(['--port', '0', '--token', 'one', '--token', 'two'])
    const line = await firstLine(s.lines)
    const url = /listening on (http:\/\/\S+)/.exec(line)?.[1] as string
    expect(url).toBeDefined()
    for (const t of ['one', 'two']) expect((await fetch(`${url}/user/uploads`, { headers: { authorization: `Bearer ${t}` } })).status).toBe(200)
    expect((await fetch(`${url}/user/uploads`, { headers: { authorization: 'Bearer three' } })).status).toBe(403)
    expect(existsSync(join(tmp.path, '.pinship', 'journal.log'))).toBe(true)
    s.proc.kill('SIGTERM')
    expect(await s.exit).toBe(0)
  })

  it('finishes an in-flight upload on SIGTERM, then exits 0 with it stored', async () => {
    const data = join(tmp.path, 'graceful')
    const { root, blocks } = await importFiles([{ path: 'g.bin', content: Buffer.alloc(2_000_000, 5) }])
    const car = await encodeCar([root], blocks)
    let s = serve(['--port', '0', '--json', '--data', data, '--token', 't'])
    const { url } = JSON.parse(await firstLine(s.lines))
    const upload = new Promise<{ status: number, body: string }>((resolve, reject) => {
      const req = request(`${url as string}/car?informProgress=true&path=/graceful`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-length': car.length } }, res => {
        let body = ''
        res.on('data', (c: Buffer) => { body += c.toString() })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.write(car.subarray(0, 1000), () => {
        // The signal must arrive while the body is still coming, and after the server has taken the request in (a
        // connection whose headers it has not read yet is idle to it): wait until its progress says uploading.
        void (async () => {
          for (;;) {
            const p = await json(await fetch(`${url as string}/progress?path=/graceful`, { headers: { authorization: 'Bearer t' } }))
            if (p.status === 'uploading') break
            await new Promise(r => setTimeout(r, 20))
          }
          s.proc.kill('SIGTERM')
          setTimeout(() => req.end(car.subarray(1000)), 300)
        })().catch(reject)
      })
    })
    const done = await upload
    expect(done.status).toBe(200)
    expect(JSON.parse(done.body).cid).toBe(root.toString())
    expect(await s.exit).toBe(0)

    s = serve(['--port', '0', '--json', '--data', data, '--token', 't'])
    const restarted = JSON.parse(await firstLine(s.lines))
    expect((await json(await fetch(`${restarted.url as string}/status/${root.toString()}`))).pins[0].status).toBe('Pinned')
    s.proc.kill('SIGTERM')
    expect(await s.exit).toBe(0)
  })

  it('applies --rate-limit for real: 429 with Retry-After', async () => {
    const s = serve(['--port', '0', '--json', '--data', join(tmp.path, 'limited'), '--token', 't', '--rate-limit', '2/10s'])
    const { url } = JSON.parse(await firstLine(s.lines))
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url as string}/user/uploads`, { headers: { authorization: 'Bearer t' } })
      statuses.push(res.status)
      if (res.status === 429) retryAfter = res.headers.get('retry-after')
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(Number(retryAfter)).toBeGreaterThan(0)
    expect(Number(retryAfter)).toBeLessThanOrEqual(10)
    s.proc.kill('SIGTERM')
    expect(await s.exit).toBe(0)
  })

  it('rejects bad flags with exit code 2 and a one-line message', async () => {
    for (const args of [['--port', '70000'], ['--rate-limit', 'lots'], ['--pending-timeout', 'soon'], ['--max-pin-size', 'huge'], ['--search-timeout', 'never'],
      ['--deal-delay', 'slow'], ['--batch-interval', '5'], ['--batch-size', '-1GB'], ['--upstream', 'ftp://gateway.example']]) {
      const err = await run(process.execPath, [BIN, 'serve', ...args], { cwd: tmp.path }).then(() => undefined, (e: { code: number, stderr: string }) => e)
      expect(err?.code, args.join(' ')).toBe(2)
      expect(err?.stderr.trim().split('\n')).toHaveLength(1)
    }
  })

  it('--upstream fetches pins by CID from another pinship serve; --batch-interval and --deal-delay bring deals to active', async () => {
    const a = serve(['--port', '0', '--json', '--data', join(tmp.path, 'up-a'), '--token', 't'])
    const { url: aUrl } = JSON.parse(await firstLine(a.lines))
    const b = serve(['--port', '0', '--json', '--data', join(tmp.path, 'up-b'), '--token', 't', '--upstream', aUrl, '--batch-interval', '100ms', '--deal-delay', '100ms', '--max-pin-size', '1MB', '--search-timeout', '1m'])
    const { url: bUrl } = JSON.parse(await firstLine(b.lines))
    try {
      const { root, blocks } = await importFiles([{ path: 'x.txt', content: Buffer.from('from upstream') }], { wrap: true })
      expect((await fetch(`${aUrl as string}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: { authorization: 'Bearer t' } })).status).toBe(200)
      const auth = { authorization: 'Bearer t', 'content-type': 'application/json' }
      const pin = await json(await fetch(`${bUrl as string}/pins`, { method: 'POST', headers: auth, body: JSON.stringify({ cid: root.toString() }) }))
      const end = Date.now() + 20_000
      let deals: any[] = []
      while (Date.now() < end) {
        const st = await json(await fetch(`${bUrl as string}/pins/${pin.requestid as string}`, { headers: auth }))
        deals = st.info.deals === undefined ? [] : JSON.parse(st.info.deals)
        if (st.status === 'pinned' && deals.length >= 5 && deals.every(d => d.status === 'active')) break
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      expect(deals.map(d => d.status)).toEqual(['active', 'active', 'active', 'active', 'active'])
      expect(await (await fetch(`${bUrl as string}/ipfs/${root.toString()}/x.txt`)).text()).toBe('from upstream')
    } finally {
      a.proc.kill('SIGTERM')
      b.proc.kill('SIGTERM')
      expect(await a.exit).toBe(0)
      expect(await b.exit).toBe(0)
    }
  })

  it('exits 1 when the data dir is in use by another server', async () => {
    const data = join(tmp.path, 'busy')
    const s = serve(['--port', '0', '--json', '--data', data, '--token', 't'])
    await firstLine(s.lines)
    const err = await run(process.execPath, [BIN, 'serve', '--port', '0', '--data', data, '--token', 't']).then(() => undefined, (e: { code: number, stderr: string }) => e)
    expect(err?.code).toBe(1)
    expect(err?.stderr).toMatch(/in use by another pinship serve/)
    s.proc.kill('SIGTERM')
    expect(await s.exit).toBe(0)
  })
})
