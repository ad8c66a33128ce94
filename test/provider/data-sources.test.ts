/** data.pinship_cid (local packing, checked against the importer's own profiles) and data.pinship_status (the embedded service). */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/index.js'
import { cidDataSource } from '../../provider/src/resources/data-cid.js'
import { statusDataSource } from '../../provider/src/resources/data-status.js'
import { DiagnosticsError, UNKNOWN } from '../../provider/src/framework/types.js'
import { smallSite } from '../deploy/folders.js'
import { FAST, useEmbeddedService } from '../deploy/embedded.js'
import { importerCid } from '../pack/oracles.js'
import { context, fastClient } from './helpers.js'

const TOKEN = 'provider-data-token-0123456789'
const env = useEmbeddedService(TOKEN)
let site: string

const client = () => fastClient({ service: 'local', endpoint: env.server.url, token: TOKEN })

beforeAll(async () => {
  site = await smallSite(join(env.scratch, 'site'))
})

describe('data.pinship_cid', () => {
  it.each([
    ['unixfs-v1-2025', true],
    ['unixfs-v0-2015', true],
    ['unixfs-v1-2025', false]
  ] as const)('profile %s, hidden %s: the importer\'s own CID, nothing uploaded', async (profile, hidden) => {
    const config = { source: site, profile, hidden, exclude: null, cid: null, size: null, files: null }
    const { state } = await cidDataSource.read(config, context(client()))
    expect(state).toEqual({ ...config, cid: await importerCid(site, profile, { hidden }), size: expect.any(Number), files: hidden ? 4 : 3 })
  })

  it('the default profile and exclude; a missing folder is a diagnostic on source', async () => {
    const { state } = await cidDataSource.read({ source: site, profile: null, hidden: null, exclude: ['.well-known/'], cid: null, size: null, files: null }, context(client()))
    expect(state.cid).toBe(await importerCid(site, 'unixfs-v1-2025', { hidden: false }))
    const err = await cidDataSource.read({ source: join(site, 'nope'), profile: null, hidden: null, exclude: null, cid: null, size: null, files: null }, context(client())).catch((e: unknown) => e)
    expect((err as DiagnosticsError).diagnostics[0]).toMatchObject({ summary: 'Source not found', attribute: ['source'] })
    expect(cidDataSource.validate?.({ source: '', profile: 'x', hidden: null, exclude: [null], cid: null, size: null, files: null })).toEqual([
      expect.objectContaining({ attribute: ['source'] }),
      expect.objectContaining({ attribute: ['profile'] }),
      expect.objectContaining({ attribute: ['exclude', 0] })
    ])
  })
})

describe('data.pinship_status', () => {
  it('reports pinned, the peer that holds it and no deals; unknown CIDs have no status', async () => {
    const cid = (await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], ...FAST })).cid
    const { state } = await statusDataSource.read({ cid, status: null, pins: null, deals: null }, context(client()))
    expect(state).toEqual({
      cid,
      status: 'pinned',
      pins: [{ service: 'local', peer_id: expect.stringMatching(/^12D3Koo|^Qm|^bafz/), peer_name: expect.any(String), status: 'pinned', raw_status: 'Pinned' }],
      deals: []
    })
    const other = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    expect((await statusDataSource.read({ cid: other, status: null, pins: null, deals: null }, context(client()))).state).toEqual({ cid: other, status: null, pins: [], deals: [] })
  })

  it('validates the CID', () => {
    expect(statusDataSource.validate?.({ cid: 'nope', status: null, pins: null, deals: null })).toEqual([expect.objectContaining({ summary: 'Invalid CID', attribute: ['cid'] })])
    expect(statusDataSource.validate?.({ cid: UNKNOWN, status: null, pins: null, deals: null })).toEqual([])
  })
})
