// `pinship pack` as users and other tools run it: the JSON contract, outputs, flags, exit codes, one-line errors.
import { execFile } from 'node:child_process'
import { mkdir, readdir, stat, symlink, truncate, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { MiB, makeTemp, removeTemp, siteSpec, writeTree } from '../helpers/corpus.js'
import { settle } from './cached-pack.js'
import { importerCid, ipfsCarCid, pinship } from './oracles.js'

let dir: string
let site: string

beforeAll(async () => {
  dir = await makeTemp('pinship-cli-')
  site = join(dir, 'site')
  await writeTree(site, { ...siteSpec(), 'big.bin': 3 * MiB })
})

afterAll(async () => {
  await removeTemp(dir)
})

interface PackJson {
  cid: string
  profile: string
  files: number
  bytes: number
  carBytes: number
  blocks: number
  shards: Array<{ path: string | null, carCid: string, bytes: number, blocks: number }>
}

describe('pinship pack', () => {
  test('--json prints exactly one JSON object with the contract fields; path null when nothing is written', async () => {
    const { code, stdout, stderr } = await pinship(['pack', site, '--json'])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout.trim().split('\n')).toHaveLength(1)
    const json = JSON.parse(stdout) as PackJson
    expect(Object.keys(json).sort()).toEqual(['blocks', 'bytes', 'carBytes', 'cid', 'files', 'profile', 'shards'])
    expect(json.cid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    expect(json.profile).toBe('unixfs-v1-2025')
    expect(json.shards).toHaveLength(1)
    expect(Object.keys(json.shards[0]).sort()).toEqual(['blocks', 'bytes', 'carCid', 'path'])
    expect(json.shards[0].path).toBeNull()
    expect(json.shards[0].carCid).toMatch(/^bag/)
    expect(json.shards[0].bytes).toBe(json.carBytes)
  })

  test('-o writes the CAR (same as --output) and the JSON names it', async () => {
    const a = await pinship(['pack', site, '--profile', 'ipfs-car', '-o', join(dir, 'a.car'), '--json'])
    const b = await pinship(['pack', site, '--profile', 'ipfs-car', '--output', join(dir, 'b.car'), '--json'])
    expect(a.code).toBe(0)
    const ja = JSON.parse(a.stdout) as PackJson
    const jb = JSON.parse(b.stdout) as PackJson
    expect(ja.cid).toBe(await ipfsCarCid(site))
    expect(jb.cid).toBe(ja.cid)
    expect(ja.shards[0].path).toBe(resolve(dir, 'a.car'))
    expect((await stat(join(dir, 'a.car'))).size).toBe(ja.carBytes)
    expect(jb.shards[0].carCid).toBe(ja.shards[0].carCid)
  })

  test('--shard-size with -o fills a folder with shard-0001.car, shard-0002.car, … in order', async () => {
    const out = join(dir, 'shards')
    const { code, stdout } = await pinship(['pack', site, '--shard-size', '1200000', '-o', out, '--json'])
    expect(code).toBe(0)
    const json = JSON.parse(stdout) as PackJson
    expect(json.shards.length).toBeGreaterThan(1)
    expect(json.shards.map(s => s.path)).toEqual(json.shards.map((_, i) => join(out, `shard-${String(i + 1).padStart(4, '0')}.car`)))
    expect((await readdir(out)).sort()).toEqual(json.shards.map(s => (s.path as string).slice(out.length + 1)))
    for (const s of json.shards) expect(s.bytes).toBeLessThanOrEqual(1_200_000)
    // units are accepted too
    const units = await pinship(['pack', site, '--shard-size', '2MiB', '--json'])
    expect(units.code).toBe(0)
    for (const s of (JSON.parse(units.stdout) as PackJson).shards) expect(s.bytes).toBeLessThanOrEqual(2 * MiB)
  })

  test('without --json: the CID on the first line, then a human summary', async () => {
    const { code, stdout } = await pinship(['pack', site, '--profile', 'unixfs-v0-2015'])
    expect(code).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(await importerCid(site, 'unixfs-v0-2015'))
    expect(stdout).toContain('unixfs-v0-2015')
    expect(stdout).toMatch(/files\s+\d+/)
  })

  test('--no-hidden and --wrap', async () => {
    const hidden = JSON.parse((await pinship(['pack', site, '--no-hidden', '--json'])).stdout) as PackJson
    expect(hidden.cid).toBe(await importerCid(site, 'unixfs-v1-2025', { hidden: false }))
    const file = join(site, 'big.bin')
    const wrapped = JSON.parse((await pinship(['pack', file, '--wrap', '--json'])).stdout) as PackJson
    expect(wrapped.cid).toBe(await importerCid(file, 'unixfs-v1-2025', { wrap: true }))
    const bare = JSON.parse((await pinship(['pack', file, '--json'])).stdout) as PackJson
    expect(bare.cid).toBe(await importerCid(file, 'unixfs-v1-2025'))
  })

  describe('failures: non-zero exit, one line on stderr, nothing on stdout', () => {
    const cases: Array<[string, () => string[], number, RegExp]> = [
      ['a missing path', () => ['pack', join(dir, 'missing')], 2, /missing does not exist/],
      ['a bad profile', () => ['pack', site, '--profile', 'nope'], 2, /Unknown CID profile "nope"/],
      ['a bad shard size', () => ['pack', site, '--shard-size', 'lots'], 2, /Invalid shard size "lots"/],
      ['a zero shard size', () => ['pack', site, '--shard-size', '0'], 2, /Invalid shard size "0"/],
      ['a shard size below the largest block', () => ['pack', site, '--shard-size', '1000'], 2, /at least \d+/],
      ['an empty folder', () => ['pack', join(dir, 'empty')], 2, /holds no files/],
      ['a symlink out of the folder', () => ['pack', join(dir, 'escape')], 2, /points outside the folder/]
    ]
    beforeAll(async () => {
      await writeTree(join(dir, 'empty'), { sub: {} })
      await writeTree(join(dir, 'escape'), { 'a.txt': 'a' })
      await symlink('/etc/hostname', join(dir, 'escape', 'host'))
    })
    for (const [what, args, exit, message] of cases) {
      test(what, async () => {
        const { code, stdout, stderr } = await pinship(args())
        expect(code).toBe(exit)
        expect(stdout).toBe('')
        expect(stderr.endsWith('\n')).toBe(true)
        expect(stderr.trimEnd().split('\n')).toHaveLength(1)
        expect(stderr).toMatch(/^pinship: /)
        expect(stderr).toMatch(message)
      })
    }
  })

  describe('advice names flags that exist, and following it works', () => {
    test.each([
      ['a symlink out of the folder', async (root: string) => { await symlink('/etc/hostname', join(root, 'sub', 'host')) }, /points outside the folder/],
      ['a symlink cycle', async (root: string) => { await symlink('..', join(root, 'sub', 'up')) }, /tree would never end/],
      ['a FIFO', async (root: string) => { await promisify(execFile)('mkfifo', [join(root, 'sub', 'a pipe [1]')]) }, /FIFO/]
    ])('%s: the --exclude it suggests leaves it out', async (what, make, message) => {
      const root = join(dir, `advice-${what.replace(/\W+/g, '-')}`)
      await mkdir(join(root, 'sub'), { recursive: true })
      await writeFile(join(root, 'sub', 'keep.txt'), 'keep\n')
      await make(root)
      const bad = await pinship(['pack', root])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(message)
      const hint = /(--exclude '(?:[^']|'\\'')*')/.exec(bad.stderr)?.[1]
      expect(hint).toBeDefined()
      const pattern = (hint as string).slice("--exclude '".length, -1)
      const good = await pinship(['pack', root, '--exclude', pattern, '--json'])
      expect(good.stderr).toBe('')
      expect(good.code).toBe(0)
      expect(JSON.parse(good.stdout).files).toBe(1)
    })

    test('an empty folder: --allow-empty packs it, and --exclude can empty a folder', async () => {
      const root = join(dir, 'advice-empty')
      await mkdir(join(root, 'maps'), { recursive: true })
      await writeFile(join(root, 'maps', 'a.js.map'), '{}')
      const bad = await pinship(['pack', root, '--exclude', '**/*.map'])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/holds no files to pack\. Check the path \(and any --exclude patterns\), or pass --allow-empty to pack an empty folder anyway\./)
      const good = await pinship(['pack', root, '--exclude', '**/*.map', '--allow-empty', '--json'])
      expect(good.code).toBe(0)
      // the same as a folder holding only an empty maps/ (this profile keeps empty folders)
      await mkdir(join(dir, 'only-empty-maps', 'maps'), { recursive: true })
      const same = await pinship(['pack', join(dir, 'only-empty-maps'), '--allow-empty', '--json'])
      expect(JSON.parse(good.stdout)).toMatchObject({ files: 0, cid: JSON.parse(same.stdout).cid })
    })

    test('--exclude takes the Action\'s patterns: the CID is the one without those files', async () => {
      const withMaps = join(dir, 'with-maps')
      const without = join(dir, 'without-maps')
      await writeTree(withMaps, { 'index.html': 'i', 'app.js': 'a', 'app.js.map': 'm', js: { 'b.js': 'b', 'b.js.map': 'm' }, drafts: { 'x.md': 'x' } })
      await writeTree(without, { 'index.html': 'i', 'app.js': 'a', js: { 'b.js': 'b' } })
      const r = await pinship(['pack', withMaps, '--exclude', '**/*.map', '--exclude', 'drafts/', '--json'])
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).cid).toBe(JSON.parse((await pinship(['pack', without, '--json'])).stdout).cid)
      const abs = await pinship(['pack', withMaps, '--exclude', '/etc'])
      expect(abs.code).toBe(2)
      expect(abs.stderr).toMatch(/exclude pattern "\/etc" must be relative/)
    })
  })
})

describe('pinship pack and the pack cache', () => {
  test('--cache-dir / PINSHIP_CACHE_DIR hold the cache, a damaged one is a warning on stderr, --no-cache touches none', async () => {
    const cache = join(dir, 'cli-cache')
    // a folder of its own: the error tests above add a symlink to `site`
    const site = join(dir, 'cached-site')
    await writeTree(site, { ...siteSpec(), 'big.bin': 3 * MiB })
    await settle(site)
    const oracle = await importerCid(site, 'unixfs-v1-2025')
    const first = await pinship(['pack', site, '--json', '--cache-dir', cache])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout).cid).toBe(oracle)
    const files = (await readdir(cache)).filter(n => n.endsWith('.json'))
    expect(files).toHaveLength(1)
    // cut in half: ignored with a warning, the CID as before
    await truncate(join(cache, files[0]), 40)
    const second = await pinship(['pack', site, '--json', '--shard-size', '2MiB'], { env: { ...process.env, PINSHIP_CACHE_DIR: cache } })
    expect(second.code).toBe(0)
    expect(second.stderr).toMatch(/^pinship: warning: pack cache .*\.json is damaged or was not written by this pinship; ignoring it/)
    expect(JSON.parse(second.stdout).cid).toBe(oracle)
    // rewritten whole by that pack
    expect((await pinship(['pack', site, '--json', '--cache-dir', cache])).stderr).toBe('')
    const noCache = await pinship(['pack', site, '--json', '--cache-dir', join(dir, 'never'), '--no-cache'])
    expect(noCache.stderr).toBe('')
    expect(JSON.parse(noCache.stdout)).toEqual(JSON.parse(first.stdout))
    await expect(readdir(join(dir, 'never'))).rejects.toThrow()
  })
})
