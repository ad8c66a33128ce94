// Valid content of any depth is served: a UnixFS file that is a chain of 10,000 nodes (each with one child) is
// accepted, found complete, and served whole, by range and as a CAR, with no 500 from a recursion too deep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as dagPb from '@ipld/dag-pb'
import { CarReader } from '@ipld/car/reader'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { encodeCar, json, rawBlock, startTestServer, type Block, type TestServer } from './helpers.js'

const DEPTH = 10_000
let server: TestServer
let root: CID
let blocks: Block[]

/** A file whose bytes are `leaf`, under DEPTH dag-pb file nodes that each link to the next. */
async function chain (leaf: Uint8Array): Promise<{ root: CID, blocks: Block[] }> {
  const out: Block[] = [await rawBlock(leaf)]
  let child = out[0].cid
  for (let i = 0; i < DEPTH; i++) {
    const fs = new UnixFS({ type: 'file', blockSizes: [BigInt(leaf.length)] })
    const bytes = dagPb.encode(dagPb.prepare({ Data: fs.marshal(), Links: [{ Hash: child, Tsize: leaf.length }] }))
    child = CID.createV1(dagPb.code, await sha256.digest(bytes))
    out.push({ cid: child, bytes })
  }
  return { root: child, blocks: out.reverse() }
}

/** A HAMT-sharded directory whose entry `file` sits under DEPTH sub-shards (a crafted, valid-to-decode chain). */
async function shardChain (file: CID): Promise<{ root: CID, blocks: Block[] }> {
  const out: Block[] = []
  const data = new UnixFS({ type: 'hamt-sharded-directory', fanout: 256n, hashType: 0x22n }).marshal()
  let bytes = dagPb.encode(dagPb.prepare({ Data: data, Links: [{ Name: '00file', Hash: file, Tsize: 1 }] }))
  let cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
  out.push({ cid, bytes })
  for (let i = 0; i < DEPTH; i++) {
    bytes = dagPb.encode(dagPb.prepare({ Data: data, Links: [{ Name: '00', Hash: cid, Tsize: 1 }] }))
    cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    out.push({ cid, bytes })
  }
  return { root: cid, blocks: out }
}

let shardRoot: CID

beforeAll(async () => {
  server = await startTestServer({ onProgress: e => { if (e.type === 'pinship:server:error') console.error(e.detail) } })
  ;({ root, blocks } = await chain(Buffer.from('deep content')))
  const res = await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: server.auth() })
  expect(res.status).toBe(200)
  const leaf = await rawBlock(Buffer.from('in a deep shard'))
  const shards = await shardChain(leaf.cid)
  shardRoot = shards.root
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([shardRoot], [leaf, ...shards.blocks]), headers: server.auth() })).status).toBe(200)
}, 60_000)
afterAll(async () => { await server.stop() })

describe(`a UnixFS chain ${DEPTH} nodes deep`, () => {
  it('is complete (the completeness walk reaches the leaf)', async () => {
    expect((await json(await fetch(`${server.url}/status/${root.toString()}`))).pins[0].status).toBe('Pinned')
  })

  it('is served whole and by range', async () => {
    const res = await fetch(`${server.url}/ipfs/${root.toString()}`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('deep content')
    const part = await fetch(`${server.url}/ipfs/${root.toString()}`, { headers: { range: 'bytes=5-11' } })
    expect(part.status).toBe(206)
    expect(await part.text()).toBe('content')
  })

  it('is exported as a CAR with every block', async () => {
    const res = await fetch(`${server.url}/ipfs/${root.toString()}?format=car`)
    expect(res.status).toBe(200)
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
    let n = 0
    for await (const _ of reader.blocks()) n++
    expect(n).toBe(DEPTH + 1)
  })
})

describe(`a HAMT-sharded directory ${DEPTH} sub-shards deep`, () => {
  it('resolves a path through every sub-shard', async () => {
    const res = await fetch(`${server.url}/ipfs/${shardRoot.toString()}/file`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('in a deep shard')
  })
})
