/**
 * Incremental deploys against the real embedded service over HTTP: POST /blocks/check, and deploy sending only the
 * blocks a service lacks (with and without the pack cache), the root still verified complete and pinned.
 */
import { createHash } from 'node:crypto'
import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import type { DeployResult } from '../../src/core/deploy/api.js'
import { pack } from '../../src/core/pack/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { settle } from '../pack/cached-pack.js'
import { importerCid } from '../pack/oracles.js'
import { randomFile, smallSite, tempDir } from './folders.js'
import { FAST } from './embedded.js'

const ALICE = 'incremental-alice-token-0123456789'
const BOB = 'incremental-bob-token-0123456789'
const MiB = 1024 * 1024

let server: RunningServer
let scratch: Awaited<ReturnType<typeof tempDir>>

beforeAll(async () => {
  scratch = await tempDir()
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'data'), tokens: [ALICE, BOB] })
})

afterAll(async () => {
  await server?.close()
  await scratch?.cleanup()
})

async function check (token: string | undefined, body: unknown): Promise<{ status: number, json: any }> {
  const res = await fetch(`${server.url}/blocks/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: res.status, json: await res.json() }
}

async function run (site: string, options: { cacheDir?: string, token?: string, service?: string, carPath?: string, url?: string } = {}): Promise<{ r: DeployResult, events: ProgressEvent[] }> {
  const events: ProgressEvent[] = []
  const url = options.url ?? server.url
  const r = await deploy(site, {
    services: [{ service: options.service ?? 'local', endpoint: url, token: options.token ?? ALICE }],
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.carPath !== undefined ? { carPath: options.carPath } : {}),
    verify: true,
    gateways: [url],
    ...FAST,
    onProgress: e => events.push(e)
  })
  return { r, events }
}

function shardBlocks (events: ProgressEvent[]): number[] {
  return events.filter(e => e.type === 'pinship:pack:shard').map(e => (e.detail as { blocks: number }).blocks)
}

describe('POST /blocks/check', () => {
  it('tells a user which blocks of their own DAGs are stored, tells another user nothing, refuses bad input', async () => {
    const site = await smallSite(join(scratch.path, 'check-site'))
    const first = await run(site)
    expect(first.r.ok).toBe(true)
    // every block of the DAG, from a CAR pack of the same folder
    const all: string[] = []
    const dir = join(scratch.path, 'check-car')
    await pack(site, { output: dir, shardSize: 1e9, onShard: () => {}, skipHeld: async cids => { all.push(...cids); return new Set() } })
    expect(all.length).toBeGreaterThan(5)
    const unknown = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    const mine = await check(ALICE, { cids: [...all, unknown] })
    // the root comes last: each directory follows its children
    expect(all.at(-1)).toBe(first.r.cid)
    expect(mine).toEqual({ status: 200, json: { have: all } })
    // bob uploaded nothing: the blocks exist here, but not for him
    expect(await check(BOB, { cids: all })).toEqual({ status: 200, json: { have: [] } })
    expect((await check(undefined, { cids: all })).status).toBe(401)
    const bad = await check(ALICE, { cids: ['not-a-cid'] })
    expect(bad.status).toBe(400)
    expect(bad.json.message).toMatch(/cids\[0\] "not-a-cid" is not a valid CID/)
    expect((await check(ALICE, { list: [] })).json.message).toMatch(/\{"cids": \[/)
    expect((await check(ALICE, '{')).status).toBe(400)
    const many = await check(ALICE, { cids: Array.from({ length: 10_001 }, () => unknown) })
    expect(many.status).toBe(400)
    expect(many.json.message).toMatch(/At most 10000 CIDs per request; got 10001/)
  })
})

describe('deploy sends only the blocks the service lacks', () => {
  for (const cached of [true, false]) {
    it(`${cached ? 'with' : 'without'} the pack cache: a one-file change sends that file's blocks, a no-op re-deploy sends no block (a header-only CAR); each root pinned and verified`, async () => {
      const site = join(scratch.path, `site-${String(cached)}`)
      await smallSite(site)
      // content of its own: blocks stored by the other tests would rightly be skipped
      for (const f of ['index.html', 'css/site.css', 'docs/index.html', '.well-known/security.txt']) await appendFile(join(site, f), `# ${String(cached)}\n`)
      await randomFile(join(site, 'media', 'big.bin'), 6 * MiB + 5, cached ? 1 : 2)
      await randomFile(join(site, 'media', 'other.bin'), 2 * MiB, cached ? 3 : 4)
      await settle(site)
      const cacheDir = cached ? join(scratch.path, 'cache') : undefined

      const first = await run(site, { cacheDir })
      expect(first.r.results[0].error).toBeNull()
      expect(first.r.verify?.error ?? null).toBeNull()
      expect(first.r.ok).toBe(true)
      expect(first.r.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
      expect(first.r.results[0]).toMatchObject({ status: 'pinned', skippedBytes: 0, uploadedBytes: first.r.pack.carBytes })
      expect(first.r.results[0].uploadedBytes).toBeGreaterThan(8 * MiB)
      expect(first.r.verify?.ok).toBe(true)

      await appendFile(join(site, 'index.html'), '<p>one more line</p>\n')
      await settle(site)
      const second = await run(site, { cacheDir })
      expect(second.r.ok).toBe(true)
      expect(second.r.cid).not.toBe(first.r.cid)
      expect(second.r.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
      const changed = second.r.results[0]
      expect(changed.status).toBe('pinned')
      // the new index.html and the root directory: two blocks, a few hundred bytes with the CAR header
      expect(changed.uploadedBytes).toBeLessThan(2048)
      expect(second.r.pack.blocks).toBe(2)
      expect(changed.skippedBytes).toBeGreaterThan(8 * MiB)
      expect(shardBlocks(second.events)).toEqual([2])
      expect(second.r.verify).toMatchObject({ ok: true })
      expect(second.events.find(e => e.type === 'pinship:deploy:check')?.detail).toMatchObject({ service: 'local', held: second.r.pack.skippedBlocks, error: null })
      if (cached) {
        // the unchanged files were not read for the root
        expect(second.events.find(e => e.type === 'pinship:pack:cache')?.detail).toMatchObject({ misses: 1 })
      }

      const third = await run(site, { cacheDir })
      expect(third.r.cid).toBe(second.r.cid)
      expect(third.r.results[0].error).toBeNull()
      expect(third.r.verify?.error ?? null).toBeNull()
      expect(third.r.ok).toBe(true)
      // nothing is missing: one header-only CAR (it records the upload), the root is still checked complete and
      // pinned, and verified through the gateway
      expect(shardBlocks(third.events)).toEqual([0])
      expect(third.r.pack.blocks).toBe(0)
      expect(third.r.results[0]).toMatchObject({ status: 'pinned', error: null })
      // the CAR header only: version, one root
      expect(third.r.results[0].uploadedBytes).toBeLessThan(100)
      expect(third.r.results[0].skippedBytes).toBeGreaterThan(changed.skippedBytes)
      expect(third.events.some(e => e.type === 'pinship:deploy:state' && (e.detail as { pin: string }).pin === 'pinned')).toBe(true)
      expect(third.r.verify).toMatchObject({ ok: true })
      // every distinct block of the DAG: the ones the second deploy skipped and the ones it sent
      expect(third.r.pack.skippedBlocks).toBe((second.r.pack.skippedBlocks ?? 0) + second.r.pack.blocks)
      expect(third.events.find(e => e.type === 'pinship:deploy:check')?.detail).toMatchObject({ service: 'local', held: third.r.pack.skippedBlocks, blocks: third.r.pack.skippedBlocks, error: null })
      // with the cache, the tree is known: the service is asked about the root alone, and no file is read or hashed
      expect(third.events.some(e => e.type === 'pinship:pack:bytes')).toBe(!cached)
    })
  }

  it('a sub-folder of a deployed site: every block is held, no block is sent, and it becomes an upload of its own', async () => {
    const media = join(scratch.path, 'site-true', 'media')
    const sub = await run(media)
    expect(sub.r.results[0].error).toBeNull()
    expect(sub.r.ok).toBe(true)
    expect(sub.r.cid).toBe(await importerCid(media, 'unixfs-v1-2025'))
    expect(shardBlocks(sub.events)).toEqual([0])
    expect(sub.r.results[0]).toMatchObject({ status: 'pinned' })
    expect(sub.r.results[0].uploadedBytes).toBeLessThan(100)
    expect(sub.r.results[0].skippedBytes).toBeGreaterThan(8 * MiB)
    const listed = await fetch(`${server.url}/user/uploads/${sub.r.cid}`, { headers: { authorization: `Bearer ${ALICE}` } })
    expect(listed.status).toBe(200)
  })

  it('a tree the pack cache remembers is skipped only when the service holds its root: a fresh service gets it all', async () => {
    const site = join(scratch.path, 'site-remembered')
    await smallSite(site)
    await randomFile(join(site, 'media', 'r.bin'), 3 * MiB, 11)
    await settle(site)
    const cacheDir = join(scratch.path, 'remembered-cache')
    const first = await run(site, { cacheDir })
    expect(first.r.ok).toBe(true)
    const noop = await run(site, { cacheDir })
    expect(noop.r.pack.blocks).toBe(0)
    expect(noop.events.some(e => e.type === 'pinship:pack:bytes')).toBe(false)
    // the same folder and cache, another service that holds nothing: every block goes, the same root
    const fresh = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'fresh-data'), tokens: [ALICE] })
    try {
      const other = await run(site, { cacheDir, url: fresh.url })
      expect(other.r.ok).toBe(true)
      expect(other.r.cid).toBe(first.r.cid)
      expect(other.r.results[0]).toMatchObject({ status: 'pinned', skippedBytes: 0, uploadedBytes: other.r.pack.carBytes })
      expect(other.r.pack.blocks).toBe(noop.r.pack.skippedBlocks)
    } finally {
      await fresh.close()
    }
    // one file changed (same size, so only its stat tells): the tree is not the remembered one, the file is read
    const f = join(site, 'index.html')
    const text = await readFile(f, 'utf8')
    await writeFile(f, text.replace(/.$/s, text.endsWith('!') ? '?' : '!'))
    await settle(site)
    const changed = await run(site, { cacheDir })
    expect(changed.r.ok).toBe(true)
    expect(changed.r.cid).not.toBe(first.r.cid)
    expect(changed.r.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    expect(changed.r.pack.blocks).toBeGreaterThan(0)
  })

  it('a deploy that keeps the whole CAR (the Action\'s car-path) still sends only what is missing, and keeps the whole CAR', async () => {
    const site = join(scratch.path, 'site-car')
    await smallSite(site)
    await randomFile(join(site, 'media', 'kept.bin'), 3 * MiB, 7)
    await settle(site)
    const cacheDir = join(scratch.path, 'car-cache')
    const first = await run(site, { cacheDir, carPath: join(scratch.path, 'first.car') })
    expect(first.r.ok).toBe(true)
    await appendFile(join(site, 'index.html'), '<p>changed</p>\n')
    const carPath = join(scratch.path, 'second.car')
    const second = await run(site, { cacheDir, carPath })
    expect(second.r.ok).toBe(true)
    expect(second.r.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    expect(second.r.results[0].skippedBytes).toBeGreaterThan(3 * MiB)
    expect(second.r.results[0].uploadedBytes).toBeLessThan(2048)
    // the kept CAR is the whole DAG, byte for byte what a pack of the folder writes
    const direct = join(scratch.path, 'direct.car')
    const packed = await pack(site, { output: direct })
    expect(packed.cid).toBe(second.r.cid)
    expect(createHash('sha256').update(await readFile(carPath)).digest('hex')).toBe(createHash('sha256').update(await readFile(direct)).digest('hex'))
  })

  it('another user holding the same content does not let bob skip anything; a service that cannot tell gets everything', async () => {
    const site = join(scratch.path, 'site-true')
    const bob = await run(site, { token: BOB })
    expect(bob.r.results[0].error).toBeNull()
    expect(bob.r.verify?.error ?? null).toBeNull()
    expect(bob.r.ok).toBe(true)
    expect(bob.r.results[0].skippedBytes).toBe(0)
    expect(bob.r.results[0].uploadedBytes).toBe(bob.r.pack.carBytes)
    // web3storage speaks no /blocks/check: full upload, as before
    const w3 = await run(site, { service: 'web3storage' })
    expect(w3.r.results[0].error).toBeNull()
    expect(w3.r.verify?.error ?? null).toBeNull()
    expect(w3.r.ok).toBe(true)
    expect(w3.r.results[0]).toMatchObject({ skippedBytes: 0, uploadedBytes: w3.r.pack.carBytes })
    expect(w3.events.some(e => e.type === 'pinship:deploy:check')).toBe(false)
  })
})
