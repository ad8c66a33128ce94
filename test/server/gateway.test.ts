import { createHash } from 'node:crypto'
import { request, type IncomingHttpHeaders } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarReader } from '@ipld/car/reader'
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { importer } from 'ipfs-unixfs-importer'
import { sha256 } from 'multiformats/hashes/sha2'
import { encodeCar, importFiles, ipfsCarPack, rawBlock as rawLeaf, startTestServer, tempDir, type TestServer } from './helpers.js'
import { BIG_BIN_BYTES, FILES_ROOT, INDEX_HTML_CID, SITE_FILES, SITE_ROOT, writeFiles, writeSite } from './fixtures.js'

let server: TestServer
let tmp: { path: string, remove: () => Promise<void> }
let siteDir: string
let siteCar: Buffer

/** GET with an exact path and Host (fetch would normalise `..` and refuse to set Host). */
async function raw (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number, headers: IncomingHttpHeaders, body: Buffer }> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  server = await startTestServer()
  tmp = await tempDir()
  siteDir = await writeSite(tmp.path)
  const packed = await ipfsCarPack(siteDir, join(tmp.path, 'site.car'))
  expect(packed.root).toBe(SITE_ROOT)
  siteCar = packed.car
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: siteCar, headers: server.auth() })).status).toBe(200)
  const files = await ipfsCarPack(await writeFiles(tmp.path), join(tmp.path, 'files.car'))
  expect(files.root).toBe(FILES_ROOT)
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: files.car, headers: server.auth() })).status).toBe(200)
})

afterAll(async () => {
  await server.stop()
  await tmp.remove()
})

describe('GET /ipfs/{cid}/path', () => {
  it('serves files of an ipfs-car CAR back byte-identical, with content types, ETag and immutable caching', async () => {
    const big = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}/img/big.bin`)
    expect(big.status).toBe(200)
    const bytes = Buffer.from(await big.arrayBuffer())
    expect(bytes.length).toBe(BIG_BIN_BYTES)
    expect(bytes.equals(await readFile(join(siteDir, 'img/big.bin')))).toBe(true)
    expect(big.headers.get('content-length')).toBe(String(BIG_BIN_BYTES))
    expect(big.headers.get('cache-control')).toMatch(/immutable/)

    for (const [name, type] of [['index.html', 'text/html'], ['style.css', 'text/css'], ['img/logo.svg', 'image/svg+xml']]) {
      const res = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}/${name}`)
      expect(res.headers.get('content-type'), name).toContain(type)
      expect(await res.text()).toBe(SITE_FILES[name])
    }
    const index = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}/index.html`)
    expect(index.headers.get('etag')).toBe(`"${INDEX_HTML_CID}"`)
    expect(index.headers.get('x-ipfs-path')).toBe(`/ipfs/${SITE_ROOT}/index.html`)
  })

  it('redirects a directory to its trailing-slash URL and serves its index.html', async () => {
    const redirect = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}`, { redirect: 'manual' })
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe(`/ipfs/${SITE_ROOT}/`)
    const res = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}/`)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(await res.text()).toBe(SITE_FILES['index.html'])
  })

  it('lists a directory without index.html as HTML', async () => {
    const res = await fetch(`${server.gatewayUrl}/ipfs/${FILES_ROOT}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).toContain('href="a.txt"')
    expect(html).toContain('href="dir/"')
    expect(await (await fetch(`${server.gatewayUrl}/ipfs/${FILES_ROOT}/dir/b.txt`)).text()).toBe('beta\n')
  })

  it('answers HEAD with the headers only', async () => {
    const res = await raw(`/ipfs/${SITE_ROOT}/img/big.bin`, {}, 'HEAD')
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe(String(BIG_BIN_BYTES))
    expect(res.body.length).toBe(0)
  })

  it('serves byte ranges across block boundaries, suffix and open ranges, and 416 past the end', async () => {
    const file = await readFile(join(siteDir, 'img/big.bin'))
    const url = `${server.gatewayUrl}/ipfs/${SITE_ROOT}/img/big.bin`
    const cases: Array<[string, number, number]> = [
      ['bytes=1048000-2097500', 1048000, 2097501],
      ['bytes=0-0', 0, 1],
      ['bytes=-100', file.length - 100, file.length],
      [`bytes=${file.length - 10}-`, file.length - 10, file.length]
    ]
    for (const [range, start, end] of cases) {
      const res = await fetch(url, { headers: { range } })
      expect(res.status, range).toBe(206)
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end - 1}/${file.length}`)
      expect(Buffer.from(await res.arrayBuffer()).equals(file.subarray(start, end)), range).toBe(true)
    }
    const res = await fetch(url, { headers: { range: `bytes=${file.length}-` } })
    expect(res.status).toBe(416)
    expect(res.headers.get('content-range')).toBe(`bytes */${file.length}`)
  })

  it('answers 304 to If-None-Match with the CID ETag', async () => {
    const res = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}/index.html`, { headers: { 'if-none-match': `"${INDEX_HTML_CID}"` } })
    expect(res.status).toBe(304)
  })
})

describe('HAMT-sharded directories', () => {
  it('resolves paths and lists entries through every shard', async () => {
    const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
    const store = { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }
    const files = Array.from({ length: 300 }, (_, i) => ({ path: `file-${String(i).padStart(3, '0')}.txt`, content: Buffer.from(`entry ${i}\n`) }))
    let root: CID | undefined
    // a tiny threshold makes the importer shard this directory (the same layout big sites get)
    for await (const e of importer(files, store, { profile: 'unixfs-v1-2025', wrapWithDirectory: true, shardSplitThresholdBytes: 1000 })) root = e.cid
    const rootBlock = blocks.find(b => b.cid.equals(root as CID)) as { bytes: Uint8Array }
    expect(UnixFS.unmarshal(dagPb.decode(rootBlock.bytes).Data as Uint8Array).type).toBe('hamt-sharded-directory')
    expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root as CID], blocks), headers: server.auth() })).status).toBe(200)
    for (const i of [0, 137, 299]) {
      const res = await fetch(`${server.gatewayUrl}/ipfs/${(root as CID).toString()}/file-${String(i).padStart(3, '0')}.txt`)
      expect(await res.text()).toBe(`entry ${i}\n`)
    }
    const listing = await (await fetch(`${server.gatewayUrl}/ipfs/${(root as CID).toString()}/`)).text()
    expect(listing.match(/href="file-\d{3}\.txt"/g)).toHaveLength(300)
    expect((await fetch(`${server.gatewayUrl}/ipfs/${(root as CID).toString()}/file-300.txt`)).status).toBe(404)
  })
})

describe('trustless responses', () => {
  it('serves a raw block with ?format=raw or Accept: application/vnd.ipld.raw', async () => {
    for (const init of [{ q: '?format=raw', headers: {} }, { q: '', headers: { accept: 'application/vnd.ipld.raw' } }]) {
      const res = await fetch(`${server.gatewayUrl}/ipfs/${INDEX_HTML_CID}${init.q}`, { headers: init.headers })
      expect(res.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(bytes.toString()).toBe(SITE_FILES['index.html'])
      expect(createHash('sha256').update(bytes).digest().equals(CID.parse(INDEX_HTML_CID).multihash.digest)).toBe(true)
    }
  })

  it('serves the whole DAG as a CAR with ?format=car or the Accept type, every block verifiable', async () => {
    const expected = new Set<string>()
    for await (const b of (await CarReader.fromBytes(siteCar)).blocks()) expected.add(b.cid.toString())
    for (const init of [{ q: '?format=car', headers: {} }, { q: '', headers: { accept: 'application/vnd.ipld.car' } }]) {
      const res = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}${init.q}`, { headers: init.headers })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('application/vnd.ipld.car')
      const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
      expect((await reader.getRoots()).map(r => r.toString())).toEqual([SITE_ROOT])
      const got = new Set<string>()
      for await (const b of reader.blocks()) {
        expect(createHash('sha256').update(b.bytes).digest().equals(b.cid.multihash.digest)).toBe(true)
        got.add(b.cid.toString())
      }
      expect(got).toEqual(expected)
    }
  })

  it('includes the path blocks before a sub-DAG requested by path', async () => {
    const res = await fetch(`${server.gatewayUrl}/ipfs/${SITE_ROOT}/index.html?format=car`)
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
    expect((await reader.getRoots())[0].toString()).toBe(SITE_ROOT)
    const cids: string[] = []
    for await (const b of reader.blocks()) cids.push(b.cid.toString())
    expect(cids).toEqual([SITE_ROOT, INDEX_HTML_CID])
  })

  it('refuses a CAR of an incomplete DAG with 404 instead of a broken transfer', async () => {
    const { root, blocks } = await importFiles([{ path: 'p.txt', content: Buffer.from('part') }, { path: 'q.txt', content: Buffer.from('missing') }], { wrap: true })
    const rootBlock = blocks.find(b => b.cid.equals(root))
    await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], [rootBlock as { cid: CID, bytes: Uint8Array }]), headers: server.auth() })
    const res = await fetch(`${server.gatewayUrl}/ipfs/${root.toString()}?format=car`)
    expect(res.status).toBe(404)
    expect(await res.text()).toMatch(/incomplete/)
  })
})

describe('content that is not UnixFS', () => {
  it('answers 406 (not a 5xx) for dag-pb without UnixFS data, and still serves it with ?format=raw and ?format=car', async () => {
    const leaf = await rawLeaf(Buffer.from('linked leaf'))
    const bytes = dagPb.encode(dagPb.prepare({ Links: [{ Hash: leaf.cid, Name: 'leaf', Tsize: leaf.bytes.length }] }))
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([cid], [{ cid, bytes }, leaf]), headers: server.auth() })).status).toBe(200)
    const page = await raw(`/ipfs/${cid.toString()}`)
    expect(page.status).toBe(406)
    expect(page.body.toString()).toMatch(/not UnixFS.*format=raw/)
    const block = await fetch(`${server.gatewayUrl}/ipfs/${cid.toString()}?format=raw`)
    expect(block.status).toBe(200)
    expect(Buffer.from(await block.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true)
    const car = await fetch(`${server.gatewayUrl}/ipfs/${cid.toString()}?format=car`)
    expect(car.status).toBe(200)
    const got: string[] = []
    for await (const b of (await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()))).blocks()) got.push(b.cid.toString())
    expect(got).toEqual([cid.toString(), leaf.cid.toString()])
  })
})

describe('subdomain gateway', () => {
  it('serves {cid}.ipfs.localhost so a site\'s absolute links resolve inside it', async () => {
    const host = `${CID.parse(SITE_ROOT).toV1().toString(base32)}.ipfs.localhost:${server.port}`
    const index = await raw('/', { host })
    expect(index.status).toBe(200)
    expect(index.body.toString()).toBe(SITE_FILES['index.html'])
    // index.html links /style.css: absolute, so it must resolve against the subdomain root
    const css = await raw('/style.css', { host })
    expect(css.headers['content-type']).toContain('text/css')
    expect(css.body.toString()).toBe(SITE_FILES['style.css'])
    expect((await raw('/img', { host })).headers.location).toBe('/img/')
    expect((await raw('/nope.txt', { host })).status).toBe(404)
    expect((await raw('/', { host: `notacid.ipfs.localhost:${server.port}` })).status).toBe(400)
    expect((await raw('/', { host }, 'DELETE')).status).toBe(405)
  })
})

describe('bad gateway paths', () => {
  it('refuses traversal and encoded slashes with 400, unknown CIDs and paths with 404', async () => {
    for (const path of [`/ipfs/${SITE_ROOT}/img/../index.html`, `/ipfs/${SITE_ROOT}/%2e%2e/x`, `/ipfs/${SITE_ROOT}/img%2Flogo.svg`, `/ipfs/${SITE_ROOT}/a%5C..%5Cb`, `/ipfs/${SITE_ROOT}/%E0%A4%A`]) {
      const res = await raw(path)
      expect(res.status, path).toBe(400)
      expect(res.headers['content-type']).toContain('text/plain')
    }
    expect((await raw('/ipfs/not-a-cid/')).status).toBe(400)
    expect((await raw(`/ipfs/${SITE_ROOT}/missing.html`)).status).toBe(404)
    expect((await raw(`/ipfs/${SITE_ROOT}/index.html/deeper`)).status).toBe(404)
    expect((await raw('/ipfs/bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u')).status).toBe(404)
    expect((await raw(`/ipfs/${SITE_ROOT}/?format=zip`)).status).toBe(400)
    // dot segments that climb out of /ipfs/ must not be resolved into another route (here the auth-free /status)
    for (const path of [`/ipfs/${SITE_ROOT}/../../status/${SITE_ROOT}`, `/ipfs/${SITE_ROOT}/%2e%2e/%2E%2e/status/${SITE_ROOT}`]) {
      const res = await raw(path)
      expect(res.status, path).toBe(400)
      expect(res.headers['content-type'], path).toContain('text/plain')
      expect(res.body.toString(), path).toMatch(/"\.\." segment/)
    }
  })
})
