// Exact-CID parity: every profile against the outside tool it claims to reproduce.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
// every case also runs through the pack cache, cold and warm (cached-pack.ts)
import { pack } from './cached-pack.js'
import { KiB, MiB, makeTemp, manyFiles, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
import { importerCid, ipfsCarCid, ipfsCidV0 } from './oracles.js'

let dir: string

beforeAll(async () => {
  dir = await makeTemp('pinship-parity-')
})

afterAll(async () => {
  await removeTemp(dir)
})

describe('pinned CIDs of small fixed inputs', () => {
  test('"hello", an empty file and an empty folder have their well-known CIDs', async () => {
    await writeTree(join(dir, 'fixed'), { 'hello.txt': 'hello', 'empty.txt': '', 'empty-dir': {} })
    const file = join(dir, 'fixed', 'hello.txt')
    expect((await pack(file, { profile: 'unixfs-v0-2015' })).cid).toBe('QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX')
    expect((await pack(file)).cid).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
    expect((await pack(file, { profile: 'ipfs-car' })).cid).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
    const empty = join(dir, 'fixed', 'empty.txt')
    expect((await pack(empty, { profile: 'unixfs-v0-2015' })).cid).toBe('QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH')
    expect((await pack(empty)).cid).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    const emptyDir = join(dir, 'fixed', 'empty-dir')
    expect((await pack(emptyDir, { allowEmpty: true })).cid).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354')
    expect((await pack(emptyDir, { profile: 'unixfs-v0-2015', allowEmpty: true })).cid).toBe('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
  })
})

describe('single files at chunk boundaries', () => {
  const sizes = [0, 1, 256 * KiB - 1, 256 * KiB, 256 * KiB + 1, MiB - 1, MiB, MiB + 1, 5 * MiB + 123]
  beforeAll(async () => {
    await writeTree(join(dir, 'sizes'), Object.fromEntries(sizes.map(n => [`f-${n}.bin`, n])))
  })

  for (const size of sizes) {
    test(`${size} bytes: v0 = ipfs_cid = importer, v1 = importer, ipfs-car = ipfs-car`, async () => {
      const file = join(dir, 'sizes', `f-${size}.bin`)
      const v0 = (await pack(file, { profile: 'unixfs-v0-2015' })).cid
      expect(v0).toMatch(/^Qm/)
      expect(v0).toBe(await ipfsCidV0(file))
      expect(v0).toBe(await importerCid(file, 'unixfs-v0-2015'))
      expect((await pack(file, { profile: 'unixfs-v1-2025' })).cid).toBe(await importerCid(file, 'unixfs-v1-2025'))
      expect((await pack(file, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(file))
    })
  }

  test('a file crossing one 174-link layer in v0 (175 chunks of 256 KiB) matches ipfs_cid and the importer', async () => {
    const size = 174 * 256 * KiB + 1
    await writeTree(join(dir, 'layer'), { 'layer.bin': size })
    const file = join(dir, 'layer', 'layer.bin')
    const result = await pack(file, { profile: 'unixfs-v0-2015' })
    expect(result.cid).toBe(await ipfsCidV0(file))
    expect(result.cid).toBe(await importerCid(file, 'unixfs-v0-2015'))
    // 175 leaves, two inner nodes (174 + 1 links) and the root
    expect(result.blocks).toBe(175 + 2 + 1)
    // the same file under the other profiles and their oracles
    expect((await pack(file)).cid).toBe(await importerCid(file, 'unixfs-v1-2025'))
    expect((await pack(file, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(file))
    // and inside a folder
    const folder = join(dir, 'layer')
    expect((await pack(folder, { profile: 'unixfs-v0-2015' })).cid).toBe(await importerCid(folder, 'unixfs-v0-2015'))
    expect((await pack(folder, { profile: 'ipfs-car', wrap: true })).cid).toBe(await ipfsCarCid(folder, { wrap: true }))
  })

  test('the boundary files together in one folder: each profile = its oracle', async () => {
    const folder = join(dir, 'sizes')
    expect((await pack(folder)).cid).toBe(await importerCid(folder, 'unixfs-v1-2025'))
    expect((await pack(folder, { profile: 'unixfs-v0-2015' })).cid).toBe(await importerCid(folder, 'unixfs-v0-2015'))
    expect((await pack(folder, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(folder))
  })

  test('--wrap puts a single file in a directory, as the importer and ipfs-car (wrapping by default) do', async () => {
    const file = join(dir, 'sizes', `f-${MiB + 1}.bin`)
    const v1 = (await pack(file, { wrap: true })).cid
    expect(v1).toBe(await importerCid(file, 'unixfs-v1-2025', { wrap: true }))
    expect(v1).not.toBe((await pack(file)).cid)
    expect((await pack(file, { profile: 'unixfs-v0-2015', wrap: true })).cid).toBe(await importerCid(file, 'unixfs-v0-2015', { wrap: true }))
    expect((await pack(file, { profile: 'ipfs-car', wrap: true })).cid).toBe(await ipfsCarCid(file, { wrap: true }))
  })
})

describe('folders', () => {
  let site: string
  beforeAll(async () => {
    site = join(dir, 'site')
    await writeTree(site, siteSpec())
  })

  test('site with unicode, spaces, hidden files, deep nesting and empty folders: unixfs-v1-2025 = importer', async () => {
    expect((await pack(site)).cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
  })

  test('same site: unixfs-v0-2015 = importer', async () => {
    const cid = (await pack(site, { profile: 'unixfs-v0-2015' })).cid
    expect(cid).toMatch(/^Qm/)
    expect(cid).toBe(await importerCid(site, 'unixfs-v0-2015'))
  })

  test('same site: ipfs-car = ipfs-car pack --no-wrap -H (empty folders dropped, hidden files kept)', async () => {
    expect((await pack(site, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(site))
  })

  test('hidden: false leaves out dot-files for every profile, as the oracles do without -H', async () => {
    const v1 = (await pack(site, { hidden: false })).cid
    expect(v1).toBe(await importerCid(site, 'unixfs-v1-2025', { hidden: false }))
    expect(v1).not.toBe((await pack(site)).cid)
    expect((await pack(site, { hidden: false, profile: 'unixfs-v0-2015' })).cid).toBe(await importerCid(site, 'unixfs-v0-2015', { hidden: false }))
    expect((await pack(site, { hidden: false, profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(site, { hidden: false }))
  })

  test('a directory with more than 1000 entries and long names becomes a HAMT in every profile', async () => {
    const many = join(dir, 'many-long')
    await writeTree(many, {
      list: manyFiles(2500, i => `entry-${String(i).padStart(5, '0')}-`.padEnd(100, 'x') + '.txt', i => 1 + (i % 97)),
      'top.txt': 'top\n'
    })
    const v1 = await pack(many)
    expect(v1.cid).toBe(await importerCid(many, 'unixfs-v1-2025'))
    expect((await pack(many, { profile: 'unixfs-v0-2015' })).cid).toBe(await importerCid(many, 'unixfs-v0-2015'))
    expect((await pack(many, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(many))
    // HAMT shards on top of 2500 files + 2 directories' worth of nodes
    expect(v1.blocks).toBeGreaterThan(2500 + 2 + 1)
  })

  test('1001 short entries: a HAMT for ipfs-car, still flat (under 256 KiB) for the unixfs profiles', async () => {
    const short = join(dir, 'many-short')
    await writeTree(short, manyFiles(1001, i => `${i}.txt`, i => 10 + (i % 13)))
    const v1 = await pack(short)
    expect(v1.cid).toBe(await importerCid(short, 'unixfs-v1-2025'))
    expect(v1.blocks).toBe(1001 + 1)
    expect((await pack(short, { profile: 'unixfs-v0-2015' })).cid).toBe(await importerCid(short, 'unixfs-v0-2015'))
    const car = await pack(short, { profile: 'ipfs-car' })
    expect(car.cid).toBe(await ipfsCarCid(short))
    expect(car.blocks).toBeGreaterThan(1001 + 1)
  })

  test('HAMT size thresholds at their edges: one entry under and one over, for both unixfs profiles', async () => {
    const name = (i: number): string => `e-${String(i).padStart(5, '0')}-`.padEnd(100, 'y')
    // v1 (block bytes): 145 bytes a link (100-byte name, 36-byte raw CID, Tsize 1) + 4 bytes of Data; 256 KiB at 1807.8
    // v0 (links bytes): 100-byte name + 34-byte CIDv0 = 134 a link; 256 KiB at 1956.3
    for (const [profile, under] of [['unixfs-v1-2025', 1807], ['unixfs-v0-2015', 1956]] as const) {
      for (const count of [under, under + 1]) {
        const folder = join(dir, `edge-${profile}-${count}`)
        // every file holds the same byte, so all share one leaf
        await writeTree(folder, Object.fromEntries(Array.from({ length: count }, (_, i) => [name(i), 'x'])))
        const result = await pack(folder, { profile })
        expect(result.cid, `${profile}, ${count} entries`).toBe(await importerCid(folder, profile))
        // flat: the shared leaf and one directory node; over the edge: HAMT shards
        if (count === under) expect(result.blocks, `${profile}, ${count} entries: flat`).toBe(2)
        else expect(result.blocks, `${profile}, ${count} entries: a HAMT`).toBeGreaterThan(2)
      }
    }
  }, 120_000)

  test('sub-folders with files do not count toward the parent\'s size estimate, as in the importer', async () => {
    const folder = join(dir, 'many-subfolders')
    // 1900 folders with 100-byte names would pass 256 KiB if they were counted
    await writeTree(folder, Object.fromEntries(Array.from({ length: 1900 }, (_, i) =>
      [`d-${String(i).padStart(5, '0')}-`.padEnd(100, 'z'), { 'f.txt': `${i}` }])))
    for (const profile of ['unixfs-v1-2025', 'unixfs-v0-2015'] as const) {
      expect((await pack(folder, { profile })).cid, profile).toBe(await importerCid(folder, profile))
    }
    expect((await pack(folder, { profile: 'ipfs-car' })).cid).toBe(await ipfsCarCid(folder))
  }, 120_000)

  test('exactly 1000 entries stay flat for ipfs-car', async () => {
    const thousand = join(dir, 'thousand')
    await writeTree(thousand, manyFiles(1000, i => `${i}.txt`, i => 10 + (i % 13)))
    const car = await pack(thousand, { profile: 'ipfs-car' })
    expect(car.cid).toBe(await ipfsCarCid(thousand))
    expect(car.blocks).toBe(1000 + 1)
  })

  test('ipfs-car roots a folder at the deepest directory holding every file, and a lone file at itself', async () => {
    const nested = join(dir, 'only-sub')
    await writeTree(nested, { public: { 'a.txt': 'a', 'b.txt': 'b', css: { 'c.css': 'c' } }, 'no-files-here': {} })
    const car = (await pack(nested, { profile: 'ipfs-car' })).cid
    expect(car).toBe(await ipfsCarCid(nested))
    expect(car).toBe((await pack(join(nested, 'public'), { profile: 'ipfs-car' })).cid)
    // the unixfs profiles keep the folder itself as the root
    expect((await pack(nested)).cid).toBe(await importerCid(nested, 'unixfs-v1-2025'))

    const lone = join(dir, 'lone')
    await writeTree(lone, { deeper: { 'only.txt': 'only one file' } })
    const single = (await pack(lone, { profile: 'ipfs-car' })).cid
    expect(single).toBe(await ipfsCarCid(lone))
    expect(single).toBe((await pack(join(lone, 'deeper', 'only.txt'), { profile: 'ipfs-car' })).cid)
    expect((await pack(lone, { profile: 'ipfs-car', wrap: true })).cid).toBe(await ipfsCarCid(lone, { wrap: true }))
  })

  test('the same folder gives the same CID whatever order it was written in', async () => {
    const a = join(dir, 'order-a')
    const b = join(dir, 'order-b')
    const names = ['zeta.txt', 'Alpha.txt', 'beta.txt', 'ä.txt', 'a b.txt', '10.txt', '9.txt']
    await writeTree(a, Object.fromEntries(names.map(n => [n, n])))
    await writeTree(b, Object.fromEntries([...names].reverse().map(n => [n, n])))
    for (const profile of ['unixfs-v1-2025', 'unixfs-v0-2015', 'ipfs-car'] as const) {
      const first = await pack(a, { profile })
      const second = await pack(b, { profile })
      expect(second.cid).toBe(first.cid)
      expect(second.shards[0].carCid).toBe(first.shards[0].carCid)
    }
  })
})
