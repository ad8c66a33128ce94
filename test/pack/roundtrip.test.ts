// Round trip: every CAR the packer writes is read back by independent readers (@ipld/car + ipfs-unixfs-exporter, and
// the ipfs-car CLI), every block's hash is checked against its CID, and every file comes back byte for byte.
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { CarBlockIterator } from '@ipld/car'
import { exporter, recursive } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pack, PROFILE_NAMES, type ProfileName } from '../../src/core/pack/index.js'
import { makeTemp, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
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
