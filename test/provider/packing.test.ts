// The provider's plan-time CID (packOnly) goes through the user's pack cache: a second plan of an unchanged folder
// reads no file for its root, and PINSHIP_NO_CACHE=1 turns that off. CIDs checked against the importer.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packOnly } from '../../provider/src/packing.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { MiB, makeTemp, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
import { settle } from '../pack/cached-pack.js'
import { importerCid } from '../pack/oracles.js'

let dir: string
const saved = { cache: process.env.PINSHIP_CACHE_DIR, off: process.env.PINSHIP_NO_CACHE }

beforeAll(async () => {
  dir = await makeTemp('pinship-provider-packing-')
  process.env.PINSHIP_CACHE_DIR = join(dir, 'cache')
})

afterAll(async () => {
  process.env.PINSHIP_CACHE_DIR = saved.cache
  if (saved.off === undefined) delete process.env.PINSHIP_NO_CACHE
  else process.env.PINSHIP_NO_CACHE = saved.off
  await removeTemp(dir)
})

async function plan (source: string): Promise<{ cid: string, cache: { hits: number, misses: number } | undefined }> {
  const events: ProgressEvent[] = []
  const r = await packOnly({ source, profile: 'unixfs-v1-2025', hidden: true, exclude: [] }, { signal: new AbortController().signal, onProgress: e => events.push(e) })
  return { cid: r.cid, cache: events.find(e => e.type === 'pinship:pack:cache')?.detail as { hits: number, misses: number } | undefined }
}

describe('plan-time CID and the pack cache', () => {
  it('a second plan of an unchanged folder takes every root from the cache; PINSHIP_NO_CACHE=1 uses none', async () => {
    const site = join(dir, 'site')
    await writeTree(site, { ...siteSpec(), 'big.bin': 3 * MiB })
    await settle(site)
    const oracle = await importerCid(site, 'unixfs-v1-2025')
    const first = await plan(site)
    expect(first.cid).toBe(oracle)
    expect(first.cache?.hits).toBe(0)
    const second = await plan(site)
    expect(second.cid).toBe(oracle)
    expect(second.cache?.misses).toBe(0)
    expect(second.cache?.hits).toBeGreaterThan(5)
    process.env.PINSHIP_NO_CACHE = '1'
    const off = await plan(site)
    expect(off.cid).toBe(oracle)
    expect(off.cache).toBeUndefined()
  })
})
