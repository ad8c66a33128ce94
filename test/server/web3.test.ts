import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarReader } from '@ipld/car/reader'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import * as dagCbor from '@ipld/dag-cbor'
import { encodeCar, importFiles, ipfsCarPack, json, rawBlock, startTestServer, tempDir, until, type Block, type TestServer } from './helpers.js'
import { FILES_ROOT, HELLO_CID, SITE_ROOT, writeFiles, writeSite } from './fixtures.js'

let server: TestServer
let tmp: { path: string, remove: () => Promise<void> }
let siteCar: Buffer
let siteBlocks: Block[]

beforeAll(async () => {
  server = await startTestServer()
  tmp = await tempDir()
  const site = await writeSite(tmp.path)
  const packed = await ipfsCarPack(site, join(tmp.path, 'site.car'))
  expect(packed.root).toBe(SITE_ROOT)
  siteCar = packed.car
  const reader = await CarReader.fromBytes(siteCar)
  siteBlocks = []
  for await (const b of reader.blocks()) siteBlocks.push(b)
})

afterAll(async () => {
  await server.stop()
  await tmp.remove()
})

async function postCar (body: Uint8Array, headers: Record<string, string> = server.auth()): Promise<Response> {
  return await fetch(`${server.url}/car`, { method: 'POST', body, headers })
}

async function segmentFiles (dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'blocks'))).sort()
}

describe('POST /car and GET /status', () => {
  it('stores a CAR made by ipfs-car and reports it pinned with its DAG size', async () => {
    const res = await postCar(siteCar, { ...server.auth(), 'x-name': encodeURIComponent('my site ✓') })
    expect(res.status).toBe(200)
    const body = await json(res)
    const carCid = CID.createV1(0x0202, Digest.create(0x12, createHash('sha256').update(siteCar).digest())).toString()
    expect(body).toEqual({ cid: SITE_ROOT, carCid })

    const status = await json(await fetch(`${server.url}/status/${SITE_ROOT}`))
    expect(status).toMatchObject({ cid: SITE_ROOT, dagSize: siteBlocks.reduce((n, b) => n + b.bytes.length, 0), deals: [] })
    expect(Date.parse(status.created)).not.toBeNaN()
    expect(status.pins).toHaveLength(1)
    expect(status.pins[0]).toMatchObject({ status: 'Pinned', peerId: expect.stringMatching(/^12D3KooW/), region: null })

    const list = await fetch(`${server.url}/user/uploads`, { headers: server.auth() })
    const uploads = await json(list)
    expect(uploads.find((u: { cid: string }) => u.cid === SITE_ROOT)).toMatchObject({ name: 'my site ✓', type: 'Car', pins: [{ status: 'Pinned' }], deals: [] })
  })

  it('accumulates partial CARs with the same root: queued until the last block arrives, then pinned', async () => {
    const { root, blocks } = await importFiles([
      { path: 'one.txt', content: Buffer.from('first file') },
      { path: 'two/three.txt', content: Buffer.from('second file') }
    ], { wrap: true })
    const rootBlock = blocks.find(b => b.cid.equals(root)) as Block
    const rest = blocks.filter(b => !b.cid.equals(root))
    // first shard: only leaves (no root block), like a packer shard uploaded before the one holding the root
    const first = await json(await postCar(await encodeCar([root], rest.slice(0, 1))))
    expect(first.cid).toBe(root.toString())
    let status = await json(await fetch(`${server.url}/status/${root.toString()}`))
    expect(status.pins[0].status).toBe('PinQueued')
    await postCar(await encodeCar([root], [rootBlock]))
    status = await json(await fetch(`${server.url}/status/${root.toString()}`))
    expect(status.pins[0].status).toBe('PinQueued')
    await postCar(await encodeCar([root], rest.slice(1)))
    status = await json(await fetch(`${server.url}/status/${root.toString()}`))
    expect(status.pins[0].status).toBe('Pinned')
    expect(status.dagSize).toBe(blocks.reduce((n, b) => n + b.bytes.length, 0))
    // three CARs, one upload
    const uploads = await json(await fetch(`${server.url}/user/uploads?size=1000`, { headers: server.auth() }))
    expect(uploads.filter((u: { cid: string }) => u.cid === root.toString())).toHaveLength(1)
  })

  it('follows dag-cbor links: a CBOR root is complete only with the blocks it links to', async () => {
    const leaf = await rawBlock(Buffer.from('linked from cbor'))
    const value = { name: 'cbor root', items: [leaf.cid], nested: { again: leaf.cid } }
    const bytes = dagCbor.encode(value)
    const root = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await postCar(await encodeCar([root], [{ cid: root, bytes }]))
    let status = await json(await fetch(`${server.url}/status/${root.toString()}`))
    expect(status.pins[0].status).toBe('PinQueued')
    await postCar(await encodeCar([root], [leaf]))
    status = await json(await fetch(`${server.url}/status/${root.toString()}`))
    expect(status.pins[0].status).toBe('Pinned')
    expect(status.dagSize).toBe(bytes.length + leaf.bytes.length)
    const car = await CarReader.fromBytes(new Uint8Array(await (await fetch(`${server.url}/ipfs/${root.toString()}?format=car`)).arrayBuffer()))
    const cids: string[] = []
    for await (const b of car.blocks()) cids.push(b.cid.toString())
    expect(cids).toEqual([root.toString(), leaf.cid.toString()])
  })

  it('is idempotent for the same content sent twice and concurrently', async () => {
    const { root, blocks } = await importFiles([{ path: 'x.bin', content: Buffer.alloc(3 * 1024 * 1024, 7) }])
    const car = await encodeCar([root], blocks)
    const before = await segmentFiles(server.dir)
    const results = await Promise.all([postCar(car), postCar(car), postCar(car)])
    for (const r of results) expect((await json(r)).cid).toBe(root.toString())
    expect((await json(await postCar(car))).cid).toBe(root.toString())
    const uploads = await json(await fetch(`${server.url}/user/uploads?size=1000`, { headers: server.auth() }))
    expect(uploads.filter((u: { cid: string }) => u.cid === root.toString())).toHaveLength(1)
    // concurrent copies of the same blocks are stored once: at most one new segment holds them
    const added = (await segmentFiles(server.dir)).filter(f => !before.includes(f))
    expect(added.length).toBe(1)
  })

  it('takes a header-only CAR for a root it already holds: records the upload (name, time), stores nothing new', async () => {
    const { root, blocks } = await importFiles([{ path: 'held.txt', content: Buffer.from('held already') }], { wrap: true })
    expect((await postCar(await encodeCar([root], blocks), server.auth(1))).status).toBe(200)
    const before = await segmentFiles(server.dir)
    const res = await postCar(await encodeCar([root], []), { ...server.auth(), 'x-name': 'again' })
    expect(res.status).toBe(200)
    expect((await json(res)).cid).toBe(root.toString())
    expect(await segmentFiles(server.dir)).toEqual(before)
    const mine = await json(await fetch(`${server.url}/user/uploads/${root.toString()}`, { headers: server.auth() }))
    expect(mine).toMatchObject({ cid: root.toString(), name: 'again', pins: [{ status: 'Pinned' }] })
    // a root the service does not hold: the header alone is useless, refused whole
    const absent = await rawBlock(Buffer.from('never stored here'))
    const refused = await postCar(await encodeCar([absent.cid], []))
    expect(refused.status).toBe(400)
    expect((await json(refused)).message).toMatch(/no blocks and this service does not hold its root/)
  })
})

describe('POST /upload (packed server-side with unixfs-v1-2025)', () => {
  it('packs multipart files into the same root as ipfs-car and the importer', async () => {
    const files = await writeFiles(tmp.path)
    expect((await ipfsCarPack(files, join(tmp.path, 'files.car'))).root).toBe(FILES_ROOT)
    const oracle = await importFiles([{ path: 'a.txt', content: Buffer.from('alpha\n') }, { path: 'dir/b.txt', content: Buffer.from('beta\n') }], { wrap: true })
    expect(oracle.root.toString()).toBe(FILES_ROOT)

    const form = new FormData()
    form.append('file', new Blob(['alpha\n']), 'a.txt')
    form.append('file', new Blob(['beta\n']), 'dir/b.txt')
    const res = await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: server.auth() })
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ cid: FILES_ROOT })
    const status = await json(await fetch(`${server.url}/status/${FILES_ROOT}`))
    expect(status.pins[0].status).toBe('Pinned')
  })

  it('stores a single blob as the file itself', async () => {
    const res = await fetch(`${server.url}/upload`, { method: 'POST', body: 'hello pinship\n', headers: server.auth() })
    expect(await json(res)).toEqual({ cid: HELLO_CID })
  })

  it('refuses ".." in multipart file names', async () => {
    const form = new FormData()
    form.append('file', new Blob(['x']), '../escape.txt')
    const res = await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: server.auth() })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/\.\./) })
  })
})

describe('GET /user/uploads paging', () => {
  let user: TestServer
  const cids: string[] = []
  beforeAll(async () => {
    user = await startTestServer()
    for (const name of ['charlie', 'alpha', 'echo', 'bravo', 'delta']) {
      const res = await fetch(`${user.url}/upload`, { method: 'POST', body: `content of ${name}`, headers: { ...user.auth(), 'x-name': name } })
      cids.push((await json(res)).cid)
    }
  })
  afterAll(async () => { await user.stop() })

  it('pages newest first with before + size, Count and a next Link', async () => {
    let res = await fetch(`${user.url}/user/uploads?size=2`, { headers: user.auth() })
    expect(res.headers.get('count')).toBe('5')
    const first = await json(res)
    expect(first.map((u: { name: string }) => u.name)).toEqual(['delta', 'bravo'])
    const next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] as string
    expect(next).toContain('before=')
    res = await fetch(`${user.url}${next}`, { headers: user.auth() })
    expect((await json(res)).map((u: { name: string }) => u.name)).toEqual(['echo', 'alpha'])
    res = await fetch(`${user.url}/user/uploads?size=2&before=${encodeURIComponent((first as Array<{ created: string }>)[1].created)}`, { headers: user.auth() })
    expect((await json(res)).map((u: { name: string }) => u.name)).toEqual(['echo', 'alpha'])
  })

  it('pages with page + sortBy + sortOrder and first/last/next/previous Links', async () => {
    const res = await fetch(`${user.url}/user/uploads?page=2&size=2&sortBy=Name&sortOrder=Asc`, { headers: user.auth() })
    expect((await json(res)).map((u: { name: string }) => u.name)).toEqual(['charlie', 'delta'])
    const link = res.headers.get('link') ?? ''
    expect(link).toMatch(/page=3[^>]*>; rel="next"/)
    expect(link).toMatch(/page=3[^>]*>; rel="last"/)
    expect(link).toMatch(/page=1[^>]*>; rel="first"/)
    expect(link).toMatch(/page=1[^>]*>; rel="previous"/)
    expect(res.headers.get('page')).toBe('2')
    const byDate = await json(await fetch(`${user.url}/user/uploads?page=1&size=5&sortBy=Date&sortOrder=Asc`, { headers: user.auth() }))
    expect(byDate.map((u: { name: string }) => u.name)).toEqual(['charlie', 'alpha', 'echo', 'bravo', 'delta'])
  })

  it('rejects bad paging parameters with 400', async () => {
    for (const q of ['size=0', 'size=1001', 'size=abc', 'before=yesterday', 'page=0', 'page=1&sortBy=Size', 'page=1&sortOrder=Up']) {
      const res = await fetch(`${user.url}/user/uploads?${q}`, { headers: user.auth() })
      expect(res.status, q).toBe(400)
      expect(await json(res)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    }
  })

  it('deletes an upload: gone from the list, its status 404, a second delete 404', async () => {
    const cid = cids[0]
    let res = await fetch(`${user.url}/user/uploads/${cid}`, { method: 'DELETE', headers: user.auth() })
    expect(res.status).toBe(200)
    res = await fetch(`${user.url}/user/uploads?size=10`, { headers: user.auth() })
    expect(res.headers.get('count')).toBe('4')
    expect((await json(res)).map((u: { cid: string }) => u.cid)).not.toContain(cid)
    expect((await fetch(`${user.url}/status/${cid}`)).status).toBe(404)
    res = await fetch(`${user.url}/user/uploads/${cid}`, { method: 'DELETE', headers: user.auth() })
    expect(res.status).toBe(404)
    expect(await json(res)).toMatchObject({ code: 'ERR_NOT_FOUND', message: expect.any(String) })
  })
})

describe('two users', () => {
  it('cannot see or delete each other\'s uploads; /status is public', async () => {
    const mine = await json(await fetch(`${server.url}/upload`, { method: 'POST', body: 'alice only', headers: server.auth(0) }))
    const bobList = await json(await fetch(`${server.url}/user/uploads?size=1000`, { headers: server.auth(1) }))
    expect(bobList.map((u: { cid: string }) => u.cid)).not.toContain(mine.cid)
    expect((await fetch(`${server.url}/user/uploads/${mine.cid}`, { headers: server.auth(1) })).status).toBe(404)
    expect((await fetch(`${server.url}/user/uploads/${mine.cid}`, { method: 'DELETE', headers: server.auth(1) })).status).toBe(404)
    expect((await fetch(`${server.url}/user/uploads/${mine.cid}`, { headers: server.auth(0) })).status).toBe(200)
    expect((await fetch(`${server.url}/status/${mine.cid}`)).status).toBe(200)
  })
})

describe('bad input never yields a 500', () => {
  it('answers auth failures with 401 / 403 and {code, message}', async () => {
    let res = await postCar(siteCar, {})
    expect(res.status).toBe(401)
    expect(await json(res)).toMatchObject({ code: 'ERR_AUTH', message: expect.stringMatching(/Bearer/) })
    res = await postCar(siteCar, { authorization: 'Bearer not-a-token' })
    expect(res.status).toBe(403)
    const body = await json(res)
    expect(body).toEqual({ code: 'ERR_FORBIDDEN', message: 'Token is not valid' })
  })

  it('rejects bad CARs whole, leaving nothing stored', async () => {
    const before = await segmentFiles(server.dir)
    const a = await rawBlock(Buffer.from('block a'))
    const b = await rawBlock(Buffer.from('block b'))
    const big = await rawBlock(new Uint8Array(2 * 1024 * 1024 + 1))
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['garbage', Buffer.from('not a car'), /CAR/],
      ['two roots', await encodeCar([a.cid, b.cid], [a, b]), /2 roots; exactly one/],
      ['no roots', await encodeCar([], [a]), /0 roots/],
      ['no blocks', await encodeCar([a.cid], []), /no blocks/],
      ['altered block', await encodeCar([a.cid], [b, { cid: a.cid, bytes: Buffer.from('block A') }]), /does not hash to its CID/],
      ['oversize block', await encodeCar([big.cid], [a, big]), /block limit/],
      ['truncated', (await encodeCar([a.cid], [a, b])).subarray(0, 60), /truncated|Unexpected end/]
    ]
    for (const [label, body, message] of cases) {
      const res = await postCar(body)
      expect(res.status, label).toBe(400)
      const err = await json(res)
      expect(err.message, label).toMatch(message)
      expect(typeof err.code).toBe('string')
    }
    // a block whose hash matches but whose bytes are not a node of its codec (a DAG that could never complete)
    const junk = Buffer.from('\xff\xfe not a node', 'latin1')
    for (const codec of [0x70, dagCbor.code]) {
      const cid = CID.createV1(codec, await sha256.digest(junk))
      const res = await postCar(await encodeCar([cid], [b, { cid, bytes: junk }]))
      expect(res.status, `codec ${codec}`).toBe(400)
      expect(await json(res)).toMatchObject({ code: 'ERR_INVALID_CAR', message: expect.stringMatching(/does not decode as its codec/) })
      expect((await fetch(`${server.url}/status/${cid.toString()}`)).status).toBe(404)
    }
    // the good block `b` came before the altered one in its CAR: it must not have been kept
    expect((await fetch(`${server.url}/ipfs/${b.cid.toString()}?format=raw`)).status).toBe(404)
    expect(await segmentFiles(server.dir)).toEqual(before)
  })

  it('answers invalid CIDs, unknown routes, wrong methods and bad X-Name with 4xx JSON', async () => {
    let res = await fetch(`${server.url}/status/not-a-cid`)
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ code: 'ERR_INVALID_CID' })
    res = await fetch(`${server.url}/no/such/route`)
    expect(res.status).toBe(404)
    expect(await json(res)).toMatchObject({ code: 'ERR_NOT_FOUND' })
    res = await fetch(`${server.url}/car`, { method: 'GET' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
    res = await postCar(siteCar, { ...server.auth(), 'x-name': '%E0%A4%A' })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ message: expect.stringMatching(/X-Name/) })
  })

  it('answers malformed, truncated and empty multipart uploads and an empty blob with 400', async () => {
    const post = async (body: string, type = 'multipart/form-data; boundary=xyz'): Promise<Response> =>
      await fetch(`${server.url}/upload`, { method: 'POST', body, headers: { ...server.auth(), 'content-type': type } })
    const cases: Array<[string, Response, RegExp]> = [
      ['no boundary', await post('x', 'multipart/form-data'), /multipart/i],
      ['cut inside a file', await post('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello'), /Unexpected end of form|ends inside/],
      ['no files', await post('--xyz--\r\n'), /no files/],
      ['empty blob', await post('', 'application/octet-stream'), /body is empty/]
    ]
    for (const [label, res, message] of cases) {
      expect(res.status, label).toBe(400)
      expect((await json(res)).message, label).toMatch(message)
    }
  })

  it('answers 413 past the body limit, declared or streamed', async () => {
    const small = await startTestServer({ maxBodyBytes: 64 * 1024 })
    try {
      const big = new Uint8Array(64 * 1024 + 1)
      let res = await fetch(`${small.url}/car`, { method: 'POST', body: big, headers: small.auth() })
      expect(res.status).toBe(413)
      expect(await json(res)).toMatchObject({ code: 'ERR_TOO_LARGE', message: expect.stringMatching(/65536-byte limit/) })
      // no Content-Length: counted while streaming (a valid CAR, so only the size can stop it)
      const block = await rawBlock(new Uint8Array(80 * 1024).fill(1))
      const car = await encodeCar([block.cid], [block])
      const stream = new ReadableStream({
        start (c) { for (let i = 0; i < car.length; i += 16 * 1024) c.enqueue(car.subarray(i, i + 16 * 1024)); c.close() }
      })
      res = await fetch(`${small.url}/car`, { method: 'POST', body: stream, headers: small.auth(), duplex: 'half' } as RequestInit)
      expect(res.status).toBe(413)
      // NFT face: same limit, its own envelope
      res = await fetch(`${small.url}/nft/upload`, { method: 'POST', body: big, headers: { ...small.auth(), 'content-type': 'application/car' } })
      expect(res.status).toBe(413)
      expect(await json(res)).toMatchObject({ ok: false, error: { name: 'TooLargeError' } })
    } finally {
      await small.stop()
    }
  })

  it('drops an upload whose client disconnects mid-body', async () => {
    const { root, blocks } = await importFiles([{ path: 'cut.bin', content: Buffer.alloc(1024 * 1024, 3) }])
    const car = await encodeCar([root], blocks)
    const before = await segmentFiles(server.dir)
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}/car`, { method: 'POST', headers: { ...server.auth(), 'content-length': car.length } })
      req.on('error', () => resolve())
      req.write(car.subarray(0, car.length / 2), () => setTimeout(() => { req.destroy(); resolve() }, 100))
    })
    // the server notices in its own time (a loaded machine may take longer than a fixed sleep): nothing may remain
    const wanted = JSON.stringify(before)
    await until('the staged segment to be dropped', async () => JSON.stringify(await segmentFiles(server.dir)) === wanted ? true : undefined, 10_000)
    expect((await fetch(`${server.url}/status/${root.toString()}`)).status).toBe(404)
    expect(await segmentFiles(server.dir)).toEqual(before)
  })
})

describe('rate limit', () => {
  it('answers 429 with Retry-After past N requests per window, then recovers', async () => {
    // a window long enough that four requests fit in it on a loaded machine
    const limited = await startTestServer({ rateLimit: { requests: 3, windowMs: 3000 } })
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${limited.url}/user/uploads`, { headers: limited.auth() })).status).toBe(200)
      const res = await fetch(`${limited.url}/user/uploads`, { headers: limited.auth() })
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(await json(res)).toMatchObject({ code: 'ERR_RATE_LIMITED' })
      // per token: the other user is not limited
      expect((await fetch(`${limited.url}/user/uploads`, { headers: limited.auth(1) })).status).toBe(200)
      await new Promise(resolve => setTimeout(resolve, 3000))
      expect((await fetch(`${limited.url}/user/uploads`, { headers: limited.auth() })).status).toBe(200)
    } finally {
      await limited.stop()
    }
  })
})
