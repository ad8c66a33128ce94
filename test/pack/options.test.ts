// Options and defaults: ignore, symlinks, output inside the folder, progress events, profile settings, carCid.
import { Readable } from 'node:stream'
import { cp, readFile, rm, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { UnknownProfileError } from '../../src/core/errors.js'
import {
  CAR_CODEC, DEFAULT_PROFILE, PROFILE_NAMES, carCid, pack, resolveProfile, type PackProgressEvent
} from '../../src/core/pack/index.js'
import { MiB, makeTemp, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
import { importerCid, ipfsCarCid } from './oracles.js'

let dir: string

beforeAll(async () => {
  dir = await makeTemp('pinship-options-')
})

afterAll(async () => {
  await removeTemp(dir)
})

describe('ignore', () => {
  test('ignored entries are left out, ignored folders are not descended into, paths are relative POSIX', async () => {
    const root = join(dir, 'ignore')
    const kept = { 'index.html': 'hi', js: { 'app.js': 'js' }, '.well-known': { 'a.txt': 'a' } }
    await writeTree(root, { ...kept, drafts: { 'wip.md': 'wip', deeper: { 'x.md': 'x' } }, js2: { 'app.js.map': 'map' } })
    const seen: Array<[string, boolean]> = []
    const result = await pack(root, {
      ignore: (path, isDirectory) => {
        seen.push([path, isDirectory])
        return path === 'drafts' || path.endsWith('.map') || path === 'js2'
      }
    })
    expect(seen).toContainEqual(['drafts', true])
    expect(seen).toContainEqual(['js/app.js', false])
    expect(seen).toContainEqual(['.well-known/a.txt', false])
    expect(seen.some(([p]) => p.startsWith('drafts/'))).toBe(false)
    expect(seen.some(([p]) => p.startsWith('./'))).toBe(false)
    const expected = join(dir, 'ignore-expected')
    await writeTree(expected, kept)
    expect(result.cid).toBe(await importerCid(expected, 'unixfs-v1-2025'))
    expect(result.files).toBe(3)
  })

  test('hidden entries are dropped before ignore sees them', async () => {
    const root = join(dir, 'ignore-hidden')
    await writeTree(root, { 'a.txt': 'a', '.secret': { 'b.txt': 'b' } })
    const seen: string[] = []
    await pack(root, { hidden: false, ignore: path => { seen.push(path); return false } })
    expect(seen).toEqual(['a.txt'])
  })
})

describe('symlinks and outputs inside the folder', () => {
  test('symlinks to files and folders inside the folder are followed (same CID as real copies)', async () => {
    const root = join(dir, 'links')
    await writeTree(root, { 'real.txt': 'real', realdir: { 'inner.txt': 'inner' } })
    await symlink('real.txt', join(root, 'link.txt'))
    await symlink('realdir', join(root, 'linkdir'))
    const copies = join(dir, 'links-copied')
    await writeTree(copies, { 'real.txt': 'real', realdir: { 'inner.txt': 'inner' }, 'link.txt': 'real', linkdir: { 'inner.txt': 'inner' } })
    expect((await pack(root)).cid).toBe(await importerCid(copies, 'unixfs-v1-2025'))
    expect((await pack(root, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(copies))
  })

  test('a symlink to an entry whose name starts with two dots stays inside the folder', async () => {
    const root = join(dir, 'dotdot-names')
    await writeTree(root, { '..notes': 'notes', '..assets': { 'x.txt': 'x' } })
    await symlink('..notes', join(root, 'link.txt'))
    await symlink('..assets', join(root, 'linkdir'))
    const copies = join(dir, 'dotdot-copied')
    await writeTree(copies, { '..notes': 'notes', '..assets': { 'x.txt': 'x' }, 'link.txt': 'notes', linkdir: { 'x.txt': 'x' } })
    expect((await pack(root)).cid).toBe(await importerCid(copies, 'unixfs-v1-2025'))
  })

  test('a CAR written into the folder being packed is not packed into itself', async () => {
    const root = join(dir, 'self-output')
    await writeTree(root, { 'a.txt': 'a', sub: { 'b.txt': 2 * MiB } })
    const plain = await pack(root)
    const sharded = await pack(root, { output: join(root, 'shards'), shardSize: 3 * MiB })
    expect(sharded.cid).toBe(plain.cid)
    expect((await pack(root, { output: join(root, 'shards'), shardSize: 3 * MiB })).cid).toBe(plain.cid)
    await rm(join(root, 'shards'), { recursive: true })
    const first = await pack(root, { output: join(root, 'site.car') })
    const second = await pack(root, { output: join(root, 'site.car') })
    expect(first.cid).toBe(plain.cid)
    expect(second.cid).toBe(plain.cid)
  })
})

describe('progress events', () => {
  test('start, bytes up to the total, one shard event per shard, then done with the result', async () => {
    const root = join(dir, 'progress')
    await writeTree(root, siteSpec())
    const events: PackProgressEvent[] = []
    const result = await pack(root, { output: join(dir, 'progress.car'), onProgress: e => { events.push(e as PackProgressEvent) } })
    const types = events.map(e => e.type)
    expect(types[0]).toBe('pinship:pack:start')
    expect(types.at(-1)).toBe('pinship:pack:done')
    expect(types.filter(t => t === 'pinship:pack:shard')).toHaveLength(1)
    const start = events[0].detail as { files: number, bytes: number, path: string }
    expect(start).toEqual({ path: root, files: result.files, bytes: result.bytes })
    const bytes = events.filter(e => e.type === 'pinship:pack:bytes').map(e => e.detail as { bytes: number, totalBytes: number, files: number, totalFiles: number })
    expect(bytes.at(-1)).toEqual({ bytes: result.bytes, totalBytes: result.bytes, files: result.files, totalFiles: result.files, pass: 1, passes: 1, phase: 'CAR' })
    for (let i = 1; i < bytes.length; i++) expect(bytes[i].bytes).toBeGreaterThanOrEqual(bytes[i - 1].bytes)
    expect(events.at(-1)?.detail).toEqual(result)
  })

  test('with two passes (nothing written) each pass counts to the files\' total on its own', async () => {
    const root = join(dir, 'progress')
    const events: PackProgressEvent[] = []
    const result = await pack(root, { onProgress: e => { events.push(e as PackProgressEvent) } })
    const bytes = events.filter(e => e.type === 'pinship:pack:bytes').map(e => e.detail as { bytes: number, totalBytes: number, files: number, totalFiles: number, pass: number, passes: number, phase: string })
    for (const b of bytes) {
      expect(b.totalBytes).toBe(result.bytes)
      expect(b.totalFiles).toBe(result.files)
      expect(b.bytes).toBeLessThanOrEqual(b.totalBytes)
      expect(b.passes).toBe(2)
    }
    const ends = bytes.filter(b => b.bytes === result.bytes && b.files === result.files)
    expect(ends.map(b => [b.pass, b.phase])).toEqual([[1, 'root CID'], [2, 'CAR']])
    expect(bytes.map(b => b.pass)).toEqual([...bytes.map(b => b.pass)].sort())
  })

  test('onPlan tells the exact shards and CAR bytes the second pass then writes', async () => {
    const root = join(dir, 'plan')
    // duplicate content: blocks the CAR holds once
    await writeTree(root, { 'a.bin': 3 * MiB, 'b.bin': 3 * MiB, sub: { 'c.txt': 'c', 'same.bin': 3 * MiB } })
    const single = await pack(root, { output: join(dir, 'plan-single.car') })
    for (const shardSize of [undefined, 1_100_000, 2_500_000, 100_000_000]) {
      let plan: { cid: string, shards: number, carBytes: number, wholeCarBytes: number } | undefined
      const out = join(dir, `plan-out-${String(shardSize)}`)
      const result = await pack(root, { output: shardSize === undefined ? `${out}.car` : out, ...(shardSize !== undefined ? { shardSize } : {}), onShard: () => {}, onPlan: p => { plan = p } })
      expect(plan).toEqual({
        cid: result.cid,
        shards: result.shards.length,
        carBytes: result.carBytes,
        // the same blocks as one CAR: what a one-pass pack without shards writes
        wholeCarBytes: single.carBytes
      })
      if (shardSize === 1_100_000) expect(result.shards.length).toBeGreaterThan(5)
    }
  })

  test('a throwing progress callback does not break packing', async () => {
    const root = join(dir, 'progress')
    const result = await pack(root, { onProgress: () => { throw new Error('renderer bug') } })
    expect(result.cid).toBe((await pack(root)).cid)
  })
})

describe('defaults and profiles', () => {
  test('the default profile is unixfs-v1-2025 and hidden files are included by default', async () => {
    const root = join(dir, 'defaults')
    await writeTree(root, { 'a.txt': 'a', '.well-known': { 'b.txt': 'b' } })
    expect(DEFAULT_PROFILE).toBe('unixfs-v1-2025')
    const plain = await pack(root)
    expect(plain.profile).toBe('unixfs-v1-2025')
    expect(plain.cid).toBe((await pack(root, { profile: 'unixfs-v1-2025', hidden: true, wrap: false })).cid)
    expect(plain.files).toBe(2)
  })

  test('each profile resolves to its settings bundle', () => {
    expect(PROFILE_NAMES).toEqual(['unixfs-v1-2025', 'unixfs-v0-2015', 'ipfs-car'])
    expect(resolveProfile('unixfs-v1-2025')).toMatchObject({
      cidVersion: 1, rawLeaves: true, chunkSize: 1_048_576, maxLinks: 1024, keepEmptyDirectories: true,
      shard: { kind: 'block-bytes', thresholdBytes: 262_144 }
    })
    expect(resolveProfile('unixfs-v0-2015')).toMatchObject({
      cidVersion: 0, rawLeaves: false, chunkSize: 262_144, maxLinks: 174, keepEmptyDirectories: true,
      shard: { kind: 'links-bytes', thresholdBytes: 262_144 }
    })
    expect(resolveProfile('ipfs-car')).toMatchObject({
      cidVersion: 1, rawLeaves: true, chunkSize: 1_048_576, maxLinks: 1024, keepEmptyDirectories: false,
      rootAtCommonDirectory: true, shard: { kind: 'entries', maxEntries: 1000 }
    })
    expect(() => resolveProfile('v2')).toThrow(UnknownProfileError)
    expect(() => resolveProfile('toString')).toThrow(/Use one of: unixfs-v1-2025, unixfs-v0-2015, ipfs-car/)
  })
})

describe('carCid', () => {
  test('is sha2-256 with the car codec, from bytes or from a stream', async () => {
    const root = join(dir, 'carcid')
    await writeTree(root, { 'a.bin': 3 * MiB })
    const out = join(dir, 'carcid.car')
    const result = await pack(root, { output: out })
    const bytes = await readFile(out)
    const expected = CID.createV1(0x0202, await sha256.digest(bytes)).toString()
    expect(CAR_CODEC).toBe(0x0202)
    expect((await carCid(bytes)).toString()).toBe(expected)
    expect((await carCid(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]))).toString()).toBe(expected)
    expect(result.shards[0].carCid).toBe(expected)
    await cp(out, join(dir, 'copy.car'))
    expect((await carCid(await readFile(join(dir, 'copy.car')))).toString()).toBe(expected)
  })
})
