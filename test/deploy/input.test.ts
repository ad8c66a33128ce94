/**
 * Bad input fails before anything is packed or sent, with a message that says what to do; a service that reports a
 * different CID fails the deploy naming both CIDs; tokens never show up in results, errors or progress events.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import type { DeployOptions } from '../../src/core/deploy/api.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { smallSite, tempDir } from './folders.js'

const OTHER_CID = 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u'
const SECRET = 'super-secret-token-do-not-print-42'

let scratch: Awaited<ReturnType<typeof tempDir>>
let site: string
let liar: Server
let liarUrl: string
let liarRequests = 0
let liarAuth: string[] = []

beforeAll(async () => {
  scratch = await tempDir()
  site = await smallSite(join(scratch.path, 'site'))
  // A web3.storage-compatible service that stores nothing and reports a different root.
  liar = createServer((req, res) => {
    liarRequests++
    liarAuth.push(String(req.headers.authorization))
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'POST' && req.url === '/car') res.end(JSON.stringify({ cid: OTHER_CID, carCid: 'bag' }))
      else if (req.url?.startsWith('/status/')) res.end(JSON.stringify({ cid: OTHER_CID, pins: [{ status: 'Pinned' }], deals: [] }))
      else { res.statusCode = 404; res.end('{"message":"not found"}') }
    })
  })
  await new Promise<void>(resolve => liar.listen(0, '127.0.0.1', resolve))
  liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>(resolve => liar.close(() => resolve()))
  await scratch.cleanup()
})

async function refused (path: string, options: Partial<DeployOptions>): Promise<{ err: any, events: ProgressEvent[] }> {
  const events: ProgressEvent[] = []
  const before = liarRequests
  const err = await deploy(path, { services: [], ...options, onProgress: e => events.push(e) } as DeployOptions).catch(e => e)
  expect(err).toBeInstanceOf(Error)
  // Nothing packed, nothing sent.
  expect(events.filter(e => e.type.startsWith('pinship:pack:'))).toEqual([])
  expect(liarRequests).toBe(before)
  return { err, events }
}

describe('deploy refuses bad input before packing', () => {
  it('no services', async () => {
    const { err } = await refused(site, { services: [] })
    expect(err.code).toBe('ERR_INVALID_ARGUMENT')
    expect(err.message).toMatch(/needs at least one service \(one of local, web3storage/)
  })

  it('a missing folder', async () => {
    const { err } = await refused(join(scratch.path, 'no-such-dist'), { services: [{ service: 'web3storage', endpoint: liarUrl, token: SECRET }] })
    expect(err.code).toBe('ERR_PATH_NOT_FOUND')
    expect(err.message).toMatch(/no-such-dist does not exist/)
  })

  it('an unknown service', async () => {
    const { err } = await refused(site, { services: [{ service: 'ipfs-magic' }] })
    expect(err.code).toBe('ERR_UNKNOWN_SERVICE')
    expect(err.message).toBe('unknown service "ipfs-magic": use one of local, web3storage, nftstorage, psa, pinata, kubo, cluster, filebase')
  })

  it('a missing token', async () => {
    const { err } = await refused(site, { services: [{ service: 'pinata' }] })
    expect(err.code).toBe('ERR_MISSING_TOKEN')
    expect(err.message).toBe('service pinata needs a token: pass --token or set PINSHIP_TOKEN')
  })

  it('a bad endpoint URL', async () => {
    const { err } = await refused(site, { services: [{ service: 'web3storage', endpoint: 'api.web3.storage', token: SECRET }] })
    expect(err.code).toBe('ERR_INVALID_ENDPOINT')
    expect(err.message).toMatch(/is not a URL; give an absolute URL/)
  })

  it('a shard size above what the service takes, a bad wait, timeout or gateway', async () => {
    const services = [{ service: 'web3storage', endpoint: liarUrl, token: SECRET }]
    expect((await refused(site, { services, shardSize: 200_000_000 })).err.message).toMatch(/larger than web3storage accepts in one request \(100000000 bytes\)/)
    expect((await refused(site, { services, wait: 'forever' as never })).err.message).toMatch(/wait must be one of none, uploaded, pinned, deal/)
    expect((await refused(site, { services, timeoutMs: -1 })).err.message).toMatch(/timeout must be a positive number/)
    expect((await refused(site, { services, gateways: ['not a url'] })).err.code).toBe('ERR_INVALID_ENDPOINT')
    expect((await refused(site, { services, retry: { retries: -2 } })).err.message).toBe('Expected `retries` to be ≥ 0, got -2')
  })

  it('--wait deal with a service that makes no deals', async () => {
    const { err } = await refused(site, { services: [{ service: 'kubo', endpoint: liarUrl }], wait: 'deal' })
    expect(err.message).toMatch(/--wait deal needs services that report Filecoin deals; kubo report/)
  })

  it('an empty folder, unless allowEmpty', async () => {
    const empty = join(scratch.path, 'empty')
    await mkdir(empty, { recursive: true })
    const err = await deploy(empty, { services: [{ service: 'web3storage', endpoint: liarUrl, token: SECRET }] }).catch(e => e)
    expect(err.code).toBe('ERR_EMPTY_INPUT')
    expect(err.message).toMatch(/holds no files to pack.*pass --allow-empty to pack an empty folder anyway/)
    // allowed: the empty directory is packed and sent (and the liar's CID is then caught)
    const r = await deploy(empty, { services: [{ service: 'web3storage', endpoint: liarUrl, token: SECRET }], allowEmpty: true, retry: { minDelayMs: 5 } })
    expect(r.cid).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354')
    expect(r.results[0].error?.code).toBe('ERR_CID_MISMATCH')
  })
})

describe('CID verification', () => {
  it('fails the deploy when the service reports a different root, naming both CIDs', async () => {
    const events: ProgressEvent[] = []
    const r = await deploy(site, {
      services: [{ service: 'web3storage', endpoint: liarUrl, token: SECRET }],
      retry: { minDelayMs: 5 },
      onProgress: e => events.push(e)
    })
    expect(r.ok).toBe(false)
    expect(r.results[0].status).toBeNull()
    expect(r.results[0].error?.code).toBe('ERR_CID_MISMATCH')
    expect(r.results[0].error?.message).toContain(`service web3storage reported ${OTHER_CID} but the local root is ${r.cid}`)
    expect(r.results[0].error?.message).toMatch(/Do not use the reported CID/)
    // A mismatch is not retried: exactly one upload was made.
    expect(events.filter(e => e.type === 'pinship:deploy:shard-start')).toHaveLength(1)
  })

  it('never leaks the token into results, errors or events — while really sending it', async () => {
    liarAuth = []
    const events: ProgressEvent[] = []
    const r = await deploy(site, { services: [{ service: 'web3storage', endpoint: liarUrl, token: SECRET }], retry: { minDelayMs: 5 }, onProgress: e => events.push(e) })
    expect(liarAuth).toContain(`Bearer ${SECRET}`)
    expect(JSON.stringify(r)).not.toContain(SECRET)
    expect(JSON.stringify(events)).not.toContain(SECRET)
    // nothing there: deploy fails before packing (see preflight.test.ts), and its error does not carry the token either
    const badEvents: ProgressEvent[] = []
    const bad = await deploy(site, { services: [{ service: 'pinata', endpoint: 'http://127.0.0.1:1', token: SECRET }], timeoutMs: 300, retry: { minDelayMs: 5 }, onProgress: e => badEvents.push(e) }).catch((e: Error) => e)
    expect(bad).toBeInstanceOf(Error)
    expect((bad as Error).message).toMatch(/pinata at http:\/\/127\.0\.0\.1:1/)
    expect(JSON.stringify({ message: (bad as Error).message, ...bad })).not.toContain(SECRET)
    expect(JSON.stringify(badEvents)).not.toContain(SECRET)
  })
})
