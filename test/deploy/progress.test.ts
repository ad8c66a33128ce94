/**
 * Progress that does not lie: packing reports each pass against the files' own total, uploads report against one
 * total known before the first byte goes out (every shard once per service), and the CLI says "1 file".
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { FAST, useEmbeddedService } from './embedded.js'
import { randomTree } from './folders.js'
import { launch, type Run } from '../cli/launch.js'

const TOKEN = 'progress-token-0123456789'
const env = useEmbeddedService(TOKEN)
let tree: string

beforeAll(async () => {
  tree = await randomTree(join(env.scratch, 'tree'), 3 * 1024 * 1024, 9, 7)
})

type Bytes = { bytes: number, totalBytes: number }

describe('deploy progress', () => {
  it('one upload total, known before the first upload, over two services; packing per pass', async () => {
    const events: ProgressEvent[] = []
    const r = await deploy(tree, {
      services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }, { service: 'web3storage', endpoint: env.server.url, token: TOKEN }],
      shardSize: 700_000,
      ...FAST,
      onProgress: e => events.push(e)
    })
    expect(r.ok).toBe(true)
    expect(r.pack.shards.length).toBeGreaterThanOrEqual(4)
    const uploads = events.filter(e => e.type === 'pinship:deploy:bytes').map(e => e.detail as Bytes)
    expect(uploads.length).toBeGreaterThan(2)
    // every shard once per service: 2 × the CAR, the same total from the first event to the last
    expect(new Set(uploads.map(u => u.totalBytes))).toEqual(new Set([2 * r.pack.carBytes]))
    expect(uploads.at(-1)?.bytes).toBe(2 * r.pack.carBytes)
    for (const u of uploads) expect(u.bytes).toBeLessThanOrEqual(u.totalBytes)
    const firstUpload = events.findIndex(e => e.type === 'pinship:deploy:shard-start')
    expect(events.findIndex(e => e.type === 'pinship:deploy:bytes')).toBeGreaterThan(firstUpload)

    const packing = events.filter(e => e.type === 'pinship:pack:bytes').map(e => e.detail as Bytes & { pass: number, phase: string })
    for (const p of packing) expect(p.totalBytes).toBe(r.pack.bytes)
    expect(packing.filter(p => p.bytes === p.totalBytes).map(p => p.phase)).toEqual(['root CID', 'CAR'])
  })

  it('a service that takes only whole CARs counts the joined CAR it is sent, not the shards', async () => {
    // kubo takes one CAR; a fake Kubo that stores nothing but answers like one is enough to count bytes
    const { createServer } = await import('node:http')
    let received = 0
    const kubo = createServer((req, res) => {
      let n = 0
      req.on('data', (c: Buffer) => { n += c.byteLength })
      req.on('end', () => {
        res.setHeader('content-type', 'application/json')
        if (req.url?.startsWith('/api/v0/dag/import') === true) { received = n; res.end(`{"Root":{"Cid":{"/":"${root}"},"PinErrorMsg":""}}\n`); return }
        if (req.url?.includes(root) === true) { res.end(JSON.stringify({ Keys: { [root]: { Type: 'recursive' } } })); return }
        res.statusCode = 500
        res.end('{"Message":"not pinned","Code":0,"Type":"error"}')
      })
    })
    const root = (await import('../../src/core/pack/index.js').then(async m => await m.pack(tree))).cid
    await new Promise<void>(resolve => kubo.listen(0, '127.0.0.1', resolve))
    try {
      const events: ProgressEvent[] = []
      const url = `http://127.0.0.1:${(kubo.address() as { port: number }).port}`
      const r = await deploy(tree, {
        services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }, { service: 'kubo', endpoint: url }],
        shardSize: 700_000,
        ...FAST,
        onProgress: e => events.push(e)
      })
      expect(r.ok).toBe(true)
      const uploads = events.filter(e => e.type === 'pinship:deploy:bytes').map(e => e.detail as Bytes)
      const total = uploads.at(-1)?.totalBytes as number
      expect(new Set(uploads.map(u => u.totalBytes)).size).toBe(1)
      expect(uploads.at(-1)?.bytes).toBe(total)
      // multipart framing around the CAR is not counted; the CAR itself is
      expect(total - r.pack.carBytes).toBeLessThan(received)
      expect(total - r.pack.carBytes).toBeGreaterThan(received - 1000)
    } finally {
      await new Promise<void>(resolve => kubo.close(() => resolve()))
    }
  })
})

describe('CLI progress lines', () => {
  it('"1 file", each pack pass to its own 100%, one upload total', async () => {
    const one = join(env.scratch, 'one.txt')
    await writeFile(one, 'just one file\n')
    const run = async (args: string[]): Promise<Run> => await launch(args, process.cwd()).done
    const single = await run(['deploy', one, '--service', 'web3storage', '--endpoint', env.server.url, '--token', TOKEN])
    expect(single.code).toBe(0)
    expect(single.stderr).toContain('pinship: packing 1 file (14 B)')
    const many = await run(['deploy', tree, '--service', 'web3storage', '--endpoint', env.server.url, '--token', TOKEN, '--shard-size', '700000', '--json'])
    expect(many.code).toBe(0)
    const lines = many.stderr.split('\n')
    expect(lines.filter(l => /^pinship: packing \d+ files \(3\.0 MiB\)$/.test(l)), many.stderr).toHaveLength(1)
    expect(lines).toContain('pinship: pack (root CID) 100% (3.0 MiB of 3.0 MiB)')
    expect(lines).toContain('pinship: pack (CAR) 100% (3.0 MiB of 3.0 MiB)')
    const deployLines = lines.filter(l => /^pinship: deploy \d+%/.test(l))
    expect(deployLines.at(-1)).toMatch(/^pinship: deploy 100% \((\S+ \S+) of \1\)$/)
    expect(new Set(deployLines.map(l => /of (.*)\)$/.exec(l)?.[1])).size).toBe(1)
  }, 60_000)
})
