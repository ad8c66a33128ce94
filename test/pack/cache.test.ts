// The pack cache: entries trusted only for a file that is provably unchanged, damage ignored with a warning,
// concurrent packs sharing one cache. Every CID is checked against a pack without cache and the importer oracle.
import { createHash } from 'node:crypto'
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { readFile, truncate, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pack } from '../../src/core/pack/index.js'
import type { PackOptions } from '../../src/core/pack/api.js'
import { defaultCacheDir } from '../../src/core/pack/cache.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { MiB, makeTemp, removeTemp, seededBytes, siteSpec, writeTree } from '../helpers/corpus.js'
import { settle } from './cached-pack.js'
import { importerCid } from './oracles.js'

let dir: string

beforeAll(async () => {
  dir = await makeTemp('pinship-cache-test-')
})

afterAll(async () => {
  await removeTemp(dir)
})

async function packWith (path: string, cacheDir: string, options: PackOptions = {}): Promise<{ cid: string, hits: number, misses: number, warnings: string[] }> {
  const events: ProgressEvent[] = []
  const r = await pack(path, { ...options, cacheDir, carCids: false, onProgress: e => events.push(e) })
  const c = events.find(e => e.type === 'pinship:pack:cache')?.detail as { hits: number, misses: number }
  const warnings = events.filter(e => e.type === 'pinship:pack:warning').map(e => (e.detail as { message: string }).message)
  return { cid: r.cid, hits: c.hits, misses: c.misses, warnings }
}

/** The cache's JSON (after its `<format> <sha256>` line). */
function readCache (path: string): any {
  const text = readFileSync(path, 'utf8')
  return JSON.parse(text.slice(text.indexOf('\n') + 1))
}

/** Writes `json` as pinship would, with a matching sum: what a bug in pinship itself could leave behind. */
function writeCache (path: string, json: unknown, format = 'pinship-pack-cache/2'): void {
  const body = JSON.stringify(json)
  writeFileSync(path, `${format} ${createHash('sha256').update(body).digest('hex')}\n${body}`)
}

function cacheFile (cacheDir: string): string {
  const names = readdirSync(cacheDir).filter(n => n.endsWith('.json'))
  expect(names).toHaveLength(1)
  return join(cacheDir, names[0])
}

describe('pack cache', () => {
  test('a file rewritten with the same size and its mtime restored is hashed again (its ctime moved)', async () => {
    const site = join(dir, 'rewrite')
    const cacheDir = join(dir, 'rewrite-cache')
    await writeTree(site, { 'a.bin': 3 * MiB + 7, 'b.txt': 'same size A' })
    const file = join(site, 'a.bin')
    // a whole-second mtime, so utimes can put back exactly the same nanoseconds
    const mtime = Math.floor(Date.now() / 1000) - 100
    await utimes(file, mtime, mtime)
    await settle(site)
    const first = await packWith(site, cacheDir)
    expect(first).toMatchObject({ hits: 0, misses: 2 })
    expect(await packWith(site, cacheDir)).toEqual({ ...first, hits: 2, misses: 0 })

    // same size, same mtime, other bytes: only ctime tells
    const before = statSync(file, { bigint: true })
    await writeFile(file, seededBytes('other seed', Number(before.size)))
    await utimes(file, mtime, mtime)
    const after = statSync(file, { bigint: true })
    expect(after.mtimeNs).toBe(before.mtimeNs)
    expect(after.size).toBe(before.size)
    expect(after.ino).toBe(before.ino)
    expect(after.ctimeNs).not.toBe(before.ctimeNs)
    await settle(site)
    const again = await packWith(site, cacheDir)
    expect(again.hits).toBe(1)
    expect(again.misses).toBe(1)
    expect(again.cid).not.toBe(first.cid)
    expect(again.cid).toBe((await pack(site)).cid)
    expect(again.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
  })

  test('an entry recorded within the timestamp granularity of the last change is not trusted (racy file)', async () => {
    const site = join(dir, 'racy')
    const cacheDir = join(dir, 'racy-cache')
    await writeTree(site, { 'now.txt': 'written just now' })
    // an mtime in the future: however long this test takes, every recording is "too soon" after the change
    const future = new Date(Date.now() + 60_000)
    await utimes(join(site, 'now.txt'), future, future)
    expect(await packWith(site, cacheDir)).toMatchObject({ hits: 0, misses: 1 })
    expect(await packWith(site, cacheDir)).toMatchObject({ hits: 0, misses: 1, cid: (await pack(site)).cid })
  })

  test('a truncated cache file is ignored with a warning, and rewritten', async () => {
    const site = join(dir, 'truncated')
    const cacheDir = join(dir, 'truncated-cache')
    await writeTree(site, siteSpec())
    await settle(site)
    const first = await packWith(site, cacheDir)
    const path = cacheFile(cacheDir)
    await truncate(path, Math.floor(statSync(path).size / 2))
    const damaged = await packWith(site, cacheDir)
    expect(damaged.cid).toBe(first.cid)
    expect(damaged.hits).toBe(0)
    expect(damaged.warnings).toHaveLength(1)
    expect(damaged.warnings[0]).toMatch(/damaged or was not written by this pinship; ignoring it/)
    // the pack that ignored it wrote a whole one again
    expect(await packWith(site, cacheDir)).toMatchObject({ cid: first.cid, misses: 0, warnings: [] })
  })

  test('an entry whose leaves do not rebuild its root, or a cache of another format, never gives a wrong CID', async () => {
    const site = join(dir, 'forged')
    const cacheDir = join(dir, 'forged-cache')
    await writeTree(site, { 'x.bin': 2 * MiB + 1, 'y.txt': 'y' })
    await settle(site)
    const truth = await packWith(site, cacheDir)
    const path = cacheFile(cacheDir)
    const json = readCache(path)
    // swap the two files' entries: each is well formed, but belongs to another file
    const keys = Object.keys(json.files)
    const [a, b] = [json.files[keys[0]], json.files[keys[1]]]
    json.files[keys[0]] = { ...a, leaves: b.leaves, root: b.root }
    json.files[keys[1]] = { ...b, leaves: a.leaves, root: a.root }
    writeCache(path, json)
    expect(await packWith(site, cacheDir)).toMatchObject({ cid: truth.cid, hits: 0 })
    // a leaf CID changed: the leaves no longer rebuild the recorded root
    const again = readCache(path)
    const big = Object.values(again.files as Record<string, { leaves: Array<[string, number, number]> }>).find(e => e.leaves.length > 1) as { leaves: Array<[string, number, number]> }
    big.leaves[0][0] = big.leaves[1][0]
    writeCache(path, again)
    const forged = await packWith(site, cacheDir)
    expect(forged).toMatchObject({ cid: truth.cid, hits: 1, misses: 1 })
    expect(forged.warnings.join('\n')).toMatch(/holds a damaged entry \(for x\.bin\)/)
    // one character of a well-formed cache changed (a root's CID in a remembered result, say): the sum fails
    await packWith(site, cacheDir)
    expect((await packWith(site, cacheDir)).warnings).toEqual([])
    const text = readFileSync(path, 'utf8')
    const at = text.indexOf('bafk', text.indexOf('\n'))
    writeFileSync(path, text.slice(0, at + 10) + (text[at + 10] === 'a' ? 'b' : 'a') + text.slice(at + 11))
    const flipped = await packWith(site, cacheDir)
    expect(flipped).toMatchObject({ cid: truth.cid, hits: 0 })
    expect(flipped.warnings.join('\n')).toMatch(/damaged or was not written by this pinship/)
    // a cache of an older pinship, or of some other program
    writeCache(path, { format: 'pinship-pack-cache/1', profile: 'unixfs-v1-2025', files: {} }, 'pinship-pack-cache/1')
    expect(await packWith(site, cacheDir)).toMatchObject({ cid: truth.cid, hits: 0 })
    writeFileSync(path, JSON.stringify({ format: 'something-else/9', files: {} }))
    const foreign = await packWith(site, cacheDir)
    expect(foreign).toMatchObject({ cid: truth.cid, hits: 0 })
    expect(foreign.warnings.join('\n')).toMatch(/not written by this pinship/)
    expect(truth.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
  })

  test('concurrent packs sharing one cache all give the right CIDs and leave a whole cache behind', async () => {
    const cacheDir = join(dir, 'shared-cache')
    const sites = [join(dir, 'c1'), join(dir, 'c2')]
    await writeTree(sites[0], siteSpec(), 'seed one')
    await writeTree(sites[1], { 'big.bin': 4 * MiB, 'small.txt': 'small' }, 'seed two')
    for (const s of sites) await settle(s)
    const truth = await Promise.all(sites.map(async s => (await pack(s)).cid))
    const profiles = ['unixfs-v1-2025', 'unixfs-v0-2015'] as const
    const runs = []
    for (let round = 0; round < 3; round++) {
      for (const s of sites) for (const profile of profiles) runs.push(packWith(s, cacheDir, { profile }))
    }
    const results = await Promise.all(runs)
    for (const [i, r] of results.entries()) {
      const site = Math.floor(i / 2) % 2
      const profile = profiles[i % 2]
      expect(r.warnings).toEqual([])
      expect(r.cid).toBe(profile === 'unixfs-v1-2025' ? truth[site] : (await pack(sites[site], { profile })).cid)
    }
    // each (folder, profile) has one whole cache file, and it is warm
    expect(readdirSync(cacheDir).filter(n => n.endsWith('.json'))).toHaveLength(4)
    expect(readdirSync(cacheDir).filter(n => n.endsWith('.tmp'))).toEqual([])
    for (const s of sites) for (const profile of profiles) expect(await packWith(s, cacheDir, { profile })).toMatchObject({ misses: 0, warnings: [] })
  })

  test('a file that changes while it is hashed is not recorded', async () => {
    const site = join(dir, 'moving')
    const cacheDir = join(dir, 'moving-cache')
    await writeTree(site, { 'm.bin': 6 * MiB })
    await settle(site)
    const file = join(site, 'm.bin')
    let touched = false
    const r = pack(site, {
      cacheDir,
      carCids: false,
      onProgress: e => {
        // during hashing (the first bytes event comes with the first chunk), rewrite the tail with the same length:
        // size stays, mtime and ctime move. Synchronously, so the write has landed before the pack goes on (an
        // un-awaited write could land after settle() below, during the second pack, and race the test itself)
        if (e.type === 'pinship:pack:bytes' && !touched) {
          touched = true
          const fd = openSync(file, 'r+')
          try { writeSync(fd, Buffer.from('x'), 0, 1, 6 * MiB - 1) } finally { closeSync(fd) }
        }
      }
    })
    await r.catch(() => {})
    await settle(site)
    // whatever the first pack saw, the second must not trust an entry made from bytes that were moving
    const second = await packWith(site, cacheDir)
    expect(touched).toBe(true)
    expect(second.misses).toBe(1)
    expect(second.cid).toBe((await pack(site)).cid)
    expect(second.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    expect((await readFile(file)).at(-1)).toBe('x'.charCodeAt(0))
  })

  test('the default folder: PINSHIP_CACHE_DIR, then $XDG_CACHE_HOME/pinship, then ~/.cache/pinship', () => {
    expect(defaultCacheDir({ PINSHIP_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c')
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/pinship')
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\/\.cache\/pinship$/)
    expect(defaultCacheDir({})).toMatch(/\/\.cache\/pinship$/)
  })
})
