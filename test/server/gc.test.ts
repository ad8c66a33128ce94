// Garbage collection: deleted content frees its space and stops being served; what any upload or pin still
// references stays, including the blocks of a DAG still arriving in shards and blocks an upload in flight reuses;
// small segments are merged and the journal compacted, and a restart sees the same state.
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CarReader } from '@ipld/car/reader'
import type { CID } from 'multiformats/cid'
import type { GcReport } from '../../src/server/index.js'
import { encodeCar, importFiles, json, rawBlock, startTestServer, tempDir, type Block, type TestServer } from './helpers.js'

const MiB = 1024 * 1024
let server: TestServer | undefined
let reports: GcReport[] = []
afterEach(async () => { await server?.stop(); server = undefined; reports = [] })

async function start (dir?: string): Promise<TestServer> {
  server = await startTestServer({ gcDelayMs: 50, onProgress: e => { if (e.type === 'pinship:server:collected') reports.push(e.detail as GcReport) } }, dir)
  return server
}

/** Waits for the next collection to finish. */
async function collected (): Promise<GcReport> {
  const seen = reports.length
  const until = Date.now() + 20_000
  while (reports.length === seen) {
    if (Date.now() > until) throw new Error('no garbage collection ran')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return reports[reports.length - 1]
}

function bytesOf (seed: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}${i}`).digest().copy(out, i)
  return out
}

async function diskBytes (dir: string): Promise<{ bytes: number, files: number }> {
  let bytes = 0
  const names = (await readdir(join(dir, 'blocks'))).filter(n => n.endsWith('.seg'))
  for (const n of names) bytes += (await stat(join(dir, 'blocks', n))).size
  return { bytes, files: names.length }
}

async function post (s: TestServer, root: CID, blocks: Block[], user = 0): Promise<void> {
  expect((await fetch(`${s.url}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: s.auth(user) })).status).toBe(200)
}

async function carBlocks (s: TestServer, cid: string): Promise<number | undefined> {
  const res = await fetch(`${s.url}/ipfs/${cid}?format=car`)
  if (res.status !== 200) { await res.arrayBuffer(); return undefined }
  let n = 0
  for await (const _ of (await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))).blocks()) n++
  return n
}

describe('deleting content', () => {
  it('frees its space and stops the gateway serving it; blocks another user\'s upload shares stay', async () => {
    const s = await start()
    const big = await importFiles([{ path: 'big.bin', content: bytesOf('big', 20 * MiB) }], { wrap: true })
    const shared = bytesOf('shared', 3 * MiB)
    const bobs = await importFiles([{ path: 'shared.bin', content: shared }], { wrap: true })
    const alices = await importFiles([{ path: 'shared.bin', content: shared }, { path: 'own.bin', content: bytesOf('own', 2 * MiB) }], { wrap: true })
    await post(s, big.root, big.blocks)
    await post(s, bobs.root, bobs.blocks, 1)
    await post(s, alices.root, alices.blocks)
    const before = await diskBytes(s.dir)

    for (const cid of [big.root, alices.root]) expect((await fetch(`${s.url}/user/uploads/${cid.toString()}`, { method: 'DELETE', headers: s.auth() })).status).toBe(200)
    const report = await collected()
    const after = await diskBytes(s.dir)
    console.log(`deleting a 20 MiB and a 5 MiB upload (3 MiB of it shared): ${before.bytes} → ${after.bytes} bytes on disk, ${before.files} → ${after.files} segments; ` +
      `removed ${report.blocksRemoved} blocks / ${report.bytesRemoved} bytes, copied ${report.bytesCopied} bytes, journal ${report.journalBytesBefore} → ${report.journalBytesAfter} bytes, ${report.ms} ms`)
    expect(before.bytes - after.bytes).toBeGreaterThanOrEqual(22 * MiB)
    expect(report.bytesRemoved).toBeGreaterThanOrEqual(22 * MiB)

    expect((await fetch(`${s.url}/ipfs/${big.root.toString()}/big.bin`)).status).toBe(404)
    expect((await fetch(`${s.url}/ipfs/${alices.root.toString()}/own.bin`)).status).toBe(404)
    expect(await carBlocks(s, bobs.root.toString())).toBe(bobs.blocks.length)
    expect(Buffer.from(await (await fetch(`${s.url}/ipfs/${bobs.root.toString()}/shared.bin`)).arrayBuffer()).equals(shared)).toBe(true)
    expect((await json(await fetch(`${s.url}/status/${bobs.root.toString()}`))).pins[0].status).toBe('Pinned')
  }, 60_000)

  it('content still pinned stays until the pin goes too; uploading it again makes it whole again', async () => {
    const s = await start()
    const x = await importFiles([{ path: 'x.bin', content: bytesOf('x', 2 * MiB) }], { wrap: true })
    await post(s, x.root, x.blocks)
    const pin = await json(await fetch(`${s.url}/pins`, { method: 'POST', body: JSON.stringify({ cid: x.root.toString() }), headers: { ...s.auth(), 'content-type': 'application/json' } }))
    expect((await fetch(`${s.url}/user/uploads/${x.root.toString()}`, { method: 'DELETE', headers: s.auth() })).status).toBe(200)
    await collected()
    expect(await carBlocks(s, x.root.toString())).toBe(x.blocks.length)

    expect((await fetch(`${s.url}/pins/${pin.requestid as string}`, { method: 'DELETE', headers: s.auth() })).status).toBe(202)
    await collected()
    expect(await carBlocks(s, x.root.toString())).toBeUndefined()
    // completion was forgotten with the blocks: a new pin waits, a new upload completes it
    const again = await json(await fetch(`${s.url}/pins`, { method: 'POST', body: JSON.stringify({ cid: x.root.toString() }), headers: { ...s.auth(), 'content-type': 'application/json' } }))
    expect(again.status).toBe('queued')
    await post(s, x.root, x.blocks)
    expect((await json(await fetch(`${s.url}/pins/${again.requestid as string}`, { headers: s.auth() }))).status).toBe('pinned')
    expect(await carBlocks(s, x.root.toString())).toBe(x.blocks.length)
  }, 60_000)
})

describe('what a collection must keep', () => {
  it('the blocks of a DAG still arriving in shards (its root not stored yet)', async () => {
    const s = await start()
    const dag = await importFiles([{ path: 'a.bin', content: bytesOf('sharded', 3 * MiB) }], { wrap: true })
    const leaves = dag.blocks.filter(b => b.cid.code === 0x55)
    const rest = dag.blocks.filter(b => b.cid.code !== 0x55)
    await post(s, dag.root, leaves)
    // something else is deleted: a collection runs between the shards
    const other = await importFiles([{ path: 'o.txt', content: Buffer.from('other') }], { wrap: true })
    await post(s, other.root, other.blocks)
    expect((await fetch(`${s.url}/user/uploads/${other.root.toString()}`, { method: 'DELETE', headers: s.auth() })).status).toBe(200)
    await collected()
    await post(s, dag.root, rest)
    expect((await json(await fetch(`${s.url}/status/${dag.root.toString()}`))).pins[0].status).toBe('Pinned')
    expect(await carBlocks(s, dag.root.toString())).toBe(dag.blocks.length)
  }, 60_000)

  it('blocks an upload in flight found already stored, when their old upload is deleted meanwhile', async () => {
    const s = await start()
    const content = await importFiles([{ path: 'r.bin', content: bytesOf('reused', 2 * MiB) }], { wrap: true })
    await post(s, content.root, content.blocks)
    const car = await encodeCar([content.root], content.blocks)
    // user B sends the same CAR slowly: its first half is staged (all already stored) before the delete
    const status = new Promise<number>(resolve => {
      const req = request(`${s.url}/car`, { method: 'POST', headers: { ...s.auth(1), 'content-length': car.length } }, res => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
      req.on('error', () => resolve(0))
      req.write(car.subarray(0, car.length - 10))
      setTimeout(() => {
        void (async () => {
          expect((await fetch(`${s.url}/user/uploads/${content.root.toString()}`, { method: 'DELETE', headers: s.auth() })).status).toBe(200)
          await collected()
          req.end(car.subarray(car.length - 10))
        })()
      }, 300)
    })
    expect(await status).toBe(200)
    expect((await json(await fetch(`${s.url}/status/${content.root.toString()}`))).pins[0].status).toBe('Pinned')
    expect(await carBlocks(s, content.root.toString())).toBe(content.blocks.length)
  }, 60_000)
})

describe('small segments and the journal', () => {
  it('1,000 small uploads are merged into a few segments; a restart sees the same state', async () => {
    const dir = await tempDir()
    try {
      let s = await start(dir.path)
      const roots: string[] = []
      const queue = Array.from({ length: 1000 }, (_, i) => i)
      const t0 = Date.now()
      await Promise.all([0, 1, 2, 3].map(async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const block = await rawBlock(Buffer.from(`small upload ${i}`))
          await post(s, block.cid, [block])
          roots.push(block.cid.toString())
        }
      }))
      const uploadMs = Date.now() - t0
      // the last collection the uploads called for, then one more after everything
      await new Promise(resolve => setTimeout(resolve, 200))
      const final = await s.collectGarbage()
      const disk = await diskBytes(s.dir)
      const journal = (await stat(join(s.dir, 'journal.log'))).size
      console.log(`1,000 small uploads (${uploadMs} ms): ${disk.files} segment files, ${disk.bytes} bytes; journal ${journal} bytes ` +
        `(last collection: segments ${final.segmentsBefore} → ${final.segmentsAfter}, journal ${final.journalBytesBefore} → ${final.journalBytesAfter})`)
      expect(disk.files).toBeLessThanOrEqual(20)
      const list = await fetch(`${s.url}/user/uploads?size=1000`, { headers: s.auth() })
      expect(list.headers.get('count')).toBe('1000')
      const before = await list.text()
      for (const cid of roots.slice(0, 50)) expect((await fetch(`${s.url}/ipfs/${cid}?format=raw`)).status).toBe(200)

      await s.close()
      s = await start(dir.path)
      expect(await (await fetch(`${s.url}/user/uploads?size=1000`, { headers: s.auth() })).text()).toBe(before)
      for (const cid of roots.slice(-50)) expect((await json(await fetch(`${s.url}/status/${cid}`))).pins[0].status).toBe('Pinned')
    } finally {
      await server?.close()
      server = undefined
      await dir.remove()
    }
  }, 120_000)
})
