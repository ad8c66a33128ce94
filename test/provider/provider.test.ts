/** The provider block: schema, checks, configuration from the block and the environment, and durations. */
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { provider } from '../../provider/src/provider.js'
import { parseDuration } from '../../provider/src/duration.js'
import { DiagnosticsError, UNKNOWN, type BlockSchema, type TfObject } from '../../provider/src/framework/types.js'
import { contentResource } from '../../provider/src/resources/content.js'
import { cidDataSource } from '../../provider/src/resources/data-cid.js'
import { smallSite, tempDir } from '../deploy/folders.js'
import { captureLog, context } from './helpers.js'

const SECRET = 'provider-config-secret-0123456789'
const ENV_KEYS = ['PINSHIP_SERVICE', 'PINSHIP_TOKEN', 'PINSHIP_ENDPOINT', 'PINSHIP_LOCAL_TOKEN', 'PINSHIP_LOCAL_ENDPOINT', 'PINSHIP_PSA_TOKEN', 'PINSHIP_PSA_ENDPOINT']
const saved = Object.fromEntries(ENV_KEYS.map(k => [k, process.env[k]]))
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})
beforeAll(() => { for (const k of ENV_KEYS) delete process.env[k] })

function block (over: Partial<TfObject> = {}): TfObject {
  return { service: null, endpoint: null, token: null, timeout: null, gateways: null, ...over }
}

async function configure (config: TfObject) {
  const { log, lines } = captureLog()
  const client = await provider.configure(config, { terraformVersion: '1.11.4', log })
  return { client, lines }
}

function descriptionsMissing (b: BlockSchema, path: string): string[] {
  const missing = Object.entries(b.attributes).filter(([, a]) => a.description.trim().length < 10).map(([n]) => `${path}.${n}`)
  for (const [n, nb] of Object.entries(b.blocks ?? {})) missing.push(...descriptionsMissing(nb.block, `${path}.${n}`))
  return missing
}

describe('schema', () => {
  it('names exactly what issue 8 names, with a description on every attribute', () => {
    expect(provider.resources.map(r => r.name)).toEqual(['pinship_content', 'pinship_pin'])
    expect(provider.dataSources.map(d => d.name)).toEqual(['pinship_cid', 'pinship_status'])
    expect(Object.keys(provider.schema.block.attributes)).toEqual(['service', 'endpoint', 'token', 'timeout', 'gateways'])
    const content = provider.resources[0].schema.block
    expect(Object.keys(content.attributes).sort()).toEqual(['car_size', 'cid', 'deals', 'exclude', 'files', 'hidden', 'name', 'profile', 'size', 'source', 'status', 'url', 'urls', 'wait_for'])
    expect(Object.keys(content.blocks ?? {})).toEqual(['timeouts'])
    expect(Object.keys(provider.resources[1].schema.block.attributes).sort()).toEqual(['cid', 'created', 'delegates', 'meta', 'name', 'origins', 'request_id', 'status', 'wait_for'])
    const missing = [
      ...descriptionsMissing(provider.schema.block, 'provider'),
      ...provider.resources.flatMap(r => descriptionsMissing(r.schema.block, r.name)),
      ...provider.dataSources.flatMap(d => descriptionsMissing(d.schema.block, d.name))
    ]
    expect(missing).toEqual([])
  })

  it('token is sensitive; content\'s packing inputs are write-only, the data source\'s are not', () => {
    expect(provider.schema.block.attributes.token.sensitive).toBe(true)
    for (const k of ['source', 'profile', 'hidden', 'exclude']) {
      expect(contentResource.schema.block.attributes[k].writeOnly).toBe(true)
      expect(contentResource.schema.block.attributes[k].computed).toBeUndefined()
      expect(cidDataSource.schema.block.attributes[k].writeOnly).toBeUndefined()
    }
    expect(contentResource.schema.block.attributes.wait_for).toMatchObject({ optional: true, computed: true })
  })
})

describe('provider block checks', () => {
  it('each bad setting is an error on its attribute', () => {
    expect(provider.validate?.(block({ service: 'ipfs', endpoint: 'localhost:8787', timeout: '10 minutes', gateways: ['dweb.link', null] }))).toEqual([
      expect.objectContaining({ summary: 'Unknown service', attribute: ['service'] }),
      expect.objectContaining({ summary: 'Invalid endpoint', attribute: ['endpoint'] }),
      expect.objectContaining({ summary: 'Invalid timeout', attribute: ['timeout'] }),
      expect.objectContaining({ summary: 'Invalid gateway', attribute: ['gateways', 0] }),
      expect.objectContaining({ summary: 'Invalid gateway', attribute: ['gateways', 1] })
    ])
    expect(provider.validate?.(block({ service: 'local,psa' }))?.[0].detail).toMatch(/alias/)
    expect(provider.validate?.(block({ service: UNKNOWN, endpoint: UNKNOWN }))).toEqual([])
    expect(provider.validate?.(block({ service: 'psa', endpoint: 'https://api.pinata.cloud/psa', timeout: '1h30m', gateways: ['https://dweb.link/'] }))).toEqual([])
  })

  it('configure refuses what validate refuses', async () => {
    const err = await configure(block({ service: 'nope' })).catch((e: unknown) => e)
    expect((err as DiagnosticsError).diagnostics[0]).toMatchObject({ summary: 'Unknown service', attribute: ['service'] })
    process.env.PINSHIP_SERVICE = 'nope'
    const fromEnv = await configure(block()).catch((e: unknown) => e)
    expect((fromEnv as DiagnosticsError).diagnostics[0].detail).toMatch(/PINSHIP_SERVICE/)
  })
})

describe('configure', () => {
  it('takes the block\'s settings; defaults to local, 10m and the local gateway; logs no secret', async () => {
    const { client, lines } = await configure(block({ endpoint: 'http://127.0.0.1:8787/', token: SECRET }))
    expect(client).toMatchObject({ slug: 'local', timeoutMs: 600_000, gateways: ['http://127.0.0.1:8787'], deferred: false })
    expect(client.service()).toEqual({ service: 'local', endpoint: 'http://127.0.0.1:8787/', token: SECRET })
    expect(JSON.stringify(lines)).not.toContain(SECRET)
    expect(lines[0].fields).toMatchObject({ service: 'local', token: 'set', timeout: '10m' })

    const psa = (await configure(block({ service: 'psa', endpoint: 'https://psa.example/psa', token: SECRET, timeout: '90s', gateways: ['https://dweb.link/'] }))).client
    expect(psa).toMatchObject({ slug: 'psa', timeoutMs: 90_000, gateways: ['https://dweb.link'] })
    expect(psa.urls('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).toEqual({
      url: 'https://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy.ipfs.dweb.link/',
      urls: ['https://dweb.link/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/', 'https://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy.ipfs.dweb.link/']
    })
  })

  it('reads PINSHIP_<SERVICE>_TOKEN before PINSHIP_TOKEN, and the endpoint the same way', async () => {
    process.env.PINSHIP_TOKEN = 'generic-token'
    process.env.PINSHIP_PSA_TOKEN = 'psa-token'
    process.env.PINSHIP_PSA_ENDPOINT = 'https://psa.example/psa'
    expect((await configure(block({ service: 'psa' }))).client.service()).toEqual({ service: 'psa', endpoint: 'https://psa.example/psa', token: 'psa-token' })
    process.env.PINSHIP_ENDPOINT = 'http://127.0.0.1:9'
    expect((await configure(block())).client.service()).toEqual({ service: 'local', endpoint: 'http://127.0.0.1:9', token: 'generic-token' })
    // the block wins over the environment
    expect((await configure(block({ token: 'block-token' }))).client.service().token).toBe('block-token')
  })

  it('a missing token or endpoint fails the plan of anything that talks to the service, not the CID data source', async () => {
    const dir = await tempDir()
    try {
      const site = await smallSite(join(dir.path, 'site'))
      const { client } = await configure(block({ endpoint: 'http://127.0.0.1:9' }))
      expect(() => client.service()).toThrow(DiagnosticsError)
      const cfg = { source: site, profile: null, hidden: null, exclude: null, name: null, wait_for: null, cid: null, size: null, car_size: null, files: null, url: null, urls: null, status: null, deals: null, timeouts: null }
      const err = await contentResource.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client)).catch((e: unknown) => e)
      expect((err as DiagnosticsError).diagnostics[0]).toMatchObject({ summary: 'No token for local' })
      expect((err as DiagnosticsError).diagnostics[0].detail).toMatch(/PINSHIP_LOCAL_TOKEN or PINSHIP_TOKEN/)
      const data = await cidDataSource.read({ source: site, profile: null, hidden: null, exclude: null, cid: null, size: null, files: null }, context(client))
      expect(data.state.cid).toMatch(/^bafy/)

      const noEndpoint = (await configure(block({ token: SECRET }))).client
      expect(() => noEndpoint.service()).toThrow(/not fully configured/)
    } finally {
      await dir.cleanup()
    }
  })

  it('values known only after apply: plans go ahead, reads keep the state', async () => {
    const dir = await tempDir()
    try {
      const site = await smallSite(join(dir.path, 'site'))
      const { client } = await configure(block({ endpoint: UNKNOWN, token: SECRET }))
      expect(client.deferred).toBe(true)
      const cfg = { source: site, profile: null, hidden: null, exclude: null, name: null, wait_for: 'deal', cid: null, size: null, car_size: null, files: null, url: null, urls: null, status: null, deals: null, timeouts: null }
      const { planned } = await contentResource.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client))
      expect(planned?.cid).toMatch(/^bafy/)
      const state = { ...cfg, source: null, wait_for: 'pinned', status: 'pinned' }
      expect((await contentResource.read({ state, private: new Uint8Array() }, context(client))).state).toBe(state)
    } finally {
      await dir.cleanup()
    }
  })
})

describe('durations', () => {
  it.each([['90s', 90_000], ['10m', 600_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000], ['500ms', 500], ['2m30s', 150_000]])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })
  it.each(['', '10', '10 minutes', '-5m', '0s', 'm', '5d', '1h 30m'])('%j is refused', text => {
    expect(parseDuration(text)).toBeUndefined()
  })
})
