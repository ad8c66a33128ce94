/** Pin requests addressed by id (PSA get, replace, remove) through the core ops, against the real embedded service. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy, getPin, pack, pin, record, removePin, replacePin, unpin, waitForPin } from '../../src/core/index.js'
import { smallSite } from './folders.js'
import { FAST, useEmbeddedService } from './embedded.js'

const TOKEN = 'pin-requests-token-0123456789'
const env = useEmbeddedService(TOKEN)
let cid: string

beforeAll(async () => {
  const site = await smallSite(join(env.scratch, 'site'))
  cid = (await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], ...FAST })).cid
})

const ops = (token = TOKEN) => ({ service: { service: 'local', endpoint: env.server.url, token }, ...FAST })

describe('pin requests by id', () => {
  it('pins with name, origins and meta, reads the request back, replaces it and removes it', async () => {
    const origins = ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA']
    const made = await pin(cid, { ...ops(), name: 'first', origins, meta: { app: 'pinship' }, wait: 'pinned' })
    expect(made.status?.pin).toBe('pinned')
    const got = await getPin(made.requestId as string, ops())
    expect(got).toMatchObject({ requestId: made.requestId, cid, pin: 'pinned', rawStatus: 'pinned', name: 'first', origins, meta: { app: 'pinship' } })
    expect(got?.delegates).toEqual([`/ip4/127.0.0.1/tcp/${env.server.port}/http`])
    expect(Date.parse(got?.created as string)).not.toBeNaN()

    const replaced = await replacePin(made.requestId as string, cid, { ...ops(), name: 'second', wait: 'pinned' })
    expect(replaced.requestId).not.toBe(made.requestId)
    expect(await getPin(made.requestId as string, ops())).toBeNull()
    expect(await getPin(replaced.requestId as string, ops())).toMatchObject({ name: 'second', origins: [], meta: {}, pin: 'pinned' })

    expect(await removePin(replaced.requestId as string, ops())).toBe(true)
    expect(await removePin(replaced.requestId as string, ops())).toBe(false)
    expect(await getPin(replaced.requestId as string, ops())).toBeNull()
  })

  it('waitForPin waits on a request made without waiting, and times out on one that cannot complete', async () => {
    const made = await pin(cid, { ...ops(), name: 'later' })
    expect(made.status).toBeNull()
    expect((await waitForPin(cid, { ...ops(), requestId: made.requestId as string, wait: 'pinned' }))?.pin).toBe('pinned')
    const absent = (await pack(join(env.scratch, 'site'), { profile: 'unixfs-v0-2015' })).cid
    const queued = await pin(absent, ops())
    await expect(waitForPin(absent, { ...ops(), requestId: queued.requestId as string, wait: 'pinned', timeoutMs: 200 }))
      .rejects.toMatchObject({ code: 'ERR_WAIT_TIMEOUT', message: expect.stringContaining('last state queued') })
  })

  it('another token does not see the request; a bad token is refused', async () => {
    const made = await pin(cid, { ...ops(), name: 'mine' })
    await expect(getPin(made.requestId as string, ops('not-a-token'))).rejects.toMatchObject({ code: 'ERR_AUTH' })
    await expect(replacePin('no-such-id', cid, ops())).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    await expect(getPin('  ', ops())).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(getPin('x', { service: { service: 'kubo', endpoint: 'http://127.0.0.1:1' } })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
  })
})

describe('the account\'s own record of a CID (web3.storage uploads)', () => {
  it('names the upload and when it was first stored; gone after unpin; services without such records say so', async () => {
    const site = await smallSite(join(env.scratch, 'record-site'))
    await writeFile(join(site, 'record.txt'), 'a root of its own\n')
    const before = Date.now()
    const deployed = await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], name: 'first name', ...FAST })
    const first = await record(deployed.cid, ops())
    expect(first).toMatchObject({ cid: deployed.cid, name: 'first name', pin: 'pinned' })
    expect(Date.parse(first?.created as string)).toBeGreaterThanOrEqual(before - 1000)
    // A second upload of the same root renames the one record and keeps its creation time.
    await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], name: 'second name', ...FAST })
    expect(await record(deployed.cid, ops())).toMatchObject({ name: 'second name', created: first?.created })
    await expect(record(deployed.cid, { service: { service: 'kubo', endpoint: 'http://127.0.0.1:1' } })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    await unpin(deployed.cid, ops())
    expect(await record(deployed.cid, ops())).toBeNull()
  })
})
