// Pin by CID from other nodes, with two real services on loopback: content uploaded to A is pinned on B by CID with A
// as origin (PSA `origins`, Pinata `hostNodes`, `upstreams`), and B serves it byte-identical; unreachable, unparseable,
// unknown and oversized content end in seed 002's job states (PSA `failed`).
import { createServer } from 'node:net'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { multiaddrToUrl } from '../../src/server/fetch/sources.js'
import { until, encodeCar, importFiles, json, rawBlock, startTestServer, type TestServer } from './helpers.js'
import type { ServerOptions } from '../../src/server/index.js'

const FAST: ServerOptions = { fetchRetry: { retries: 1, minDelayMs: 20, maxDelayMs: 50, jitter: false }, searchIntervalMs: 100, fetchCommitBytes: 64 * 1024 }

let a: TestServer
const started: TestServer[] = []
let content: { root: string, car: Uint8Array, file: Buffer }

function bytes (seed: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}${i}`).digest().copy(out, i)
  return out
}

async function server (options: ServerOptions = {}): Promise<TestServer> {
  const s = await startTestServer({ ...FAST, ...options })
  started.push(s)
  return s
}

function origin (s: TestServer): string {
  return `/ip4/127.0.0.1/tcp/${s.port}/http`
}

/** A loopback port nobody listens on. */
async function closedPort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise(resolve => srv.close(resolve))
  return port
}

async function psaPin (s: TestServer, cid: string, origins: string[]): Promise<any> {
  const res = await fetch(`${s.url}/pins`, { method: 'POST', headers: { ...s.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ cid, origins }) })
  expect(res.status).toBe(202)
  return await json(res)
}

async function psaStatus (s: TestServer, id: string): Promise<any> {
  return await json(await fetch(`${s.url}/pins/${id}`, { headers: s.auth() }))
}

async function pinByHash (s: TestServer, cid: string, hostNodes: string[]): Promise<any> {
  const res = await fetch(`${s.url}/pinning/pinByHash`, { method: 'POST', headers: { ...s.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ hashToPin: cid, pinataOptions: { hostNodes } }) })
  expect(res.status).toBe(200)
  return await json(res)
}

async function job (s: TestServer, cid: string): Promise<any> {
  const body = await json(await fetch(`${s.url}/pinning/pinJobs?ipfs_pin_hash=${cid}`, { headers: s.auth() }))
  return body.rows[0]
}

beforeAll(async () => {
  a = await server()
  // a file of several chunks inside a folder: the DAG has dag-pb and raw blocks
  const file = bytes('origin', 700 * 1024)
  const { root, blocks } = await importFiles([{ path: 'site/data.bin', content: file }, { path: 'site/index.html', content: Buffer.from('<h1>hi</h1>') }], { wrap: false })
  const car = await encodeCar([root], blocks)
  expect((await fetch(`${a.url}/car`, { method: 'POST', body: car, headers: a.auth() })).status).toBe(200)
  content = { root: root.toString(), car, file }
})
afterAll(async () => { for (const s of started) await s.stop() })

describe('multiaddrs', () => {
  it('turns HTTP multiaddrs into gateway URLs and refuses the rest', () => {
    expect(multiaddrToUrl('/ip4/127.0.0.1/tcp/8787/http')).toBe('http://127.0.0.1:8787')
    expect(multiaddrToUrl('/dns4/example.com/tcp/443/https')).toBe('https://example.com:443')
    expect(multiaddrToUrl('/dns/example.com/tcp/443/tls/http')).toBe('https://example.com:443')
    expect(multiaddrToUrl('/ip6/::1/tcp/80/http/p2p/12D3KooWSnniGsyAF663gvHdqhyfJMCjWJv54cGSzcPiEMAfanvU')).toBe('http://[::1]:80')
    for (const bad of ['/ip4/1.2.3.4/tcp/4001/p2p/Qm', '/ip4/300.1.1.1/tcp/80/http', '/ip4/1.2.3.4/udp/80/http', 'http://x', '/ip4/1.2.3.4/tcp/99999/http', '/dns4/a b/tcp/80/http']) {
      expect(multiaddrToUrl(bad), bad).toBeUndefined()
    }
  })
})

describe('two services', () => {
  it('PSA: B pins by CID with A as origin, queued → pinning → pinned, and serves it byte-identical', async () => {
    const b = await server()
    const pin = await psaPin(b, content.root, [origin(a)])
    expect(['queued', 'pinning', 'pinned']).toContain(pin.status)
    const seen = new Set<string>([pin.status])
    const done = await until('pinned', async () => {
      const s = await psaStatus(b, pin.requestid)
      seen.add(s.status)
      return s.status === 'pinned' ? s : undefined
    })
    expect(done.pin.origins).toEqual([origin(a)])
    expect([...seen].every(s => ['queued', 'pinning', 'pinned'].includes(s))).toBe(true)
    // the same CAR bytes (trustless, DFS, no dups) and the same file bytes
    const fromA = Buffer.from(await (await fetch(`${a.url}/ipfs/${content.root}?format=car`)).arrayBuffer())
    const fromB = Buffer.from(await (await fetch(`${b.url}/ipfs/${content.root}?format=car`)).arrayBuffer())
    expect(fromB.equals(fromA)).toBe(true)
    const file = Buffer.from(await (await fetch(`${b.url}/ipfs/${content.root}/data.bin`)).arrayBuffer())
    expect(file.equals(content.file)).toBe(true)
    // web3 status on B says Pinned too
    const status = await json(await fetch(`${b.url}/status/${content.root}`))
    expect(status.pins[0].status).toBe('Pinned')
    expect(status.dagSize).toBe((await json(await fetch(`${a.url}/status/${content.root}`))).dagSize)
  })

  it('Pinata: pinByHash with hostNodes goes prechecking → … → leaves pinJobs and appears in pinList', async () => {
    const b = await server()
    const first = await pinByHash(b, content.root, [origin(a)])
    expect(first.status).toBe('prechecking')
    const states = new Set<string>()
    await until('job gone', async () => {
      const j = await job(b, content.root)
      if (j !== undefined) states.add(j.status)
      return j === undefined ? true : undefined
    })
    expect([...states].every(s => ['prechecking', 'searching', 'retrieving'].includes(s))).toBe(true)
    const list = await json(await fetch(`${b.url}/data/pinList?cid=${content.root}`, { headers: b.auth() }))
    expect(list.count).toBe(1)
    expect(list.rows[0].ipfs_pin_hash).toBe(content.root)
    const file = Buffer.from(await (await fetch(`${b.url}/ipfs/${content.root}/data.bin`)).arrayBuffer())
    expect(file.equals(content.file)).toBe(true)
  })

  it('--upstream: a pin without origins is fetched from the configured gateway', async () => {
    const b = await server({ upstreams: [a.url] })
    const pin = await psaPin(b, content.root, [])
    await until('pinned', async () => (await psaStatus(b, pin.requestid)).status === 'pinned' ? true : undefined)
  })

  it('falls back to ?format=raw block by block when the origin offers no CARs', async () => {
    const { createServer: createHttp } = await import('node:http')
    const asked: string[] = []
    // a gateway that answers only raw blocks (as some do): CAR requests get 501
    const rawOnly = createHttp((req, res) => {
      asked.push(req.url ?? '')
      if ((req.url ?? '').includes('format=car')) { res.writeHead(501).end('no CARs here'); return }
      fetch(`${a.url}${req.url ?? ''}`).then(async r => { res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' }).end(Buffer.from(await r.arrayBuffer())) }, () => res.destroy())
    })
    await new Promise<void>(resolve => rawOnly.listen(0, '127.0.0.1', resolve))
    try {
      const b = await server()
      const pin = await psaPin(b, content.root, [`/ip4/127.0.0.1/tcp/${(rawOnly.address() as { port: number }).port}/http`])
      await until('pinned', async () => (await psaStatus(b, pin.requestid)).status === 'pinned' ? true : undefined)
      expect(asked.some(u => u.includes('format=raw'))).toBe(true)
      const fromB = Buffer.from(await (await fetch(`${b.url}/ipfs/${content.root}/data.bin`)).arrayBuffer())
      expect(fromB.equals(content.file)).toBe(true)
    } finally {
      await new Promise(resolve => rawOnly.close(resolve))
    }
  })

  it('never stores blocks that do not hash to their CID (a lying origin)', async () => {
    const { createServer: createHttp } = await import('node:http')
    const liar = createHttp((req, res) => {
      fetch(`${a.url}${req.url ?? ''}`).then(async r => {
        const body = Buffer.from(await r.arrayBuffer())
        // flip the last byte of the stream: the last block no longer matches its CID
        if (body.length > 0) body[body.length - 1] ^= 0xff
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? '' }).end(body)
      }, () => res.destroy())
    })
    await new Promise<void>(resolve => liar.listen(0, '127.0.0.1', resolve))
    try {
      const b = await server({ searchTimeoutMs: 1500 })
      const pin = await psaPin(b, content.root, [`/ip4/127.0.0.1/tcp/${(liar.address() as { port: number }).port}/http`])
      const end = await until('failed', async () => { const s = await psaStatus(b, pin.requestid); return s.status === 'failed' ? s : undefined })
      expect(end.info.status_details).toMatch(/^expired/)
      // whatever B stored verifies (its own CAR export re-hashes nothing it did not check; the gateway 404s the rest)
      const res = await fetch(`${b.url}/ipfs/${content.root}?format=car`)
      expect(res.status).toBe(404)
    } finally {
      await new Promise(resolve => liar.close(resolve))
    }
  })
})

describe('slow origins', () => {
  it('an origin that never answers holds its own job only: other pins by CID and uploads go on', async () => {
    const { createServer: createHttp } = await import('node:http')
    const hung: Array<import('node:http').ServerResponse> = []
    let cancelled = 0
    const silent = createHttp((_req, res) => { hung.push(res); res.once('close', () => { cancelled++ }) })
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    try {
      const b = await server({ fetchConcurrency: 2 })
      const stuck = (await rawBlock(Buffer.from('held by a silent origin'))).cid.toString()
      const held = await psaPin(b, stuck, [`/ip4/127.0.0.1/tcp/${(silent.address() as { port: number }).port}/http`])
      await until('the silent origin asked', async () => hung.length > 0 ? true : undefined)
      const started = Date.now()
      const pin = await psaPin(b, content.root, [origin(a)])
      await until('pinned', async () => (await psaStatus(b, pin.requestid)).status === 'pinned' ? true : undefined, 10_000)
      const upload = await rawBlock(Buffer.from('an upload meanwhile'))
      expect((await fetch(`${b.url}/car`, { method: 'POST', body: await encodeCar([upload.cid], [upload]), headers: b.auth() })).status).toBe(200)
      expect(Date.now() - started).toBeLessThan(10_000)
      // the held job is still searching its origin, not failed
      expect((await psaStatus(b, held.requestid)).status).toBe('pinning')
      // removing the request stops its job at once: the request to the silent origin is cancelled
      expect((await fetch(`${b.url}/pins/${held.requestid as string}`, { method: 'DELETE', headers: b.auth() })).status).toBe(202)
      await until('the held request cancelled', async () => cancelled > 0 ? true : undefined, 5_000)
    } finally {
      for (const res of hung) res.destroy()
      silent.closeAllConnections()
      await new Promise(resolve => silent.close(resolve))
    }
  })
})

describe('job failures', () => {
  it('an unreachable host node ends bad_host_node (Pinata) and failed (PSA)', async () => {
    const b = await server()
    const dead = `/ip4/127.0.0.1/tcp/${await closedPort()}/http`
    await pinByHash(b, content.root, [dead])
    const j = await until('bad_host_node', async () => { const j = await job(b, content.root); return j?.status === 'bad_host_node' ? j : undefined })
    expect(j.host_nodes).toEqual([dead])
    const pin = await psaPin(b, content.root, [dead])
    const s = await until('failed', async () => { const s = await psaStatus(b, pin.requestid); return s.status === 'failed' ? s : undefined })
    expect(s.info.status_details).toMatch(/^bad_host_node: .*could be reached/)
  })

  it('an unparseable host node ends bad_host_node; a libp2p-only one is a hint this node cannot follow (still searching)', async () => {
    const b = await server()
    await pinByHash(b, content.root, ['/ip4/127.0.0.1/tcp/http/8080'])
    const j = await until('bad_host_node', async () => { const j = await job(b, content.root); return j?.status === 'bad_host_node' ? j : undefined })
    expect(j.host_nodes).toEqual(['/ip4/127.0.0.1/tcp/http/8080'])
    const c = await server()
    await pinByHash(c, content.root, ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWSnniGsyAF663gvHdqhyfJMCjWJv54cGSzcPiEMAfanvU'])
    await new Promise(resolve => setTimeout(resolve, 300))
    expect((await job(c, content.root)).status).toBe('searching')
  })

  it('a CID no origin has ends expired after --search-timeout, and a new request searches again', async () => {
    const restarted = await server({ searchTimeoutMs: 600 })
    const gone = (await rawBlock(Buffer.from('nobody has this either'))).cid.toString()
    await pinByHash(restarted, gone, [origin(a)])
    await until('expired', async () => (await job(restarted, gone))?.status === 'expired' ? true : undefined)
    // the failure is journaled: it survives a compaction and a restart
    await restarted.collectGarbage()
    await restarted.close()
    const reopened = await startTestServer({ ...FAST, searchTimeoutMs: 600 }, restarted.dir)
    started.push(reopened)
    expect((await job(reopened, gone)).status).toBe('expired')

    const b = await server({ searchTimeoutMs: 600 })
    const unknown = (await rawBlock(Buffer.from('nobody has this'))).cid.toString()
    await pinByHash(b, unknown, [origin(a)])
    const t0 = Date.now()
    await until('expired', async () => (await job(b, unknown))?.status === 'expired' ? true : undefined)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
    // asking again replaces the expired job with a new one
    const again = await pinByHash(b, unknown, [origin(a)])
    expect(again.status).toBe('prechecking')
    expect(['prechecking', 'searching']).toContain((await job(b, unknown)).status)
  })

  it('a DAG over --max-pin-size ends over_max_size', async () => {
    const b = await server({ maxPinSizeBytes: 100 * 1024 })
    await pinByHash(b, content.root, [origin(a)])
    await until('over_max_size', async () => (await job(b, content.root))?.status === 'over_max_size' ? true : undefined)
    const pin = await psaPin(b, content.root, [origin(a)])
    const s = await until('failed', async () => { const s = await psaStatus(b, pin.requestid); return s.status === 'failed' ? s : undefined })
    expect(s.info.status_details).toMatch(/^over_max_size/)
  })

  it('bad upstream URLs are refused at start-up', async () => {
    await expect(startTestServer({ upstreams: ['ftp://x'] })).rejects.toThrow(/not an http\(s\) URL/)
  })
})
