// pack() with carCids: false and no output: one pass, and the same root, sizes and block count as a written CAR.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pack, PROFILE_NAMES, type PackProgressEvent } from '../../src/core/pack/index.js'
import { MiB, makeTemp, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
import { importerCid } from './oracles.js'

let dir: string
let site: string

beforeAll(async () => {
  dir = await makeTemp('pinship-one-pass-')
  site = join(dir, 'site')
  // two identical files: their blocks count once in the CAR
  await writeTree(site, { ...siteSpec(), 'big.bin': 3 * MiB + 17, copy: { 'index.html': '<!doctype html><title>pinship</title>\n' } })
})

afterAll(async () => {
  await removeTemp(dir)
})

describe('carCids: false', () => {
  test.each(PROFILE_NAMES.map(p => [p]))('%s: the written CAR\'s root, file bytes, CAR bytes and blocks, no shards', async (profile) => {
    const car = join(dir, `${profile}.car`)
    const written = await pack(site, { profile, output: car })
    const fast = await pack(site, { profile, carCids: false })
    expect(fast).toEqual({ ...written, shards: [] })
    expect(fast.carBytes).toBe((await stat(car)).size)
  })

  test('the root is the importer\'s; a single file and wrap work too', async () => {
    expect((await pack(site, { carCids: false })).cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    const file = join(site, 'big.bin')
    for (const wrap of [false, true]) {
      const out = join(dir, `file-${String(wrap)}.car`)
      const written = await pack(file, { wrap, output: out })
      expect(await pack(file, { wrap, carCids: false })).toEqual({ ...written, shards: [] })
    }
  })

  test('reads the folder once: progress totals count one pass', async () => {
    const events: PackProgressEvent[] = []
    await pack(site, { carCids: false, onProgress: e => events.push(e as PackProgressEvent) })
    const last = events.filter(e => e.type === 'pinship:pack:bytes').at(-1)
    expect(last?.detail).toMatchObject({ bytes: last?.detail.totalBytes, files: last?.detail.totalFiles })
    const start = events.find(e => e.type === 'pinship:pack:start')
    expect((last?.detail as { totalBytes: number }).totalBytes).toBe((start?.detail as { bytes: number }).bytes)
  })

  test('is ignored when output is given, and must be a boolean', async () => {
    const out = join(dir, 'with-output.car')
    expect((await pack(site, { output: out, carCids: false })).shards).toHaveLength(1)
    await expect(pack(site, { carCids: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('carCids') })
  })
})
