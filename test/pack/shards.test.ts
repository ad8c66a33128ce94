// Sharded CARs: each shard a valid CARv1 with the same single root, none over the limit, each block in exactly one
// shard, no block split, the union exactly the DAG; CAR CIDs over each shard's bytes; onShard timing.
import { createReadStream, existsSync } from 'node:fs'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PinshipError } from '../../src/core/errors.js'
import { DEFAULT_UPLOAD_SHARD_SIZE, pack, type PackProgressEvent, type ShardInfo } from '../../src/core/pack/index.js'
import { KiB, MiB, makeTemp, manyFiles, removeTemp, writeTree } from '../helpers/corpus.js'
import { importerCid } from './oracles.js'

let dir: string
let site: string

beforeAll(async () => {
  dir = await makeTemp('pinship-shards-')
  site = join(dir, 'site')
  await writeTree(site, {
    'video.bin': 5 * MiB + 17,
    'poster.bin': 2 * MiB,
    pages: manyFiles(300, i => `page-${i}.html`, i => 2 * KiB + ((i * 7919) % (18 * KiB))),
    '.well-known': { 'x.txt': 'x' }
  })
})

afterAll(async () => {
  await removeTemp(dir)
})

async function blocksOf (path: string): Promise<{ roots: string[], cids: string[] }> {
  const iterator = await CarBlockIterator.fromIterable(createReadStream(path))
  expect(iterator.version, `${path} is a CARv1`).toBe(1)
  const roots = (await iterator.getRoots()).map(r => r.toString())
  const cids: string[] = []
  for await (const { cid, bytes } of iterator) {
    const digest = await sha256.digest(bytes)
    expect(Buffer.from(digest.bytes).equals(Buffer.from(cid.multihash.bytes))).toBe(true)
    cids.push(cid.toString())
  }
  return { roots, cids }
}

/** CAR CID computed here, independently: sha2-256 of the file, codec car (0x0202). */
async function independentCarCid (path: string): Promise<string> {
  return CID.createV1(0x0202, await sha256.digest(await readFile(path))).toString()
}

describe('sharded CARs', () => {
  const SHARD = 1_500_000

  test('each shard is a CARv1 with the root, within the limit, blocks in exactly one shard, union = whole DAG', async () => {
    const whole = join(dir, 'whole.car')
    const unsharded = await pack(site, { output: whole })
    const out = join(dir, 'shards')
    const result = await pack(site, { output: out, shardSize: SHARD })
    expect(result.cid).toBe(unsharded.cid)
    expect(result.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    expect(result.shards.length).toBeGreaterThanOrEqual(6)

    const files = (await readdir(out)).sort()
    expect(files).toEqual(result.shards.map((_, i) => `shard-${String(i + 1).padStart(4, '0')}.car`))
    const seen = new Set<string>()
    let total = 0
    for (const shard of result.shards) {
      expect(shard.path).toBe(join(out, files[result.shards.indexOf(shard)]))
      const size = (await stat(shard.path as string)).size
      expect(size).toBe(shard.bytes)
      expect(size).toBeLessThanOrEqual(SHARD)
      const { roots, cids } = await blocksOf(shard.path as string)
      expect(roots).toEqual([result.cid])
      expect(cids).toHaveLength(shard.blocks)
      for (const cid of cids) {
        expect(seen.has(cid), `${cid} is in one shard only`).toBe(false)
        seen.add(cid)
      }
      expect(shard.carCid).toMatch(/^bag/)
      expect(shard.carCid).toBe(await independentCarCid(shard.path as string))
      total += shard.bytes
    }
    const wholeBlocks = await blocksOf(whole)
    expect([...seen].sort()).toEqual([...wholeBlocks.cids].sort())
    expect(seen.size).toBe(result.blocks)
    expect(result.carBytes).toBe(total)
  })

  test('onShard fires for each shard in order while packing, with the file complete and its header final', async () => {
    const out = join(dir, 'streamed')
    const calls: Array<ShardInfo & { index: number }> = []
    const events: string[] = []
    let resolved = false
    const result = await pack(site, {
      output: out,
      shardSize: SHARD,
      onProgress: e => { if ((e as PackProgressEvent).type === 'pinship:pack:shard') events.push(String((e.detail as { index: number }).index)) },
      onShard: async shard => {
        expect(resolved).toBe(false)
        // complete on disk: the header already carries the final root, the bytes hash to the CAR CID given
        const { roots } = await blocksOf(shard.path as string)
        expect(roots).toHaveLength(1)
        expect(shard.carCid).toBe(await independentCarCid(shard.path as string))
        expect((await stat(shard.path as string)).size).toBe(shard.bytes)
        calls.push(shard)
      }
    })
    resolved = true
    expect(calls.map(c => c.index)).toEqual(result.shards.map((_, i) => i))
    expect(events).toEqual(calls.map(c => String(c.index)))
    for (const call of calls) expect((await blocksOf(call.path as string)).roots).toEqual([result.cid])
    // the same shards, byte for byte, as the single-pass writer that patches headers at the end
    const patched = await pack(site, { output: join(dir, 'patched'), shardSize: SHARD })
    expect(patched.shards.map(s => s.carCid)).toEqual(result.shards.map(s => s.carCid))
  })

  test('with nothing written, shards still get their sizes and CAR CIDs', async () => {
    const written = await pack(site, { output: join(dir, 'again'), shardSize: SHARD })
    const dry = await pack(site, { shardSize: SHARD })
    expect(dry.shards).toEqual(written.shards.map(s => ({ ...s, path: null })))
  })

  test('a shard size that cannot hold the largest leaf is refused up front with the minimum', async () => {
    const out = join(dir, 'too-small')
    const minimum = 59 + 3 + 36 + MiB
    let error: unknown
    try {
      await pack(site, { output: out, shardSize: minimum - 1 })
    } catch (err) { error = err }
    expect(error).toBeInstanceOf(PinshipError)
    expect((error as PinshipError).code).toBe('ERR_INVALID_SHARD_SIZE')
    expect((error as Error).message).toContain(`at least ${minimum}`)
    // the output folder it made is gone again, not left empty
    expect(existsSync(out)).toBe(false)
    const fits = await pack(site, { output: out, shardSize: minimum })
    expect(Math.max(...fits.shards.map(s => s.bytes))).toBeLessThanOrEqual(minimum)
  })

  test('a directory node too big for the shard size fails cleanly, leaving no shard behind', async () => {
    const wide = join(dir, 'wide')
    await writeTree(wide, manyFiles(400, i => `${String(i).padStart(4, '0')}-`.padEnd(200, 'n'), () => 1))
    const out = join(dir, 'wide-out')
    await expect(pack(wide, { output: out, shardSize: 20_000 })).rejects.toMatchObject({ code: 'ERR_INVALID_SHARD_SIZE' })
    expect(existsSync(out)).toBe(false)
  })

  test('shards left by an earlier, larger pack are removed; other files in the folder are kept', async () => {
    const out = join(dir, 'reused')
    await pack(site, { output: out, shardSize: SHARD })
    await writeFile(join(out, 'shard-0099.car'), 'stale')
    await writeFile(join(out, 'notes.txt'), 'mine')
    const result = await pack(site, { output: out, shardSize: 4 * MiB })
    expect((await readdir(out)).sort()).toEqual(['notes.txt', ...result.shards.map((_, i) => `shard-${String(i + 1).padStart(4, '0')}.car`)].sort())
  })

  test('the default upload shard bound is 100,000,000 bytes', () => {
    expect(DEFAULT_UPLOAD_SHARD_SIZE).toBe(100_000_000)
  })
})
