/**
 * A 300 MB folder with `--shard-size 20000000`: every shard within the limit, deploy pinned, and the service holds
 * exactly the DAG — the blocks its gateway serves for the root are the blocks of the local CAR, no more, no fewer.
 */
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openCarStream } from '../../src/core/car/index.js'
import { deploy } from '../../src/core/deploy/index.js'
import { randomTree } from './folders.js'
import { useEmbeddedService } from './embedded.js'

const TOKEN = 'large-token-0123456789'
const MB = 1_000_000

const env = useEmbeddedService(TOKEN)

async function blockSet (source: AsyncIterable<Uint8Array>): Promise<{ root: string, cids: Set<string>, blocks: number, bytes: number }> {
  const car = await openCarStream(source)
  const cids = new Set<string>()
  let blocks = 0
  let bytes = 0
  for await (const b of car) {
    cids.add(b.cid.toString())
    blocks++
    bytes += b.bytes.length
  }
  return { root: car.roots[0].toString(), cids, blocks, bytes }
}

describe('a 300 MB folder', () => {
  it('deploys in 20 MB shards and the service holds exactly the DAG', async () => {
    const folder = await randomTree(join(env.scratch, 'site'), 300 * MB, 30, 300)
    const carPath = join(env.scratch, 'whole.car')
    const r = await deploy(folder, {
      services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }],
      shardSize: 20 * MB,
      carPath,
      retry: { minDelayMs: 10, maxDelayMs: 100 },
      poll: { minDelayMs: 20, maxDelayMs: 200 }
    })
    expect(r.ok).toBe(true)
    expect(r.results[0]).toMatchObject({ service: 'local', status: 'pinned', error: null })
    expect(r.pack.bytes).toBe(300 * MB + 34)
    expect(r.pack.shards.length).toBeGreaterThanOrEqual(15)
    for (const s of r.pack.shards) expect(s.bytes).toBeLessThanOrEqual(20 * MB)

    // What we sent: the unsharded CAR kept at carPath (the shards joined).
    const local = await blockSet(createReadStream(carPath, { highWaterMark: 1 << 20 }))
    expect(local.root).toBe(r.cid)
    expect(local.blocks).toBe(r.pack.blocks)
    expect(local.cids.size).toBe(local.blocks)

    // What the service holds for the root, through its trustless gateway.
    const res = await fetch(`${env.server.gatewayUrl}/ipfs/${r.cid}?format=car&dag-scope=all`, { headers: { accept: 'application/vnd.ipld.car' } })
    expect(res.status).toBe(200)
    const served = await blockSet(res.body as unknown as AsyncIterable<Uint8Array>)
    expect(served.root).toBe(r.cid)
    expect(served.blocks).toBe(local.blocks)
    expect([...served.cids].filter(c => !local.cids.has(c))).toEqual([])
    expect([...local.cids].filter(c => !served.cids.has(c))).toEqual([])
    expect(served.bytes).toBe(local.bytes)

    // And its own accounting agrees.
    const status = await (await fetch(`${env.server.url}/status/${r.cid}`)).json() as { dagSize: number }
    expect(status.dagSize).toBe(local.bytes)
  }, 180_000)
})
