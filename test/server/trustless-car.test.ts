// Trustless gateway CAR parameters (dag-scope, entity-bytes, order, dups), each response checked by the reference
// UnixFS exporter reading only the blocks the CAR carried, after every block's hash is verified.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarReader } from '@ipld/car/reader'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { encodeCar, importFiles, startTestServer, type Block, type TestServer } from './helpers.js'

const MiB = 1024 * 1024
const BIG = 5 * MiB + 100
let server: TestServer
let dir: CID
let file: CID
let leaves: CID[]
let content: Buffer
let dupRoot: CID
let dupLeaf: CID
let hamt: CID
let hamtShards: Set<string>
let withInline: CID

async function upload (root: CID, blocks: Block[]): Promise<void> {
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: server.auth() })).status).toBe(200)
}

beforeAll(async () => {
  server = await startTestServer()
  content = Buffer.alloc(BIG)
  for (let i = 0; i < BIG; i += 32) createHash('sha256').update(String(i)).digest().copy(content, i)
  const site = await importFiles([{ path: 'big.bin', content }, { path: 'small.txt', content: Buffer.from('small') }], { wrap: true })
  dir = site.root
  await upload(dir, site.blocks)
  file = dagPb.decode(site.blocks.find(b => b.cid.equals(dir))?.bytes as Uint8Array).Links.find(l => l.Name === 'big.bin')?.Hash as CID
  leaves = dagPb.decode(site.blocks.find(b => b.cid.equals(file))?.bytes as Uint8Array).Links.map(l => l.Hash)
  expect(leaves).toHaveLength(6)

  // three identical 1 MiB chunks: one leaf linked three times
  const dup = await importFiles([{ path: 'dup.bin', content: Buffer.alloc(3 * MiB, 1) }])
  dupRoot = dup.root
  dupLeaf = dagPb.decode(dup.blocks.find(b => b.cid.equals(dupRoot))?.bytes as Uint8Array).Links[0].Hash
  await upload(dupRoot, dup.blocks)

  // a HAMT-sharded directory (forced by a tiny shard threshold)
  const blocks: Block[] = []
  const store = { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }
  const entries = Array.from({ length: 300 }, (_, i) => ({ path: `f${i}.txt`, content: Buffer.from(`file ${i}`) }))
  for await (const e of importer(entries, store, { profile: 'unixfs-v1-2025', wrapWithDirectory: true, shardSplitThresholdBytes: 1 })) hamt = e.cid
  hamtShards = new Set(blocks.filter(b => b.cid.code === dagPb.code && UnixFS.unmarshal(dagPb.decode(b.bytes).Data as Uint8Array).type === 'hamt-sharded-directory').map(b => b.cid.toString()))
  expect(hamtShards.size).toBeGreaterThan(1)
  await upload(hamt, blocks)

  // a directory holding an identity CID: its bytes are in the link, so CARs must leave it out
  const inline = CID.createV1(raw.code, identity.digest(Buffer.from('inline')))
  const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: 'inline.txt', Hash: inline, Tsize: 6 }] }))
  withInline = CID.createV1(dagPb.code, await sha256.digest(bytes))
  await upload(withInline, [{ cid: withInline, bytes }])
}, 60_000)
afterAll(async () => { await server.stop() })

interface Car { status: number, type: string | null, etag: string | null, roots: string[], cids: string[], store: { get: (cid: CID) => AsyncGenerator<Uint8Array> } }

/** Fetches a CAR and verifies every block against its CID, like a trustless client. */
async function car (path: string, headers: Record<string, string> = {}): Promise<Car> {
  const res = await fetch(`${server.url}${path}`, { headers })
  if (res.status !== 200) return { status: res.status, type: null, etag: null, roots: [], cids: [], store: { get: async function * () {} } }
  const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
  const map = new Map<string, Uint8Array>()
  const cids: string[] = []
  for await (const { cid, bytes } of reader.blocks()) {
    expect(Buffer.from((await sha256.digest(bytes)).digest).equals(Buffer.from(cid.multihash.digest))).toBe(true)
    map.set(cid.toString(), bytes)
    cids.push(cid.toString())
  }
  const store = {
    get: async function * (cid: CID): AsyncGenerator<Uint8Array> {
      const bytes = map.get(cid.toString())
      if (bytes === undefined) throw new Error(`block ${cid.toString()} is not in the CAR`)
      yield bytes
    }
  }
  return { status: 200, type: res.headers.get('content-type'), etag: res.headers.get('etag'), roots: (await reader.getRoots()).map(String), cids, store }
}

async function read (c: Car, offset: number, length: number): Promise<Buffer> {
  const entry = await exporter(`${dir.toString()}/big.bin`, c.store as never)
  const chunks: Uint8Array[] = []
  for await (const chunk of entry.content({ offset, length })) chunks.push(chunk as Uint8Array)
  return Buffer.concat(chunks)
}

const ids = (...cids: CID[]): string[] => cids.map(String)

describe('dag-scope', () => {
  it('block: the path\'s blocks and the target block only', async () => {
    const c = await car(`/ipfs/${dir.toString()}/big.bin?format=car&dag-scope=block`)
    expect(c.cids).toEqual(ids(dir, file))
    expect(c.roots).toEqual(ids(dir))
    await expect(read(c, 0, 10)).rejects.toThrow(/not in the CAR/)
  })

  it('entity on a file: every block of the file, which the exporter reads whole', async () => {
    const c = await car(`/ipfs/${dir.toString()}/big.bin?format=car&dag-scope=entity`)
    expect(c.cids).toEqual(ids(dir, file, ...leaves))
    expect((await read(c, 0, BIG)).equals(content)).toBe(true)
  })

  it('entity on a directory: its own block; on a HAMT: the shards that enumerate it, none of its entries', async () => {
    expect((await car(`/ipfs/${dir.toString()}?format=car&dag-scope=entity`)).cids).toEqual(ids(dir))
    const c = await car(`/ipfs/${hamt.toString()}?format=car&dag-scope=entity`)
    expect(new Set(c.cids)).toEqual(hamtShards)
    // the exporter enumerates every name from these blocks alone; an entry's own bytes were left out
    const entry = await exporter(hamt, c.store as never)
    if (entry.type !== 'directory') throw new Error('expected a directory')
    const names: string[] = []
    for await (const e of entry.entries()) names.push(e.name)
    expect(names.sort()).toEqual(Array.from({ length: 300 }, (_, i) => `f${i}.txt`).sort())
    await expect(exporter(`${hamt.toString()}/f7.txt`, c.store as never).then(async f => { for await (const _ of f.content()) { /* read */ } }))
      .rejects.toThrow(/not in the CAR/)
  })

  it('all (the default): the whole DAG', async () => {
    const c = await car(`/ipfs/${dir.toString()}?format=car&dag-scope=all`)
    expect(c.cids).toEqual((await car(`/ipfs/${dir.toString()}?format=car`)).cids)
    expect(c.cids).toHaveLength(2 + leaves.length + 1)
  })
})

describe('entity-bytes', () => {
  it.each([
    ['0:99', [0], 0, 100],
    ['1048570:1048580', [0, 1], 1048570, 11],
    ['-1024:*', [4, 5], BIG - 1024, 1024],
    ['-50:*', [5], BIG - 50, 50],
    ['499:-1000', [0, 1, 2, 3, 4], 499, BIG - 1000 - 499 + 1],
    [`0:${BIG + 5000}`, [0, 1, 2, 3, 4, 5], 0, BIG]
  ])('%s: only the leaves under the range, enough for the exporter to read it', async (range, want, offset, length) => {
    const c = await car(`/ipfs/${dir.toString()}/big.bin?format=car&entity-bytes=${range}`)
    expect(c.cids).toEqual(ids(dir, file, ...want.map(i => leaves[i])))
    expect((await read(c, offset, length)).equals(content.subarray(offset, offset + length))).toBe(true)
  })

  it('a zero-length range answers like dag-scope=block', async () => {
    expect((await car(`/ipfs/${dir.toString()}/big.bin?format=car&entity-bytes=10:5`)).cids).toEqual(ids(dir, file))
  })

  it('is ignored on a directory (equivalent to dag-scope=entity)', async () => {
    expect((await car(`/ipfs/${dir.toString()}?format=car&entity-bytes=0:10`)).cids).toEqual(ids(dir))
  })

  it('ETags differ by scope and range', async () => {
    const tags = await Promise.all(['dag-scope=block', 'dag-scope=entity', 'dag-scope=all', 'entity-bytes=0:99', 'entity-bytes=0:100']
      .map(async q => (await car(`/ipfs/${dir.toString()}/big.bin?format=car&${q}`)).etag))
    expect(new Set(tags).size).toBe(5)
  })
})

describe('bad parameters are a 400, never a 5xx', () => {
  it.each([
    'dag-scope=everything', 'entity-bytes=abc', 'entity-bytes=1-2', 'entity-bytes=:5', 'car-version=2', 'car-order=random', 'car-dups=maybe',
    `entity-bytes=${BIG}:*`
  ])('%s', async (q) => {
    const res = await fetch(`${server.url}/ipfs/${dir.toString()}/big.bin?format=car&${q}`)
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/dag-scope|entity-bytes|version|order|dups|range/)
  })
})

describe('order and dups', () => {
  it('says order=dfs; dups=n by default, and sends a repeated leaf once', async () => {
    const c = await car(`/ipfs/${dupRoot.toString()}?format=car`)
    expect(c.type).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
    expect(c.cids).toEqual(ids(dupRoot, dupLeaf))
  })

  it('dups=y (Accept or car-dups) sends it at every occurrence; the query parameter wins', async () => {
    const y = await car(`/ipfs/${dupRoot.toString()}`, { accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
    expect(y.type).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=y')
    expect(y.cids).toEqual(ids(dupRoot, dupLeaf, dupLeaf, dupLeaf))
    expect((await car(`/ipfs/${dupRoot.toString()}?format=car&car-dups=y`)).cids).toHaveLength(4)
    const n = await car(`/ipfs/${dupRoot.toString()}?format=car&car-dups=n`, { accept: 'application/vnd.ipld.car; dups=y' })
    expect(n.type).toMatch(/dups=n$/)
    expect(n.cids).toHaveLength(2)
    expect(y.etag).not.toBe(n.etag)
  })

  it('order=unk is answered in DFS order, and says so', async () => {
    expect((await car(`/ipfs/${dupRoot.toString()}`, { accept: 'application/vnd.ipld.car; order=unk' })).type).toMatch(/order=dfs/)
  })
})

describe('identity CIDs', () => {
  it('the bafkqaaa probe is a valid CAR with that root and no blocks', async () => {
    const c = await car('/ipfs/bafkqaaa?format=car')
    expect(c.roots).toEqual(['bafkqaaa'])
    expect(c.cids).toEqual([])
  })

  it('are never sent as blocks', async () => {
    expect((await car(`/ipfs/${withInline.toString()}?format=car`)).cids).toEqual(ids(withInline))
  })
})
