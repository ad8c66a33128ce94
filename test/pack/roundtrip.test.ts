// Round trip: every CAR the packer writes is read back by independent readers (@ipld/car + ipfs-unixfs-exporter, and
// the ipfs-car CLI), every block's hash is checked against its CID, and every file comes back byte for byte.
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { CarBlockIterator } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { exporter, recursive } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pack, PROFILE_NAMES, type ProfileName } from '../../src/core/pack/index.js'
import { KiB, MiB, makeTemp, manyFiles, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
import { IPFS_CAR_BIN, MemoryBlockstore } from './oracles.js'

const run = promisify(execFile)
let dir: string
let site: string

beforeAll(async () => {
  dir = await makeTemp('pinship-roundtrip-')
  site = join(dir, 'site')
  await writeTree(site, { ...siteSpec(), dupes: { 'a.bin': 'same bytes', 'b.bin': 'same bytes', sub: { 'c.bin': 'same bytes' } } })
})

afterAll(async () => {
  await removeTemp(dir)
})

interface CarContents { roots: string[], blocks: MemoryBlockstore, count: number }

/** Reads a CAR with @ipld/car, checking each block's sha2-256 against its CID. */
export async function readCar (path: string): Promise<CarContents> {
  const iterator = await CarBlockIterator.fromIterable(createReadStream(path))
  expect(iterator.version, `${path} is a CARv1`).toBe(1)
  const roots = (await iterator.getRoots()).map(r => r.toString())
  const blocks = new MemoryBlockstore()
  let count = 0
  for await (const { cid, bytes } of iterator) {
    const digest = await sha256.digest(bytes)
    expect(Buffer.from(digest.bytes).equals(Buffer.from(cid.multihash.bytes)), `block ${cid.toString()} hashes to its CID`).toBe(true)
    expect(blocks.blocks.has(cid.toString()), `block ${cid.toString()} appears once`).toBe(false)
    await blocks.put(cid, bytes)
    count++
  }
  return { roots, blocks, count }
}

/** Every file (relative path → bytes) and every folder under `root`, dot-entries included. */
async function listTree (root: string, rel = ''): Promise<{ files: Map<string, Buffer>, dirs: Set<string> }> {
  const files = new Map<string, Buffer>()
  const dirs = new Set<string>()
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`
    if (entry.isDirectory()) {
      dirs.add(path)
      const inner = await listTree(root, path)
      for (const [k, v] of inner.files) files.set(k, v)
      for (const d of inner.dirs) dirs.add(d)
    } else {
      files.set(path, await readFile(join(root, path)))
    }
  }
  return { files, dirs }
}

/** Every file and folder of the DAG under `root`, via ipfs-unixfs-exporter. */
async function exportTree (root: string, blocks: MemoryBlockstore): Promise<{ files: Map<string, Buffer>, dirs: Set<string> }> {
  const files = new Map<string, Buffer>()
  const dirs = new Set<string>()
  for await (const listed of recursive(CID.parse(root), blocks)) {
    const path = listed.path.split('/').slice(1).join('/')
    if (path === '') continue
    const entry = await exporter(listed.cid, blocks)
    if (entry.type === 'directory') {
      dirs.add(path)
    } else if (entry.type === 'file' || entry.type === 'raw') {
      const parts: Uint8Array[] = []
      for await (const chunk of entry.content()) parts.push(chunk)
      files.set(path, Buffer.concat(parts))
    } else {
      throw new Error(`unexpected ${entry.type} at ${path}`)
    }
  }
  return { files, dirs }
}

/** Every block reachable from `root` (dag-pb links followed; raw leaves end a path); throws on a missing block. */
function reachable (root: string, blocks: MemoryBlockstore): Set<string> {
  const seen = new Set<string>()
  const stack = [CID.parse(root)]
  for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    const bytes = blocks.blocks.get(key)
    if (bytes === undefined) throw new Error(`block ${key}, reachable from ${root}, is not in the CAR`)
    if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) stack.push(link.Hash)
    else if (cid.code !== raw.code) throw new Error(`block ${key} has codec ${cid.code}, neither dag-pb nor raw`)
  }
  return seen
}

function expectSameFiles (actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort())
  for (const [path, bytes] of expected) expect(actual.get(path)?.equals(bytes), `${path} comes back byte for byte`).toBe(true)
}

describe('CARs read back by independent readers', () => {
  for (const profile of PROFILE_NAMES) {
    test(`${profile}: header root, block hashes, and every file byte for byte via ipfs-unixfs-exporter`, async () => {
      const out = join(dir, `${profile}.car`)
      const result = await pack(site, { profile, output: out })
      const car = await readCar(out)
      expect(car.roots).toEqual([result.cid])
      expect(car.count).toBe(result.blocks)
      expect((await stat(out)).size).toBe(result.carBytes)
      expect(result.shards).toEqual([expect.objectContaining({ path: out, bytes: result.carBytes, blocks: result.blocks })])

      const source = await listTree(site)
      const exported = await exportTree(result.cid, car.blocks)
      expectSameFiles(exported.files, source.files)
      const expectedDirs = profile === 'ipfs-car'
        // ipfs-car packs a list of files: folders without files do not exist in its DAG
        ? new Set([...source.dirs].filter(d => [...source.files.keys()].some(f => f.startsWith(`${d}/`))))
        : source.dirs
      expect([...exported.dirs].sort()).toEqual([...expectedDirs].sort())
      expect(result.files).toBe(source.files.size)
      expect(result.bytes).toBe([...source.files.values()].reduce((n, b) => n + b.byteLength, 0))
    })
  }

  test('duplicate content is stored once: blocks are unique across the CAR', async () => {
    const out = join(dir, 'dupes.car')
    const result = await pack(join(site, 'dupes'), { output: out })
    const car = await readCar(out)
    // three files with the same bytes share one raw leaf, plus two directories
    expect(car.count).toBe(1 + 2)
    expect(result.blocks).toBe(3)
    expect(result.files).toBe(3)
  })

  test('ipfs-car unpack restores the folder from a CAR pinship wrote (ipfs-car profile)', async () => {
    const out = join(dir, 'for-unpack.car')
    await pack(site, { profile: 'ipfs-car', output: out })
    const restored = join(dir, 'unpacked')
    await run(process.execPath, [IPFS_CAR_BIN, 'unpack', out, '--output', restored])
    const source = await listTree(site)
    const back = await listTree(restored)
    expectSameFiles(back.files, source.files)
  })

  test('a single file packs to its own CID and unpacks to the same bytes', async () => {
    const file = join(site, 'assets', 'multi.bin')
    const out = join(dir, 'single.car')
    const result = await pack(file, { output: out })
    const car = await readCar(out)
    expect(car.roots).toEqual([result.cid])
    const parts: Uint8Array[] = []
    const entry = await exporter(CID.parse(result.cid), car.blocks)
    if (entry.type !== 'file') throw new Error(`expected a file, got ${entry.type}`)
    for await (const chunk of entry.content()) parts.push(chunk)
    expect(Buffer.concat(parts).equals(await readFile(file))).toBe(true)
    expect(relative(dir, out)).toBe('single.car')
  })

  test('every profile round-trips through CAR with nothing written (CIDs and CAR CIDs only)', async () => {
    for (const profile of PROFILE_NAMES as readonly ProfileName[]) {
      const out = join(dir, `check-${profile}.car`)
      const written = await pack(site, { profile, output: out })
      const dry = await pack(site, { profile })
      expect(dry.cid).toBe(written.cid)
      expect(dry.shards).toEqual([{ path: null, carCid: written.shards[0].carCid, bytes: written.carBytes, blocks: written.blocks }])
    }
  })
})

describe('the parity cases read back: chunk boundaries, a 174-link layer, HAMT directories, whole and sharded', () => {
  let tree: string
  let source: { files: Map<string, Buffer>, dirs: Set<string> }
  beforeAll(async () => {
    tree = join(dir, 'parity-cases')
    const sizes = [0, 1, 256 * KiB - 1, 256 * KiB, 256 * KiB + 1, MiB - 1, MiB, MiB + 1, 5 * MiB + 123]
    await writeTree(tree, {
      ...siteSpec(),
      boundaries: Object.fromEntries(sizes.map(n => [`f-${n}.bin`, n])),
      // 175 chunks of 256 KiB: one full 174-link layer and one more in unixfs-v0-2015
      'layer.bin': 174 * 256 * KiB + 1,
      // a HAMT in every profile (long names push the unixfs profiles over their size estimate)
      'hamt-long': manyFiles(2500, i => `entry-${String(i).padStart(5, '0')}-`.padEnd(100, 'x') + '.txt', i => 1 + (i % 97)),
      // a HAMT for ipfs-car only (over 1000 entries)
      'hamt-short': manyFiles(1001, i => `${i}.txt`, i => 10 + (i % 13))
    })
    source = await listTree(tree)
  }, 60_000)

  const expectedDirs = (profile: ProfileName): string[] => [...(profile === 'ipfs-car'
    ? new Set([...source.dirs].filter(d => [...source.files.keys()].some(f => f.startsWith(`${d}/`))))
    : source.dirs)].sort()

  for (const profile of PROFILE_NAMES) {
    test(`${profile}: one CAR holds exactly the DAG, and every file comes back byte for byte`, async () => {
      const out = join(dir, `parity-${profile}.car`)
      const result = await pack(tree, { profile, output: out })
      const car = await readCar(out)
      expect(car.roots).toEqual([result.cid])
      expect([...reachable(result.cid, car.blocks)].sort()).toEqual([...car.blocks.blocks.keys()].sort())
      const exported = await exportTree(result.cid, car.blocks)
      expectSameFiles(exported.files, source.files)
      expect([...exported.dirs].sort()).toEqual(expectedDirs(profile))
      if (profile === 'ipfs-car') {
        // and the other independent reader: ipfs-car's own unpack, HAMT directories included
        const restored = join(dir, 'parity-unpacked')
        await run(process.execPath, [IPFS_CAR_BIN, 'unpack', out, '--output', restored])
        expectSameFiles((await listTree(restored)).files, source.files)
      }
    }, 120_000)

    test(`${profile}: shards together hold exactly the DAG, and every file comes back byte for byte`, async () => {
      const out = join(dir, `parity-${profile}-shards`)
      const shardSize = 3 * MiB
      const result = await pack(tree, { profile, output: out, shardSize })
      expect(result.shards.length).toBeGreaterThan(10)
      const union = new MemoryBlockstore()
      for (const shard of result.shards) {
        expect(shard.bytes).toBeLessThanOrEqual(shardSize)
        const car = await readCar(shard.path as string)
        expect(car.roots).toEqual([result.cid])
        for (const [key, bytes] of car.blocks.blocks) {
          expect(union.blocks.has(key), `${key} is in one shard only`).toBe(false)
          union.blocks.set(key, bytes)
        }
      }
      expect([...reachable(result.cid, union)].sort()).toEqual([...union.blocks.keys()].sort())
      const exported = await exportTree(result.cid, union)
      expectSameFiles(exported.files, source.files)
      expect([...exported.dirs].sort()).toEqual(expectedDirs(profile))
    }, 120_000)
  }
})
