// The local Filecoin deal pipeline of the embedded service, over real HTTP: complete uploads are batched, the batch CAR
// is served byte-exact at /ipfs/{batchRootCid}?format=car and its piece CID recomputed here with data-segment (an
// outside oracle for CommP); each upload's dataModelSelector is walked from the batch root; deals reach `active` at
// every provider, in /status, NFT, PSA info; state survives a restart; `deploy --wait deal` returns the deals.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarReader } from '@ipld/car/reader'
import * as dagPb from '@ipld/dag-pb'
import { Piece } from '@web3-storage/data-segment'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import { DEFAULT_STORAGE_PROVIDERS } from '../../src/server/index.js'
import { until, encodeCar, importFiles, json, startTestServer, tempDir, type TestServer } from './helpers.js'

const FAST = { batchIntervalMs: 150, dealDelayMs: 150, gcDelayMs: false as const }
let tmp: { path: string, remove: () => Promise<void> }
beforeAll(async () => { tmp = await tempDir() })
afterAll(async () => { await tmp.remove() })

async function upload (s: TestServer, text: string): Promise<string> {
  const { root, blocks } = await importFiles([{ path: 'a.txt', content: Buffer.from(text) }, { path: 'b.txt', content: Buffer.from(text + '!') }], { wrap: true })
  const res = await fetch(`${s.url}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: s.auth() })
  expect(res.status).toBe(200)
  return root.toString()
}

async function status (s: TestServer, cid: string): Promise<any> {
  return await json(await fetch(`${s.url}/status/${cid}`))
}

/** Follows `Links/i/Hash/Links/j/Hash…` through dag-pb blocks of a CAR. */
function walkSelector (blocks: Map<string, Uint8Array>, from: CID, selector: string): CID {
  const parts = selector.split('/')
  let at = from
  for (let i = 0; i < parts.length; i += 3) {
    expect(parts[i]).toBe('Links')
    expect(parts[i + 2]).toBe('Hash')
    const bytes = blocks.get(at.toString())
    if (bytes === undefined) throw new Error(`block ${at.toString()} is not in the batch CAR`)
    at = dagPb.decode(bytes).Links[Number(parts[i + 1])].Hash
  }
  return at
}

describe('local deal pipeline', () => {
  it('batches uploads, serves the batch CAR whose piece CID matches, and every provider reaches active', async () => {
    const dir = join(tmp.path, 'deals')
    // a longer interval, so the three uploads surely share one batch on a busy machine
    let s = await startTestServer({ ...FAST, batchIntervalMs: 1000 }, dir)
    try {
      const roots = [await upload(s, 'one'), await upload(s, 'two'), await upload(s, 'three')]
      // a fresh upload is aggregating: no deals yet (seed 000: Queuing)
      const fresh = await status(s, roots[0])
      expect(fresh.deals.length === 0 || fresh.deals.every((d: any) => d.status === 'Queued')).toBe(true)
      const seen = new Set<string>()
      const done = await until('active deals', async () => {
        const st = await status(s, roots[0])
        for (const d of st.deals) seen.add(d.status)
        return st.deals.length >= 5 && st.deals.every((d: any) => d.status === 'Active') ? st : undefined
      })
      expect(seen.has('Active')).toBe(true)
      expect(done.deals.map((d: any) => d.storageProvider).sort()).toEqual([...DEFAULT_STORAGE_PROVIDERS].sort())
      const deal = done.deals[0]
      expect(deal).toMatchObject({ network: 'local', status: 'Active', miner: deal.storageProvider, batchRootCid: deal.dataCid })
      expect(deal.pieceCid).toMatch(/^baga6ea4sea/)
      expect(typeof deal.dealId).toBe('number')
      expect(Date.parse(deal.expiration)).toBeGreaterThan(Date.parse(deal.activation))
      expect(new Set(done.deals.map((d: any) => d.dealId)).size).toBe(done.deals.length)

      // the batch CAR, byte-exact: its CommP recomputed here is the pieceCid
      const car = new Uint8Array(await (await fetch(`${s.url}/ipfs/${deal.dataCid as string}?format=car`)).arrayBuffer())
      expect(Piece.fromPayload(car).toInfo().link.toString()).toBe(deal.pieceCid)
      const reader = await CarReader.fromBytes(car)
      expect((await reader.getRoots())[0].toString()).toBe(deal.dataCid)
      const blocks = new Map<string, Uint8Array>()
      for await (const b of reader.blocks()) blocks.set(b.cid.toString(), b.bytes)
      // every upload of the batch is reached by its own selector
      for (const root of roots) {
        const st = await status(s, root)
        expect(st.deals[0].dataCid).toBe(deal.dataCid)
        expect(walkSelector(blocks, CID.parse(deal.dataCid), st.deals[0].dataModelSelector).toString()).toBe(root)
      }

      // NFT.Storage's Deal shape (seed 003), and the public check
      const nft = await json(await fetch(`${s.url}/nft/${roots[1]}`, { headers: s.auth() }))
      expect(nft.value.deals).toHaveLength(5)
      expect(nft.value.deals[0]).toMatchObject({ batchRootCid: deal.dataCid, network: 'local', pieceCid: deal.pieceCid, status: 'active', miner: expect.stringMatching(/^f0/), chainDealID: expect.any(Number), datamodelSelector: expect.stringMatching(/^Links\/\d+\/Hash$/) })
      const check = await json(await fetch(`${s.url}/nft/check/${roots[1]}`))
      expect(check.value.deals).toHaveLength(5)

      // a PSA pin of stored content carries the deals in info (JSON text: PSA info values are strings)
      const pin = await json(await fetch(`${s.url}/pins`, { method: 'POST', headers: { ...s.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ cid: roots[2] }) }))
      expect(pin.status).toBe('pinned')
      expect(JSON.parse(pin.info.deals)).toHaveLength(5)

      // a collection keeps the batch root: the batch CAR is still served whole
      await s.collectGarbage()
      const again = new Uint8Array(await (await fetch(`${s.url}/ipfs/${deal.dataCid as string}?format=car`)).arrayBuffer())
      expect(Buffer.from(again).equals(Buffer.from(car))).toBe(true)

      // state survives a restart: the same batch, piece and deal ids
      await s.close()
      s = await startTestServer(FAST, dir)
      const after = await status(s, roots[0])
      expect(after.deals.map((d: any) => [d.storageProvider, d.dealId, d.pieceCid, d.status])).toEqual(done.deals.map((d: any) => [d.storageProvider, d.dealId, d.pieceCid, d.status]))
      // a later upload goes into a new batch
      const later = await upload(s, 'four')
      const next = await until('second batch', async () => { const st = await status(s, later); return st.deals.length > 0 ? st : undefined })
      expect(next.deals[0].dataCid).not.toBe(deal.dataCid)
    } finally {
      await s.close()
    }
  })

  it('failing providers end failed, terminating ones terminated, while the others go active', async () => {
    const s = await startTestServer({ ...FAST, failingProviders: ['f01003'], terminatingProviders: ['f01001'] })
    try {
      const root = await upload(s, 'fail')
      const st = await until('settled', async () => {
        const st = await status(s, root)
        return st.deals.length === 5 && st.deals.every((d: any) => ['Active', 'Failed', 'Terminated'].includes(d.status)) && st.deals.some((d: any) => d.status === 'Terminated') ? st : undefined
      })
      expect(st.deals.filter((d: any) => d.status === 'Failed').map((d: any) => d.storageProvider)).toEqual(['f01003'])
      expect(st.deals.filter((d: any) => d.status === 'Terminated').map((d: any) => d.storageProvider)).toEqual(['f01001'])
      expect(st.deals.filter((d: any) => d.status === 'Active')).toHaveLength(3)
      const nft = await json(await fetch(`${s.url}/nft/check/${root}`))
      expect(nft.value.deals.map((d: any) => d.status).sort()).toEqual(['active', 'active', 'active', 'failed', 'terminated'])
    } finally {
      await s.stop()
    }
  })

  it('fewer than 5 storage providers are refused', async () => {
    await expect(startTestServer({ storageProviders: ['f01', 'f02'] })).rejects.toThrow(/at least 5 storage providers/)
  })

  it('deploy --wait deal against pinship serve returns the active deals', async () => {
    const s = await startTestServer(FAST)
    try {
      const site = join(tmp.path, 'site')
      await mkdir(site, { recursive: true })
      await writeFile(join(site, 'index.html'), '<h1>deals</h1>')
      const result = await deploy(site, { services: [{ service: 'local', endpoint: s.url, token: s.tokens[0] }], wait: 'deal', timeoutMs: 30_000, poll: { minDelayMs: 50, maxDelayMs: 200 } })
      expect(result.ok).toBe(true)
      const r = result.results[0]
      expect(r.status).toBe('pinned')
      expect(r.deals.length).toBe(5)
      expect(r.deals.some(d => d.status === 'active')).toBe(true)
      expect(r.deals[0].pieceCid).toMatch(/^baga6ea4sea/)
    } finally {
      await s.stop()
    }
  })
})
