// Pinata's legacy API (api.pinata.cloud shapes) against the embedded service over real HTTP: pinByHash, the
// pin-by-CID job list of seed 002 with its filters, pinList, unpin, testAuthentication, the job lifecycle, isolation,
// restart and errors in Pinata's {error: {reason, details}} shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCar, importFiles, json, rawBlock, startTestServer, tempDir, until, type TestServer } from './helpers.js'

let server: TestServer

beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.stop() })

function call (s: TestServer, path: string, init: RequestInit & { user?: number } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...s.auth(init.user ?? 0), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string> ?? {}) }
  return fetch(`${s.url}${path}`, { ...init, headers })
}

async function pinByHash (s: TestServer, body: Record<string, unknown>, user = 0): Promise<any> {
  const res = await call(s, '/pinning/pinByHash', { method: 'POST', body: JSON.stringify(body), user })
  expect(res.status).toBe(200)
  return await json(res)
}

async function jobs (s: TestServer, query = '', user = 0): Promise<any> {
  const res = await call(s, `/pinning/pinJobs${query}`, { user })
  expect(res.status).toBe(200)
  return await json(res)
}

async function pins (s: TestServer, query = '', user = 0): Promise<any> {
  const res = await call(s, `/data/pinList${query}`, { user })
  expect(res.status).toBe(200)
  return await json(res)
}

async function unknownCid (seed: string): Promise<string> {
  return (await rawBlock(Buffer.from(`not stored (pinata): ${seed}`))).cid.toString()
}

async function uploadCar (s: TestServer, car: Uint8Array, user = 0): Promise<void> {
  expect((await fetch(`${s.url}/car`, { method: 'POST', body: car, headers: s.auth(user) })).status).toBe(200)
}

async function storedCid (seed: string, user = 0): Promise<string> {
  const b = await rawBlock(Buffer.from(`stored (pinata): ${seed}`))
  await uploadCar(server, await encodeCar([b.cid], [b]), user)
  return b.cid.toString()
}

describe('auth', () => {
  it('answers 401 INVALID_CREDENTIALS without a token and with a wrong one, on every endpoint', async () => {
    const calls: Array<[string, string]> = [['POST', '/pinning/pinByHash'], ['GET', '/pinning/pinJobs'], ['GET', '/data/pinList'], ['DELETE', '/pinning/unpin/bafkqaaa'], ['GET', '/data/testAuthentication']]
    for (const [method, path] of calls) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }]) {
        const res = await fetch(`${server.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: method === 'POST' ? '{"hashToPin":"bafkqaaa"}' : undefined })
        expect(res.status, `${method} ${path}`).toBe(401)
        const body = await json(res)
        expect(body.error.reason).toBe('INVALID_CREDENTIALS')
        expect(body.error.details).toMatch(/token/i)
        expect(JSON.stringify(body)).not.toContain('wrong-token')
      }
    }
  })

  it('unknown paths under /pinning and /data answer 404 in Pinata\'s error shape', async () => {
    for (const path of ['/pinning/nope', '/data/nope']) {
      const res = await call(server, path)
      expect(res.status, path).toBe(404)
      const body = await json(res)
      expect(typeof body.error.reason, path).toBe('string')
      expect(typeof body.error.details, path).toBe('string')
    }
  })

  it('testAuthentication answers 200 {message} for a known token', async () => {
    const res = await call(server, '/data/testAuthentication')
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ message: 'Congratulations! You are communicating with the Pinata API!' })
  })
})

describe('pinByHash and pinJobs', () => {
  it('queues a job for content not stored here: prechecking on the answer, searching in the job list, not in pinList', async () => {
    const cid = await unknownCid('queued')
    const res = await pinByHash(server, { hashToPin: cid, pinataMetadata: { name: 'queued-one', keyvalues: { env: 'ci', build: 7 } }, pinataOptions: { hostNodes: ['/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWSnniGsyAF663gvHdqhyfJMCjWJv54cGSzcPiEMAfanvU'] } })
    expect(res).toEqual({ id: expect.any(String), ipfsHash: cid, status: 'prechecking', name: 'queued-one' })
    const list = await jobs(server, `?ipfs_pin_hash=${cid}`)
    expect(list.count).toBe(1)
    expect(list.rows[0]).toEqual({
      id: res.id,
      ipfs_pin_hash: cid,
      date_queued: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      name: 'queued-one',
      status: 'searching',
      keyvalues: { env: 'ci', build: 7 },
      host_nodes: ['/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWSnniGsyAF663gvHdqhyfJMCjWJv54cGSzcPiEMAfanvU'],
      pin_policy: { regions: [{ id: 'PINSHIP1', desiredReplicationCount: 1 }], version: 1 }
    })
    expect((await pins(server, `?cid=${cid}`)).count).toBe(0)
    // asking again answers the same job
    const again = await pinByHash(server, { hashToPin: cid })
    expect(again).toMatchObject({ id: res.id, status: 'searching' })
    expect((await jobs(server, `?ipfs_pin_hash=${cid}`)).count).toBe(1)
  })

  it('pins content already stored here at once: no job, straight into pinList', async () => {
    const cid = await storedCid('at-once')
    const res = await pinByHash(server, { hashToPin: cid, pinataMetadata: { name: 'at-once' } })
    expect(res).toEqual({ id: expect.any(String), ipfsHash: cid, status: 'pinned', name: 'at-once' })
    expect((await jobs(server, `?ipfs_pin_hash=${cid}`)).count).toBe(0)
    const list = await pins(server, `?cid=${cid}`)
    expect(list.count).toBe(1)
    expect(list.rows[0]).toMatchObject({ id: res.id, ipfs_pin_hash: cid, size: Buffer.byteLength('stored (pinata): at-once'), date_unpinned: null, metadata: { name: 'at-once', keyvalues: null } })
  })

  it('a job leaves the list and its CID appears in pinList once CARs complete the DAG', async () => {
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251)
    const { root, blocks } = await importFiles([{ path: 'big.bin', content: big }])
    expect(blocks.length).toBeGreaterThan(2)
    const res = await pinByHash(server, { hashToPin: root.toString(), pinataMetadata: { name: 'lifecycle' } })
    expect(res.status).toBe('prechecking')
    // part of the DAG (by another user: content is shared): still searching
    await uploadCar(server, await encodeCar([root], blocks.slice(0, 1)), 1)
    const partial = (await jobs(server, `?ipfs_pin_hash=${root.toString()}`)).rows[0]
    expect(partial.status).toBe('searching')
    expect((await pins(server, `?cid=${root.toString()}`)).count).toBe(0)
    await uploadCar(server, await encodeCar([root], blocks.slice(1)), 1)
    expect((await jobs(server, `?ipfs_pin_hash=${root.toString()}`)).count).toBe(0)
    const list = await pins(server, `?cid=${root.toString()}`)
    expect(list.count).toBe(1)
    expect(list.rows[0]).toMatchObject({ id: res.id, metadata: { name: 'lifecycle' } })
    expect(list.rows[0].size).toBe(blocks.reduce((n, b) => n + b.bytes.length, 0))
    // pinned when the last CAR arrived, after it was queued
    expect(list.rows[0].date_pinned > partial.date_queued).toBe(true)
  })

  it('filters by status and ipfs_pin_hash, sorts ASC and DESC, pages with limit (default 5) and offset', async () => {
    const s = await startTestServer()
    try {
      const ids: string[] = []
      for (let i = 0; i < 7; i++) ids.push((await pinByHash(s, { hashToPin: (await rawBlock(Buffer.from(`job ${i}`))).cid.toString(), pinataMetadata: { name: `job-${i}` } })).id)
      const all = await jobs(s)
      expect(all.count).toBe(7)
      expect(all.rows.map((r: any) => r.id)).toEqual(ids.slice(0, 5))
      expect((await jobs(s, '?sort=DESC&limit=3')).rows.map((r: any) => r.id)).toEqual([...ids].reverse().slice(0, 3))
      expect((await jobs(s, '?sort=asc&limit=3&offset=5')).rows.map((r: any) => r.id)).toEqual(ids.slice(5))
      expect((await jobs(s, '?limit=1000')).rows).toHaveLength(7)
      expect((await jobs(s, '?status=searching&limit=10')).count).toBe(7)
      for (const status of ['prechecking', 'retrieving', 'expired', 'over_free_limit', 'over_max_size', 'invalid_object', 'bad_host_node']) {
        expect((await jobs(s, `?status=${status}`)).count, status).toBe(0)
      }
      const one = (await rawBlock(Buffer.from('job 3'))).cid.toString()
      expect((await jobs(s, `?ipfs_pin_hash=${one}`)).rows.map((r: any) => r.id)).toEqual([ids[3]])
    } finally {
      await s.stop()
    }
  })

  it('turns a job expired after the pending timeout; pinning again starts a new job; content arriving pins it', async () => {
    // long enough that the job is still searching when asked right after each pin, even under load (at 200 ms a
    // slow machine could see it expired already); the test then waits for the expiry instead of sleeping past it
    const quick = await startTestServer({ pendingTimeoutMs: 2_000 })
    try {
      const b = await rawBlock(Buffer.from('late pinata content'))
      const cid = b.cid.toString()
      const first = await pinByHash(quick, { hashToPin: cid })
      expect((await jobs(quick)).rows[0].status).toBe('searching')
      await until('the job expired', async () => (await jobs(quick, '?status=expired')).count > 0 ? true : undefined)
      expect((await jobs(quick, '?status=expired')).rows.map((r: any) => r.id)).toEqual([first.id])
      expect((await jobs(quick, '?status=searching')).count).toBe(0)
      const second = await pinByHash(quick, { hashToPin: cid })
      expect(second.id).not.toBe(first.id)
      expect(second.status).toBe('prechecking')
      expect((await jobs(quick)).rows.map((r: any) => [r.id, r.status])).toEqual([[second.id, 'searching']])
      await uploadCar(quick, await encodeCar([b.cid], [b]))
      expect((await jobs(quick)).count).toBe(0)
      expect((await pins(quick, `?cid=${cid}`)).rows[0].id).toBe(second.id)
    } finally {
      await quick.stop()
    }
  })
})

describe('pinList and unpin', () => {
  it('lists the user\'s complete uploads and pins, filters by cid, status and metadata[name], pages with pageLimit/pageOffset', async () => {
    const s = await startTestServer()
    try {
      const cids: string[] = []
      for (let i = 0; i < 4; i++) {
        const b = await rawBlock(Buffer.from(`listed ${i}`))
        expect((await fetch(`${s.url}/car`, { method: 'POST', body: await encodeCar([b.cid], [b]), headers: { ...s.auth(), 'x-name': `upload-${i}` } })).status).toBe(200)
        cids.push(b.cid.toString())
      }
      // an incomplete upload does not list
      const { root, blocks } = await importFiles([{ path: 'p.bin', content: new Uint8Array(2 * 1024 * 1024).fill(9) }])
      await uploadCar(s, await encodeCar([root], blocks.slice(0, 1)))
      const all = await pins(s)
      expect(all.count).toBe(4)
      expect(all.rows.map((r: any) => r.ipfs_pin_hash)).toEqual([...cids].reverse())
      expect(all.rows[0]).toMatchObject({ metadata: { name: 'upload-3', keyvalues: null }, date_unpinned: null, size: Buffer.byteLength('listed 3') })
      expect((await pins(s, '?pageLimit=2&pageOffset=1')).rows.map((r: any) => r.ipfs_pin_hash)).toEqual([cids[2], cids[1]])
      expect((await pins(s, '?metadata[name]=LOAD-1')).rows.map((r: any) => r.ipfs_pin_hash)).toEqual([cids[1]])
      expect((await pins(s, `?cid=${cids[0]}&status=pinned`)).count).toBe(1)

      const del = await call(s, `/pinning/unpin/${cids[0]}`, { method: 'DELETE' })
      expect(del.status).toBe(200)
      expect(await del.text()).toBe('OK')
      expect((await pins(s, '?status=pinned')).rows.map((r: any) => r.ipfs_pin_hash)).not.toContain(cids[0])
      const unpinned = await pins(s, '?status=unpinned')
      expect(unpinned.count).toBe(1)
      expect(unpinned.rows[0]).toMatchObject({ ipfs_pin_hash: cids[0], metadata: { name: 'upload-0' }, date_unpinned: expect.any(String) })
      expect((await pins(s)).count).toBe(4)
      // the upload is gone from the web3 face too
      expect((await fetch(`${s.url}/user/uploads/${cids[0]}`, { headers: s.auth() })).status).toBe(404)
      // unpinning what is not pinned
      const again = await call(s, `/pinning/unpin/${cids[0]}`, { method: 'DELETE' })
      expect(again.status).toBe(404)
      expect((await json(again)).error.reason).toBe('CURRENT_USER_HAS_NOT_PINNED_CID')
    } finally {
      await s.stop()
    }
  })

  it('unpinning a queued job removes it from the job list and lists nothing', async () => {
    const cid = await unknownCid('cancelled')
    await pinByHash(server, { hashToPin: cid })
    expect((await call(server, `/pinning/unpin/${cid}`, { method: 'DELETE' })).status).toBe(200)
    expect((await jobs(server, `?ipfs_pin_hash=${cid}`)).count).toBe(0)
    expect((await pins(server, `?cid=${cid}`)).count).toBe(0)
  })
})

describe('isolation', () => {
  it('one user sees, and can unpin, only their own jobs and pins', async () => {
    const queued = await unknownCid('alice only')
    const stored = await storedCid('alice stored')
    const job = await pinByHash(server, { hashToPin: queued })
    await pinByHash(server, { hashToPin: stored })
    expect((await jobs(server, `?ipfs_pin_hash=${queued}`, 1)).count).toBe(0)
    expect((await pins(server, `?cid=${stored}`, 1)).count).toBe(0)
    expect((await call(server, `/pinning/unpin/${stored}`, { method: 'DELETE', user: 1 })).status).toBe(404)
    expect((await pins(server, `?cid=${stored}`, 0)).count).toBe(1)
    // bob's own job for the same CID is a separate job
    const bobs = await pinByHash(server, { hashToPin: queued }, 1)
    expect(bobs.id).not.toBe(job.id)
    expect((await jobs(server, `?ipfs_pin_hash=${queued}`, 1)).rows.map((r: any) => r.id)).toEqual([bobs.id])
    expect((await jobs(server, `?ipfs_pin_hash=${queued}`, 0)).rows.map((r: any) => r.id)).toEqual([job.id])
  })
})

describe('restart', () => {
  it('keeps queued jobs, pins and unpinned records; a job completes after the restart', async () => {
    const tmp = await tempDir()
    try {
      const b = await rawBlock(Buffer.from('restart pinata'))
      const cid = b.cid.toString()
      let s = await startTestServer({}, tmp.path)
      const job = await pinByHash(s, { hashToPin: cid, pinataMetadata: { name: 'survives', keyvalues: { k: 'v' } } })
      const before = await jobs(s)
      await s.close()

      s = await startTestServer({}, tmp.path)
      try {
        expect(await jobs(s)).toEqual(before)
        expect(before.rows[0]).toMatchObject({ id: job.id, status: 'searching', name: 'survives', keyvalues: { k: 'v' } })
        await uploadCar(s, await encodeCar([b.cid], [b]), 1)
        expect((await jobs(s)).count).toBe(0)
        const listed = await pins(s)
        expect(listed.rows[0]).toMatchObject({ id: job.id, ipfs_pin_hash: cid, metadata: { name: 'survives', keyvalues: { k: 'v' } } })
        expect((await call(s, `/pinning/unpin/${cid}`, { method: 'DELETE' })).status).toBe(200)
      } finally {
        await s.close()
      }
      s = await startTestServer({}, tmp.path)
      try {
        expect((await pins(s, '?status=unpinned')).rows.map((r: any) => [r.id, r.ipfs_pin_hash])).toEqual([[job.id, cid]])
        expect((await pins(s, '?status=pinned')).count).toBe(0)
      } finally {
        await s.close()
      }
    } finally {
      await tmp.remove()
    }
  })
})

describe('bad input', () => {
  const bad: Array<[string, string, string | undefined, RegExp]> = [
    ['POST', '/pinning/pinByHash', '{"hashToPin":"not-a-cid"}', /not a valid CID/],
    ['POST', '/pinning/pinByHash', '{}', /hashToPin/],
    ['POST', '/pinning/pinByHash', '[1]', /JSON object/],
    ['POST', '/pinning/pinByHash', '{"hashToPin":', /not valid JSON/],
    ['POST', '/pinning/pinByHash', '{"hashToPin":"bafkqaaa","pinataMetadata":{"name":5}}', /pinataMetadata.name/],
    ['POST', '/pinning/pinByHash', '{"hashToPin":"bafkqaaa","pinataMetadata":{"keyvalues":{"a":{"b":1}}}}', /keyvalues/],
    ['POST', '/pinning/pinByHash', '{"hashToPin":"bafkqaaa","pinataOptions":{"hostNodes":["a","b","c","d","e","f"]}}', /hostNodes/],
    ['GET', '/pinning/pinJobs?ipfs_pin_hash=nope', undefined, /not a valid CID/],
    ['GET', '/pinning/pinJobs?sort=UP', undefined, /ASC or DESC/],
    ['GET', '/pinning/pinJobs?status=pinned', undefined, /status must be one of prechecking/],
    ['GET', '/pinning/pinJobs?limit=0', undefined, /limit must be an integer from 1 to 1000/],
    ['GET', '/pinning/pinJobs?limit=1001', undefined, /limit/],
    ['GET', '/pinning/pinJobs?offset=-1', undefined, /offset/],
    ['GET', '/data/pinList?pageLimit=1001', undefined, /pageLimit/],
    ['GET', '/data/pinList?status=queued', undefined, /all, pinned, unpinned/],
    ['GET', '/data/pinList?cid=xyz', undefined, /not a valid CID/],
    ['DELETE', '/pinning/unpin/xyz', undefined, /not a valid CID/]
  ]
  it.each(bad)('%s %s %s → 400 in Pinata\'s error shape', async (method, path, body, message) => {
    const res = await call(server, path, { method, body })
    expect(res.status).toBe(400)
    const err = await json(res)
    expect(err).toEqual({ error: { reason: 'BAD_REQUEST', details: expect.stringMatching(message) } })
  })

  it('answers 405 in the same shape for a wrong method', async () => {
    const res = await call(server, '/pinning/pinJobs', { method: 'POST', body: '{}' })
    expect(res.status).toBe(405)
    expect((await json(res)).error.reason).toBe('METHOD_NOT_ALLOWED')
  })
})
