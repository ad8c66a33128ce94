// The IPFS Pinning Service API v1.0.0 against the embedded service: each check of the (archived)
// @ipfs-shipyard/pinning-service-compliance suite re-implemented over real HTTP, the filters, and the official
// generated client @ipfs-shipyard/pinning-service-client as an outside client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Configuration, RemotePinningServiceClient, Status, TextMatchingStrategy } from '@ipfs-shipyard/pinning-service-client'
import { encodeCar, importFiles, json, rawBlock, startTestServer, type TestServer } from './helpers.js'

let server: TestServer

beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.stop() })

function psa (path: string, init: RequestInit & { user?: number } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...server.auth(init.user ?? 0), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string> ?? {}) }
  return fetch(`${server.url}${path}`, { ...init, headers })
}

async function addPin (pin: Record<string, unknown>, user = 0): Promise<any> {
  const res = await psa('/pins', { method: 'POST', body: JSON.stringify(pin), user })
  expect(res.status).toBe(202)
  return await json(res)
}

/** A CID whose content is not stored: the pin stays queued. */
async function unknownCid (seed: string): Promise<string> {
  return (await rawBlock(Buffer.from(`not stored: ${seed}`))).cid.toString()
}

async function storedCid (seed: string): Promise<string> {
  const b = await rawBlock(Buffer.from(`stored: ${seed}`))
  const res = await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([b.cid], [b]), headers: server.auth() })
  expect(res.status).toBe(200)
  return b.cid.toString()
}

async function deleteAll (user: number): Promise<void> {
  const res = await psa('/pins?status=queued,pinning,pinned,failed&limit=1000', { user })
  for (const p of (await json(res)).results) expect((await psa(`/pins/${p.requestid as string}`, { method: 'DELETE', user })).status).toBe(202)
}

describe('compliance checks', () => {
  it('answers 401 with a PSA error for a missing or an invalid token on every endpoint', async () => {
    const calls: Array<[string, string]> = [['GET', '/pins'], ['POST', '/pins'], ['GET', '/pins/x'], ['POST', '/pins/x'], ['DELETE', '/pins/x']]
    for (const [method, path] of calls) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }]) {
        const res = await fetch(`${server.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: method === 'POST' ? '{"cid":"bafkqaaa"}' : undefined })
        expect(res.status, `${method} ${path}`).toBe(401)
        const body = await json(res)
        expect(body.error.reason).toBe('UNAUTHORIZED')
        expect(typeof body.error.details).toBe('string')
      }
    }
  })

  it('add returns 202 with status queued, pinning or pinned and a full PinStatus', async () => {
    const cid = await unknownCid('add')
    const status = await addPin({ cid, name: 'add-check', origins: ['/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWSnniGsyAF663gvHdqhyfJMCjWJv54cGSzcPiEMAfanvU'], meta: { app: 'pinship' } })
    expect(['queued', 'pinning', 'pinned']).toContain(status.status)
    expect(status).toMatchObject({ requestid: expect.any(String), pin: { cid, name: 'add-check', meta: { app: 'pinship' } }, info: expect.any(Object) })
    expect(status.pin.origins).toHaveLength(1)
    expect(Date.parse(status.created)).not.toBeNaN()
    expect(status.delegates.length).toBeGreaterThanOrEqual(1)
    expect(status.delegates.length).toBeLessThanOrEqual(20)
    expect(status.delegates[0]).toBe(`/ip4/127.0.0.1/tcp/${server.port}/http`)
  })

  it('create then delete answers 202 and 202, and the pin is gone', async () => {
    const { requestid } = await addPin({ cid: await unknownCid('create-delete') })
    const del = await psa(`/pins/${requestid as string}`, { method: 'DELETE' })
    expect(del.status).toBe(202)
    expect(await del.text()).toBe('')
    expect((await psa(`/pins/${requestid as string}`)).status).toBe(404)
  })

  it('lists pins in every state with status=queued,pinning,pinned,failed', async () => {
    const queued = await addPin({ cid: await unknownCid('states'), name: 'states' })
    const pinned = await addPin({ cid: await storedCid('states'), name: 'states' })
    expect(queued.status).toBe('queued')
    expect(pinned.status).toBe('pinned')
    const all = await json(await psa('/pins?name=states&status=queued,pinning,pinned,failed'))
    expect(all.results.map((p: { requestid: string }) => p.requestid).sort()).toEqual([queued.requestid, pinned.requestid].sort())
    expect(all.count).toBe(2)
    // no status filter means pinned only (spec default)
    const dflt = await json(await psa('/pins?name=states'))
    expect(dflt.results.map((p: { requestid: string }) => p.requestid)).toEqual([pinned.requestid])
    const onlyQueued = await json(await psa('/pins?name=states&status=queued'))
    expect(onlyQueued.results.map((p: { requestid: string }) => p.requestid)).toEqual([queued.requestid])
  })

  it('replace gives a new requestid and the old one answers 404', async () => {
    const old = await addPin({ cid: await unknownCid('replace-old'), name: 'before' })
    const cid = await storedCid('replace-new')
    const res = await psa(`/pins/${old.requestid as string}`, { method: 'POST', body: JSON.stringify({ cid, name: 'after' }) })
    expect(res.status).toBe(202)
    const replaced = await json(res)
    expect(replaced.requestid).not.toBe(old.requestid)
    expect(replaced).toMatchObject({ status: 'pinned', pin: { cid, name: 'after' } })
    expect((await psa(`/pins/${old.requestid as string}`)).status).toBe(404)
    expect((await json(await psa(`/pins/${replaced.requestid as string}`))).pin.name).toBe('after')
  })

  it('matches names exactly, case-insensitively and partially', async () => {
    const cid = await storedCid('match')
    const a = await addPin({ cid, name: 'Pinship-Match-Name' })
    const b = await addPin({ cid, name: 'other' })
    const find = async (q: string): Promise<string[]> => (await json(await psa(`/pins?${q}`))).results.map((p: { requestid: string }) => p.requestid)
    expect(await find('name=Pinship-Match-Name')).toEqual([a.requestid])
    expect(await find('name=pinship-match-name')).toEqual([])
    expect(await find('name=pinship-match-name&match=iexact')).toEqual([a.requestid])
    expect(await find('name=Match&match=partial')).toEqual([a.requestid])
    expect(await find('name=match&match=partial')).toEqual([])
    expect(await find('name=MATCH-name&match=ipartial')).toEqual([a.requestid])
    expect(await find('name=ther&match=partial')).toEqual([b.requestid])
  })

  it('paginates 15 pins with the default page of 10 and `before`, without duplicates, and delete-all restores the count', async () => {
    const user = 1
    await deleteAll(user)
    const empty = await json(await psa('/pins?status=queued,pinning,pinned,failed', { user }))
    expect(empty.count).toBe(0)
    const created: string[] = []
    for (let i = 0; i < 15; i++) created.push((await addPin({ cid: await unknownCid(`page-${i}`), name: `page-${i}` }, user)).requestid)
    const first = await json(await psa('/pins?status=queued', { user }))
    expect(first.count).toBe(15)
    expect(first.results).toHaveLength(10)
    const before = first.results.at(-1).created as string
    const second = await json(await psa(`/pins?status=queued&before=${encodeURIComponent(before)}`, { user }))
    expect(second.results).toHaveLength(5)
    const ids = [...first.results, ...second.results].map((p: { requestid: string }) => p.requestid)
    expect(new Set(ids).size).toBe(15)
    expect(ids.sort()).toEqual([...created].sort())
    await deleteAll(user)
    expect((await json(await psa('/pins?status=queued,pinning,pinned,failed', { user }))).count).toBe(0)
  })
})

describe('filters and errors', () => {
  it('filters by cid list, before/after, limit and meta (JSON and meta[key] forms)', async () => {
    const c1 = await storedCid('filter-1')
    const c2 = await storedCid('filter-2')
    const p1 = await addPin({ cid: c1, meta: { env: 'prod', team: 'web' } })
    const p2 = await addPin({ cid: c2, meta: { env: 'dev', team: 'web' } })
    const ids = async (q: string): Promise<string[]> => (await json(await psa(`/pins?${q}`))).results.map((p: { requestid: string }) => p.requestid)
    expect(await ids(`cid=${c1},${c2}`)).toEqual([p2.requestid, p1.requestid])
    expect(await ids(`cid=${c1}`)).toEqual([p1.requestid])
    expect(await ids(`cid=${c1},${c2}&limit=1`)).toEqual([p2.requestid])
    expect(await ids(`cid=${c1},${c2}&before=${encodeURIComponent(p2.created)}`)).toEqual([p1.requestid])
    expect(await ids(`cid=${c1},${c2}&after=${encodeURIComponent(p1.created)}`)).toEqual([p2.requestid])
    expect(await ids(`cid=${c1},${c2}&meta=${encodeURIComponent('{"team":"web","env":"prod"}')}`)).toEqual([p1.requestid])
    expect(await ids(`cid=${c1},${c2}&meta[env]=dev`)).toEqual([p2.requestid])
    expect(await ids(`cid=${c1},${c2}&meta=${encodeURIComponent('{"team":"other"}')}`)).toEqual([])
  })

  it('rejects bad queries and bodies with 400 and {error: {reason, details}}', async () => {
    const bad = ['limit=0', 'limit=1001', 'status=done', 'match=fuzzy', 'cid=nope', 'before=soon', 'meta=not-json', `cid=${Array.from({ length: 11 }, () => 'bafkqaaa').join(',')}`, `name=${'x'.repeat(256)}`]
    for (const q of bad) {
      const res = await psa(`/pins?${q}`)
      expect(res.status, q).toBe(400)
      const body = await json(res)
      expect(body.error.reason, q).toBe('BAD_REQUEST')
      expect(body.error.details.length).toBeGreaterThan(5)
    }
    for (const body of ['{not json', '[]', '{}', '{"cid":"nope"}', '{"cid":"bafkqaaa","meta":{"n":1}}', '{"cid":"bafkqaaa","origins":"x"}']) {
      const res = await psa('/pins', { method: 'POST', body })
      expect(res.status, body).toBe(400)
      expect((await json(res)).error.reason).toBe('BAD_REQUEST')
    }
  })

  it('keeps users apart: another user\'s requestid is 404 for get, replace and delete', async () => {
    const mine = await addPin({ cid: await unknownCid('isolation') }, 0)
    for (const [method, body] of [['GET', undefined], ['POST', '{"cid":"bafkqaaa"}'], ['DELETE', undefined]] as const) {
      const res = await psa(`/pins/${mine.requestid as string}`, { method, body, user: 1 })
      expect(res.status, method).toBe(404)
      expect((await json(res)).error.reason).toBe('NOT_FOUND')
    }
    const theirs = await json(await psa('/pins?status=queued,pinning,pinned,failed&limit=1000', { user: 1 }))
    expect(theirs.results.map((p: { requestid: string }) => p.requestid)).not.toContain(mine.requestid)
  })

  it('turns a queued pin pinned when a CAR completing its DAG arrives', async () => {
    const { root, blocks } = await importFiles([{ path: 'later.txt', content: Buffer.from('arrives later') }, { path: 'x/y.txt', content: Buffer.from('y') }], { wrap: true })
    const pin = await addPin({ cid: root.toString(), name: 'later' })
    expect(pin.status).toBe('queued')
    expect(pin.info.status_details).toMatch(/upload a CAR/)
    await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], blocks.slice(0, 1)), headers: server.auth(1) })
    expect((await json(await psa(`/pins/${pin.requestid as string}`))).status).toBe('queued')
    await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], blocks.slice(1)), headers: server.auth(1) })
    expect((await json(await psa(`/pins/${pin.requestid as string}`))).status).toBe('pinned')
  })

  it('reports failed after the pending timeout, and pinned once the content arrives after all', async () => {
    const quick = await startTestServer({ pendingTimeoutMs: 200 })
    try {
      const b = await rawBlock(Buffer.from('late content'))
      const res = await fetch(`${quick.url}/pins`, { method: 'POST', headers: { ...quick.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ cid: b.cid.toString() }) })
      const pin = await json(res)
      expect(pin.status).toBe('queued')
      await new Promise(resolve => setTimeout(resolve, 300))
      const failed = await json(await fetch(`${quick.url}/pins/${pin.requestid as string}`, { headers: quick.auth() }))
      expect(failed.status).toBe('failed')
      expect((await json(await fetch(`${quick.url}/pins?status=failed`, { headers: quick.auth() }))).count).toBe(1)
      await fetch(`${quick.url}/car`, { method: 'POST', body: await encodeCar([b.cid], [b]), headers: quick.auth() })
      expect((await json(await fetch(`${quick.url}/pins/${pin.requestid as string}`, { headers: quick.auth() }))).status).toBe('pinned')
    } finally {
      await quick.stop()
    }
  })
})

describe('official client @ipfs-shipyard/pinning-service-client', () => {
  it('adds, lists with filters, gets, replaces and deletes pins', async () => {
    const client = new RemotePinningServiceClient(new Configuration({ endpointUrl: server.url, accessToken: server.tokens[0] }))
    const cid = await storedCid('client')
    const added = await client.pinsPost({ pin: { cid, name: 'client-pin', meta: { via: 'client' } } })
    expect(added.status).toBe(Status.Pinned)
    expect(added.created).toBeInstanceOf(Date)

    const listed = await client.pinsGet({ name: 'CLIENT', match: TextMatchingStrategy.Ipartial, status: [Status.Pinned, Status.Queued], meta: { via: 'client' }, limit: 5 })
    expect(listed.count).toBe(1)
    expect(listed.results.map(p => p.requestid)).toEqual([added.requestid])
    const byCid = await client.pinsGet({ cid: [cid] })
    expect([...byCid.results].map(p => p.pin.cid)).toEqual([cid])

    const got = await client.pinsRequestidGet({ requestid: added.requestid })
    expect(got.pin.name).toBe('client-pin')

    const other = await unknownCid('client-replacement')
    const replaced = await client.pinsRequestidPost({ requestid: added.requestid, pin: { cid: other, name: 'replaced' } })
    expect(replaced.status).toBe(Status.Queued)
    await expect(client.pinsRequestidGet({ requestid: added.requestid })).rejects.toMatchObject({ status: 404 })

    await client.pinsRequestidDelete({ requestid: replaced.requestid })
    await expect(client.pinsRequestidGet({ requestid: replaced.requestid })).rejects.toMatchObject({ status: 404 })

    const bad = new RemotePinningServiceClient(new Configuration({ endpointUrl: server.url, accessToken: 'wrong' }))
    await expect(bad.pinsGet({})).rejects.toMatchObject({ status: 401 })
  })
})
