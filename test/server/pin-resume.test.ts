// Pin by CID across a crash, and from the CLI: a real `pinship serve` (B) fetching from A through a slow origin is
// killed with SIGKILL mid-retrieval; restarted on the same data dir it resumes, asks only for the blocks it lacks, and
// finishes with the file byte-identical. `pinship pin <cid> --origin …` works through the psa and pinata adapters.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until, encodeCar, importFiles, json, ROOT, startTestServer, tempDir, type TestServer, ensureCliBuilt } from './helpers.js'

const run = promisify(execFile)
const TOKEN = 'resume-token'
const MiB = 1024 * 1024
let a: TestServer
let tmp: { path: string, remove: () => Promise<void> }
let content: { root: string, file: Buffer, carBytes: number }

function bytes (seed: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}${i}`).digest().copy(out, i)
  return out
}

beforeAll(async () => {
  ensureCliBuilt(['build/cli/index.js', 'build/server/fetch/fetcher.js'])
  tmp = await tempDir()
  a = await startTestServer()
  const file = bytes('resume', 6 * MiB + 5)
  const { root, blocks } = await importFiles([{ path: 'big.bin', content: file }])
  const car = await encodeCar([root], blocks)
  expect((await fetch(`${a.url}/car`, { method: 'POST', body: car, headers: a.auth() })).status).toBe(200)
  content = { root: root.toString(), file, carBytes: car.length }
}, 120_000)
afterAll(async () => { await a.stop(); await tmp.remove() })

/** An origin in front of A that sends at most `rate` bytes a second while `slow` is set, and logs what it served. */
async function slowOrigin (): Promise<{ server: Server, port: number, asked: string[], served: () => number, fast: () => void }> {
  const asked: string[] = []
  let served = 0
  let slow = true
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    fetch(`${a.url}${req.url ?? ''}`, { headers: { accept: req.headers.accept ?? '*/*' } }).then(async r => {
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' })
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        for (let i = 0; i < chunk.length; i += 64 * 1024) {
          if (res.destroyed) return
          const part = chunk.subarray(i, i + 64 * 1024)
          res.write(part)
          served += part.length
          if (slow) await new Promise(resolve => setTimeout(resolve, 60))
        }
      }
      res.end()
    }).catch(() => res.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port, asked, served: () => served, fast: () => { slow = false } }
}

async function spawnServe (dir: string): Promise<{ proc: ChildProcess, url: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/pinship'), 'serve', '--port', '0', '--json', '--data', dir, '--token', TOKEN], { stdio: ['ignore', 'pipe', 'ignore'] })
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', resolve)
    proc.once('exit', code => reject(new Error(`pinship serve exited with ${String(code)}`)))
  })
  return { proc, url: (JSON.parse(first) as { url: string }).url }
}

/** A killed and restarted server needs longer than the shared default. */
async function untilRestarted<T> (what: string, fn: () => Promise<T | undefined>): Promise<T> {
  return await until(what, fn, 30_000)
}

describe('kill -9 mid-retrieval', () => {
  it('a restarted service resumes the fetch without fetching stored blocks again', async () => {
    const origin = await slowOrigin()
    const dir = join(tmp.path, 'b')
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
    let b = await spawnServe(dir)
    try {
      const res = await fetch(`${b.url}/pins`, { method: 'POST', headers: auth, body: JSON.stringify({ cid: content.root, origins: [`/ip4/127.0.0.1/tcp/${origin.port}/http`] }) })
      expect(res.status).toBe(202)
      const { requestid } = await json(res)
      // wait until more than two batches have reached B, and it says so
      await untilRestarted('retrieving', async () => origin.served() > 2.5 * MiB ? true : undefined)
      expect((await json(await fetch(`${b.url}/pins/${requestid as string}`, { headers: auth }))).status).toBe('pinning')
      b.proc.kill('SIGKILL')
      await new Promise(resolve => b.proc.once('exit', resolve))
      const firstRun = origin.served()
      expect(firstRun).toBeLessThan(content.carBytes)
      const askedBefore = origin.asked.length
      origin.fast()

      b = await spawnServe(dir)
      const done = await untilRestarted('pinned', async () => {
        const s = await json(await fetch(`${b.url}/pins/${requestid as string}`, { headers: auth }))
        return s.status === 'pinned' ? s : undefined
      })
      expect(done.requestid).toBe(requestid)
      const resumed = origin.asked.slice(askedBefore)
      // only the missing leaves were asked for, never the root again
      expect(resumed.length).toBeGreaterThan(0)
      expect(resumed.some(u => u.startsWith(`/ipfs/${content.root}?`))).toBe(false)
      const secondRun = origin.served() - firstRun
      expect(secondRun).toBeLessThan(content.carBytes - 2 * MiB)
      const file = Buffer.from(await (await fetch(`${b.url}/ipfs/${content.root}`)).arrayBuffer())
      expect(file.equals(content.file)).toBe(true)
    } finally {
      b.proc.kill('SIGKILL')
      await new Promise(resolve => origin.server.close(resolve))
    }
  }, 90_000)
})

describe('pinship pin --origin', () => {
  for (const service of ['psa', 'pinata']) {
    it(`pins by CID through the ${service} adapter with the origin passed on`, async () => {
      const b = await startTestServer({ fetchRetry: { retries: 1, minDelayMs: 20 }, searchIntervalMs: 100 })
      try {
        const { stdout } = await run(process.execPath, [join(ROOT, 'bin/pinship'), 'pin', content.root, '--service', service, '--endpoint', b.url, '--token', 'token-alice',
          '--origin', `/ip4/127.0.0.1/tcp/${a.port}/http`, '--wait', 'pinned', '--timeout', '60', '--json'], { timeout: 60_000 })
        const out = JSON.parse(stdout.trim())
        expect(out).toMatchObject({ cid: content.root, service, status: 'pinned' })
        const file = Buffer.from(await (await fetch(`${b.url}/ipfs/${content.root}`)).arrayBuffer())
        expect(file.equals(content.file)).toBe(true)
      } finally {
        await b.stop()
      }
    }, 90_000)
  }
})
