// pack() checked against itself through the pack cache: a cold cache, then a warm one (root pass replayed from the
// cache, the one-pass sizes, the remembered whole-pack result, and a written two-pass pack) must all give exactly
// what a pack without cache gives. The parity tests call this in place of pack(), so every parity case runs this way.
import { readdirSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { pack as packPlain } from '../../src/core/pack/index.js'
import type { PackOptions, PackResult } from '../../src/core/pack/api.js'
import { DEFAULT_RACY_WINDOW_NS } from '../../src/core/pack/cache.js'
import type { ProgressEvent } from '../../src/core/progress.js'

/** Newest ctime/mtime (ns) under `path`, following the packer's view (symlinks resolved). */
function newestChange (path: string): bigint {
  const st = statSync(path, { bigint: true })
  let newest = st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs
  if (st.isDirectory()) {
    for (const name of readdirSync(path)) {
      const n = newestChange(join(path, name))
      if (n > newest) newest = n
    }
  }
  return newest
}

/** Waits until every file is older than the racy window, so entries recorded from now on are trusted. */
export async function settle (path: string): Promise<void> {
  const ready = newestChange(path) + DEFAULT_RACY_WINDOW_NS + 5_000_000n
  const now = BigInt(Date.now()) * 1_000_000n
  if (ready > now) await new Promise(resolve => setTimeout(resolve, Number((ready - now) / 1_000_000n) + 1))
}

function cacheHits (events: ProgressEvent[]): { hits: number, misses: number } | undefined {
  const e = events.find(e => e.type === 'pinship:pack:cache')
  return e?.detail as { hits: number, misses: number } | undefined
}

export async function pack (path: string, options: PackOptions = {}): Promise<PackResult> {
  const plain = await packPlain(path, options)
  if (options.output !== undefined) return plain
  const cacheDir = await mkdtemp(join(tmpdir(), 'pinship-cache-'))
  const out = await mkdtemp(join(tmpdir(), 'pinship-cache-out-'))
  try {
    await settle(path)
    expect(await packPlain(path, { ...options, cacheDir })).toEqual(plain)
    const warnings: ProgressEvent[] = []
    const sizesEvents: ProgressEvent[] = []
    const sizes = await packPlain(path, { ...options, cacheDir, carCids: false, onProgress: e => sizesEvents.push(e) })
    expect({ ...sizes, shards: plain.shards }).toEqual(plain)
    // every file's root came from the cache: nothing was read for it
    expect(cacheHits(sizesEvents)).toMatchObject({ hits: plain.files, misses: 0 })
    const warm = await packPlain(path, { ...options, cacheDir, onProgress: e => warnings.push(e) })
    expect(warm).toEqual(plain)
    // a written pack whose root pass came from the cache and whose blocks were hashed again
    const shardCids: string[] = []
    const written = await packPlain(path, { ...options, cacheDir, output: join(out, 'shards'), shardSize: 1e9, onShard: s => { shardCids.push(s.carCid) } })
    expect(written.cid).toBe(plain.cid)
    expect(written.blocks).toBe(plain.blocks)
    expect(shardCids).toEqual(plain.shards.map(s => s.carCid))
    expect([...warnings, ...sizesEvents].filter(e => e.type === 'pinship:pack:warning')).toEqual([])
  } finally {
    await rm(cacheDir, { recursive: true, force: true })
    await rm(out, { recursive: true, force: true })
  }
  return plain
}
