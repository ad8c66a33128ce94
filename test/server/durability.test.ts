// Persistence and crash safety: restart keeps everything; a torn journal tail and orphan segments are repaired;
// `kill -9` of a real `pinship serve` mid-upload leaves no corrupt block and no upload claiming more than it has.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { appendFile, readdir, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Digest from 'multiformats/hashes/digest'
import { CID } from 'multiformats/cid'
import { CarReader } from '@ipld/car/reader'
import { Repo } from '../../src/server/store/repo.js'
import { encodeCar, importFiles, json, ROOT, startTestServer, tempDir, type Block, ensureCliBuilt } from './helpers.js'

const TOKEN = 'durable-token'

let tmp: { path: string, remove: () => Promise<void> }
beforeAll(async () => {
  tmp = await tempDir()
  ensureCliBuilt()
})
afterAll(async () => { await tmp.remove() })

async function makeCar (seed: string, bytes: number): Promise<{ root: string, car: Uint8Array, blocks: Block[] }> {
  const content = createHash('sha256').update(seed).digest()
  const data = Buffer.alloc(bytes)
  for (let i = 0; i < bytes; i += content.length) content.copy(data, i)
  // vary every 1 MiB chunk so the leaves differ
  for (let i = 0; i < bytes; i += 1024 * 1024) data.writeUInt32LE(i, i)
  const { root, blocks } = await importFiles([{ path: `${seed}.bin`, content: data }, { path: 'note.txt', content: Buffer.from(seed) }], { wrap: true })
  return { root: root.toString(), car: await encodeCar([root], blocks), blocks }
}

/** Every indexed block of a data dir re-hashed against its multihash (opened as the server opens it). */
async function checkStore (dataDir: string): Promise<number> {
  const { repo } = await Repo.open(dataDir)
  let n = 0
  try {
    for (const [key, loc] of repo.blocks.entries()) {
      const bytes = await repo.blocks.readAt(loc)
      const mh = Digest.decode(Buffer.from(key, 'base64'))
      expect(mh.code).toBe(0x12)
      expect(createHash('sha256').update(bytes).digest().equals(Buffer.from(mh.digest))).toBe(true)
      n++
    }
  } finally {
    await repo.close()
  }
  return n
}

describe('restart', () => {
  it('keeps uploads, partial uploads, pins, progress paths and content across a restart', async () => {
    const dir = join(tmp.path, 'restart')
    const full = await makeCar('full', 2 * 1024 * 1024 + 5)
    const partial = await makeCar('partial', 1024)
    let s = await startTestServer({}, dir)
    expect((await fetch(`${s.url}/car?informProgress=true&path=/full.car`, { method: 'POST', body: full.car, headers: { ...s.auth(), 'x-name': 'full' } })).status).toBe(200)
    expect((await fetch(`${s.url}/car`, { method: 'POST', body: await encodeCar([CID.parse(partial.root)], partial.blocks.slice(0, 1)), headers: s.auth(1) })).status).toBe(200)
    const pin = await json(await fetch(`${s.url}/pins`, { method: 'POST', headers: { ...s.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ cid: partial.root, name: 'waiting' }) }))
    const beforeList = await json(await fetch(`${s.url}/user/uploads`, { headers: s.auth() }))
    const fileBefore = Buffer.from(await (await fetch(`${s.url}/ipfs/${full.root}/full.bin`)).arrayBuffer())
    await s.close()

    s = await startTestServer({}, dir)
    try {
      expect(await json(await fetch(`${s.url}/user/uploads`, { headers: s.auth() }))).toEqual(beforeList)
      expect((await json(await fetch(`${s.url}/status/${full.root}`))).pins[0].status).toBe('Pinned')
      expect((await json(await fetch(`${s.url}/status/${partial.root}`))).pins[0].status).toBe('PinQueued')
      expect((await json(await fetch(`${s.url}/pins/${pin.requestid as string}`, { headers: s.auth() }))).status).toBe('queued')
      expect(Buffer.from(await (await fetch(`${s.url}/ipfs/${full.root}/full.bin`)).arrayBuffer()).equals(fileBefore)).toBe(true)
      expect((await json(await fetch(`${s.url}/progress?path=/full.car`, { headers: { 'x-user-api-key': s.tokens[0] } }))).status).toBe('completed')
      // the rest of the partial DAG arrives after the restart: upload and pin both complete
      expect((await fetch(`${s.url}/car`, { method: 'POST', body: partial.car, headers: s.auth(1) })).status).toBe(200)
      expect((await json(await fetch(`${s.url}/pins/${pin.requestid as string}`, { headers: s.auth() }))).status).toBe('pinned')
    } finally {
      await s.close()
    }
    expect(await checkStore(dir)).toBe(full.blocks.length + partial.blocks.length)
  })

  it('cuts a torn journal tail, quarantines orphan segments and removes temp files on start', async () => {
    const dir = join(tmp.path, 'torn')
    const a = await makeCar('torn-a', 1500)
    let s = await startTestServer({}, dir)
    await fetch(`${s.url}/car`, { method: 'POST', body: a.car, headers: s.auth() })
    await s.close()
    const journal = join(dir, 'journal.log')
    const size = (await stat(journal)).size
    // a crash mid-append: half a record, no newline; plus a segment and a temp file no record mentions
    await appendFile(journal, '0badc0de {"t":"commit","seg":"ghost.seg","blocks":[["AAAA",0,')
    await writeFile(join(dir, 'blocks', 'ghost.seg'), 'never journaled')
    await writeFile(join(dir, 'blocks', 'half.tmp'), 'interrupted staging')
    const events: Array<{ type: string, detail: any }> = []
    s = await startTestServer({ onProgress: e => events.push(e as { type: string, detail: any }) }, dir)
    try {
      expect((await stat(journal)).size).toBe(size)
      expect(await readdir(join(dir, 'blocks'))).not.toContain('ghost.seg')
      expect(await readdir(join(dir, 'blocks'))).not.toContain('half.tmp')
      // a segment nothing references may still be acknowledged data whose record was lost: set aside, never deleted
      expect(await readdir(join(dir, 'quarantine'))).toEqual(['ghost.seg'])
      expect(events.find(e => e.type === 'pinship:server:listening')?.detail).toMatchObject({ orphans: 2, recoveredBytes: expect.any(Number) })
      expect((await json(await fetch(`${s.url}/status/${a.root}`))).pins[0].status).toBe('Pinned')
    } finally {
      await s.close()
    }
  })

  it('refuses a second server on the same data dir', async () => {
    const dir = join(tmp.path, 'locked')
    const s = await startTestServer({}, dir)
    try {
      await expect(startTestServer({}, dir)).rejects.toMatchObject({ code: 'ERR_DATA_DIR_BUSY' })
    } finally {
      await s.close()
    }
  })
})

interface Child { proc: ChildProcess, url: string }

async function spawnServe (dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/pinship'), 'serve', '--port', '0', '--json', '--data', dataDir, '--token', TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    proc.once('exit', code => reject(new Error(`pinship serve exited with ${String(code)}`)))
  })
  const started = JSON.parse(first) as { url: string, tokens: string[] }
  expect(started.tokens).toEqual([TOKEN])
  return { proc, url: started.url }
}

async function stop (child: Child, signal: NodeJS.Signals): Promise<number | null> {
  if (child.proc.exitCode !== null) return child.proc.exitCode
  const exited = new Promise<number | null>(resolve => child.proc.once('exit', (code) => resolve(code)))
  child.proc.kill(signal)
  return await exited
}

/** Streams `car` to POST /car in pieces; resolves with the status, or 0 when the connection dies first. */
function slowPost (url: string, car: Uint8Array, pauseMs: number, pieces = 16): Promise<number> {
  return new Promise(resolve => {
    const req = request(`${url}/car`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': car.length } }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(0))
    })
    req.on('error', () => resolve(0))
    const size = Math.ceil(car.length / pieces)
    let i = 0
    const next = (): void => {
      if (i >= car.length) { req.end(); return }
      req.write(car.subarray(i, i + size))
      i += size
      setTimeout(next, pauseMs)
    }
    next()
  })
}

describe('kill -9', () => {
  it('mid-upload: earlier uploads intact, the interrupted one absent or incomplete, every block sound', async () => {
    const dir = join(tmp.path, 'kill-mid')
    const earlier = await makeCar('earlier', 3 * 1024 * 1024)
    const interrupted = await makeCar('interrupted', 6 * 1024 * 1024)
    let child = await spawnServe(dir)
    expect(await slowPost(child.url, earlier.car, 0, 1)).toBe(200)
    const cut = slowPost(child.url, interrupted.car, 60)
    await new Promise(resolve => setTimeout(resolve, 400))
    expect(await stop(child, 'SIGKILL')).toBe(null)
    expect(await cut).toBe(0)

    child = await spawnServe(dir)
    try {
      const status = await fetch(`${child.url}/status/${interrupted.root}`)
      if (status.status === 200) expect((await json(status)).pins[0].status).not.toBe('Pinned')
      else expect(status.status).toBe(404)
      expect((await json(await fetch(`${child.url}/status/${earlier.root}`))).pins[0].status).toBe('Pinned')
      const served = Buffer.from(await (await fetch(`${child.url}/ipfs/${earlier.root}?format=car`)).arrayBuffer())
      expect(served.length).toBeGreaterThan(3 * 1024 * 1024)
      // the store still takes the interrupted upload whole afterwards
      expect(await slowPost(child.url, interrupted.car, 0, 1)).toBe(200)
      expect((await json(await fetch(`${child.url}/status/${interrupted.root}`))).pins[0].status).toBe('Pinned')
    } finally {
      expect(await stop(child, 'SIGTERM')).toBe(0)
    }
    expect(await checkStore(dir)).toBe(earlier.blocks.length + interrupted.blocks.length)
  })

  it('right after the ack: the acknowledged upload survives', async () => {
    const dir = join(tmp.path, 'kill-ack')
    const acked = await makeCar('acked', 1024 * 1024 + 17)
    let child = await spawnServe(dir)
    const status = await slowPost(child.url, acked.car, 0, 1)
    child.proc.kill('SIGKILL')
    expect(status).toBe(200)
    await new Promise(resolve => child.proc.once('exit', resolve))
    child = await spawnServe(dir)
    try {
      expect((await json(await fetch(`${child.url}/status/${acked.root}`))).pins[0].status).toBe('Pinned')
      const list = await json(await fetch(`${child.url}/user/uploads`, { headers: { authorization: `Bearer ${TOKEN}` } }))
      expect(list.map((u: { cid: string }) => u.cid)).toEqual([acked.root])
    } finally {
      await stop(child, 'SIGTERM')
    }
    expect(await checkStore(dir)).toBe(acked.blocks.length)
  })

  it('at random moments among concurrent uploads: every acknowledged upload survives, nothing is corrupt', async () => {
    const dir = join(tmp.path, 'kill-random')
    const cars = await Promise.all([0, 1, 2, 3].map(async i => await makeCar(`random-${i}`, (i + 1) * 700 * 1024)))
    const acked = new Set<string>()
    for (const delay of [120, 260, 420]) {
      const child = await spawnServe(dir)
      const uploads = cars.map(async c => { if (await slowPost(child.url, c.car, 15, 8) === 200) acked.add(c.root) })
      await new Promise(resolve => setTimeout(resolve, delay))
      child.proc.kill('SIGKILL')
      await Promise.all(uploads)
      await new Promise(resolve => child.proc.exitCode !== null || child.proc.signalCode !== null ? resolve(null) : child.proc.once('exit', resolve))
      await checkStore(dir)
    }
    const child = await spawnServe(dir)
    try {
      for (const root of acked) expect((await json(await fetch(`${child.url}/status/${root}`))).pins[0].status).toBe('Pinned')
      // an upload may also be stored with its ack lost in the kill; whatever claims Pinned must serve whole
      for (const c of cars) {
        const res = await fetch(`${child.url}/status/${c.root}`)
        if (res.status !== 200 || (await json(res)).pins[0].status !== 'Pinned') continue
        const car = await fetch(`${child.url}/ipfs/${c.root}?format=car`)
        expect(car.status).toBe(200)
        const reader = await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()))
        let n = 0
        for await (const _ of reader.blocks()) n++
        expect(n).toBe(c.blocks.length)
      }
    } finally {
      await stop(child, 'SIGTERM')
    }
  })
})
