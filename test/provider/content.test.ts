/**
 * pinship_content against the real embedded service over HTTP: plan computes the CID (checked against pack() and
 * the importer's own profile), apply uploads, read refreshes and sees drift, import adopts with an empty next plan,
 * a changed file plans a replacement, destroy removes; every failure is a diagnostic naming what to fix.
 */
import { rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy, getPin, list, pack, pin, status, unpin } from '../../src/core/index.js'
import { contentResource as content } from '../../provider/src/resources/content.js'
import { DiagnosticsError, UNKNOWN, type TfObject } from '../../provider/src/framework/types.js'
import { smallSite } from '../deploy/folders.js'
import { FAST, useEmbeddedService } from '../deploy/embedded.js'
import { importerCid } from '../pack/oracles.js'
import { context, fastClient, hasUnknown, knownValuesKept } from './helpers.js'

const TOKEN = 'provider-content-token-0123456789'
const env = useEmbeddedService(TOKEN)
let site: string
let oracle: string

const client = (token = TOKEN, endpoint?: string) => fastClient({ service: 'local', endpoint: endpoint ?? env.server.url, token, timeoutMs: 30_000 })
const op = () => ({ service: { service: 'local', endpoint: env.server.url, token: TOKEN } })

function config (over: Partial<TfObject> = {}): TfObject {
  return { source: site, profile: null, hidden: null, exclude: null, name: null, wait_for: null, cid: null, size: null, car_size: null, files: null, url: null, urls: null, status: null, deals: null, timeouts: null, ...over }
}

async function planCreate (cfg: TfObject, ctx = context(client())) {
  return await content.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
}

async function create (cfg: TfObject): Promise<{ state: TfObject, priv: Uint8Array | undefined }> {
  const ctx = context(client())
  const { planned } = await planCreate(cfg, ctx)
  const out = await content.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
  expect(out.diagnostics ?? []).toEqual([])
  return { state: out.state as TfObject, priv: out.private }
}

async function diagnosticsOf (p: Promise<unknown>): Promise<DiagnosticsError['diagnostics']> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(DiagnosticsError)
  return (err as DiagnosticsError).diagnostics
}

beforeAll(async () => {
  site = await smallSite(join(env.scratch, 'site'))
  oracle = await importerCid(site, 'unixfs-v1-2025')
})

describe('pinship_content plan', () => {
  it('computes the CID, sizes and URLs during plan, uploading nothing; status and deals stay unknown', async () => {
    const ctx = context(client())
    const { planned, requiresReplace } = await planCreate(config(), ctx)
    const packed = await pack(site)
    expect(packed.cid).toBe(oracle)
    const port = env.server.port
    expect(planned).toEqual({
      source: null, profile: null, hidden: null, exclude: null,
      name: basename(site),
      wait_for: 'pinned',
      cid: oracle,
      size: packed.bytes,
      car_size: packed.carBytes,
      files: 4,
      url: `http://${oracle}.ipfs.localhost:${port}/`,
      urls: [`http://127.0.0.1:${port}/ipfs/${oracle}/`, `http://${oracle}.ipfs.localhost:${port}/`],
      status: UNKNOWN,
      deals: UNKNOWN,
      timeouts: null
    })
    expect(requiresReplace).toBeUndefined()
    // nothing was uploaded by planning
    expect((await status(oracle, op())).pin).toBeNull()
    expect(ctx.lines.some(l => l.level === 'info' && l.message.includes(oracle))).toBe(true)
  })

  it('leaves everything derived from the folder unknown while source is unknown', async () => {
    const { planned } = await planCreate(config({ source: UNKNOWN }))
    for (const k of ['cid', 'size', 'car_size', 'files', 'url', 'urls', 'name', 'status', 'deals']) expect(planned?.[k]).toBe(UNKNOWN)
    expect(planned?.source).toBeNull()
  })

  it('applies profile, hidden and exclude exactly as pack() does', async () => {
    const cases: Array<[Partial<TfObject>, Parameters<typeof pack>[1]]> = [
      [{ profile: 'unixfs-v0-2015' }, { profile: 'unixfs-v0-2015' }],
      [{ hidden: false }, { hidden: false }],
      [{ exclude: ['**/*.css', '.well-known/'] }, { ignore: (rel, dir) => rel.endsWith('.css') || (dir && rel === '.well-known') }]
    ]
    for (const [over, opts] of cases) {
      const { planned } = await planCreate(config(over))
      const expected = await pack(site, opts)
      expect(planned?.cid).toBe(expected.cid)
      expect(planned?.cid).not.toBe(oracle)
      expect(planned?.files).toBe(expected.files)
    }
    expect((await planCreate(config({ hidden: false })))?.planned?.cid).toBe(await importerCid(site, 'unixfs-v1-2025', { hidden: false }))
  })

  it('names source when the folder is missing or empty, and checks the other inputs before packing', async () => {
    const [missing] = await diagnosticsOf(planCreate(config({ source: join(env.scratch, 'no-such-dir') })))
    expect(missing).toMatchObject({ severity: 'error', summary: 'Source not found', attribute: ['source'] })
    expect(missing.detail).toContain('no-such-dir')
    const empty = join(env.scratch, 'empty')
    await (await import('node:fs/promises')).mkdir(empty, { recursive: true })
    expect((await diagnosticsOf(planCreate(config({ source: empty }))))[0]).toMatchObject({ summary: 'Nothing to pack', attribute: ['source'] })

    expect(content.validate?.(config({ profile: 'nope', wait_for: 'forever', exclude: ['../up'], timeouts: { create: '10 minutes', update: null, delete: null } }))).toEqual([
      expect.objectContaining({ summary: 'Unknown CID profile', attribute: ['profile'] }),
      expect.objectContaining({ summary: 'Invalid exclude pattern', attribute: ['exclude', 0] }),
      expect.objectContaining({ summary: 'Invalid wait_for', attribute: ['wait_for'] }),
      expect.objectContaining({ summary: 'Invalid timeout', attribute: ['timeouts', 'create'] })
    ])
    expect(content.validate?.(config({ source: UNKNOWN, exclude: UNKNOWN }))).toEqual([])
  })

  it('refuses wait_for = "deal" on a service that makes no deals, at plan time', async () => {
    // Kubo makes no deals (the embedded service does, through its local pipeline)
    const kubo = context(fastClient({ service: 'kubo', endpoint: env.server.url, timeoutMs: 30_000 }))
    expect((await diagnosticsOf(planCreate(config({ wait_for: 'deal' }), kubo)))[0]).toMatchObject({ summary: 'No Filecoin deals on this service', attribute: ['wait_for'] })
  })
})

describe('pinship_content lifecycle', () => {
  let state: TfObject
  let priv: Uint8Array | undefined

  it('create uploads, waits until pinned and fills in every unknown', async () => {
    const ctx = context(client())
    const cfg = config({ name: 'provider site' })
    const { planned } = await planCreate(cfg, ctx)
    const out = await content.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.diagnostics ?? []).toEqual([])
    state = out.state as TfObject
    priv = out.private
    expect(hasUnknown(state)).toBe(false)
    expect(knownValuesKept(planned as TfObject, state)).toEqual([])
    expect(state).toMatchObject({ cid: oracle, status: 'pinned', deals: [], name: 'provider site', source: null, profile: null, hidden: null, exclude: null })
    expect((await status(oracle, op())).pin).toBe('pinned')
    expect((await list({ ...op(), limit: 100 })).find(p => p.cid === oracle)?.name).toBe('provider site')
    expect(ctx.lines.filter(l => l.level === 'info').map(l => l.message)).toEqual(expect.arrayContaining([
      expect.stringContaining('deploy:uploaded'), expect.stringContaining('deploy:done')
    ]))
    expect(ctx.lines.some(l => l.level === 'debug' && l.message.includes('bytes'))).toBe(true)
    expect(JSON.stringify(ctx.lines)).not.toContain(TOKEN)
  })

  it('plans nothing when nothing changed: planned equals prior exactly', async () => {
    const cfg = config({ name: 'provider site' })
    const out = await content.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: priv ?? new Uint8Array() }, context(client()))
    expect(out.planned).toEqual(state)
    expect(out.requiresReplace).toBeUndefined()
  })

  it('read refreshes the status from the service and keeps the rest', async () => {
    const out = await content.read({ state, private: priv ?? new Uint8Array() }, context(client()))
    expect(out.state).toEqual(state)
  })

  it('a changed name deploys again in place; a changed timeouts block only updates state', async () => {
    const cfg = config({ name: 'renamed site' })
    const ctx = context(client())
    const plan = await content.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    expect(plan.requiresReplace).toBeUndefined()
    expect(plan.planned).toMatchObject({ cid: oracle, name: 'renamed site', status: UNKNOWN, deals: UNKNOWN, size: state.size })
    const out = await content.apply({ prior: state, planned: plan.planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.diagnostics ?? []).toEqual([])
    expect(out.state).toEqual({ ...state, name: 'renamed site' })
    expect((await list({ ...op(), limit: 100 })).find(p => p.cid === oracle)?.name).toBe('renamed site')
    state = out.state as TfObject

    const timeouts = { create: '5m', update: null, delete: '1m' }
    const cfg2 = config({ name: 'renamed site', timeouts })
    const plan2 = await content.plan({ prior: state, proposed: cfg2, config: cfg2, priorPrivate: new Uint8Array() }, ctx)
    expect(plan2.planned).toEqual({ ...state, timeouts })
    const out2 = await content.apply({ prior: state, planned: plan2.planned, config: cfg2, plannedPrivate: new Uint8Array() }, ctx)
    expect(out2.state).toEqual({ ...state, timeouts })
  })

  it('import by CID adopts the upload and the next plan of the same folder is empty', async () => {
    const ctx = context(client())
    const imported = await content.importState?.(oracle, ctx)
    const refreshed = await content.read({ state: imported?.state as TfObject, private: imported?.private ?? new Uint8Array() }, ctx)
    const prior = refreshed.state as TfObject
    expect(prior).toMatchObject({ cid: oracle, status: 'pinned', name: 'renamed site', wait_for: 'pinned', size: null, car_size: null, files: null, url: state.url, urls: state.urls })
    expect(hasUnknown(prior)).toBe(false)
    for (const cfg of [config(), config({ name: 'renamed site' }), config({ wait_for: 'pinned' })]) {
      const out = await content.plan({ prior, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
      expect(out.planned).toEqual(prior)
      expect(out.requiresReplace).toBeUndefined()
    }
    // a folder that packs to another CID is a replacement, even right after import
    const other = config({ exclude: ['css/'] })
    expect((await content.plan({ prior, proposed: other, config: other, priorPrivate: new Uint8Array() }, ctx)).requiresReplace).toEqual(['cid'])
  })

  it('import refuses a bad CID and one the service does not hold', async () => {
    const ctx = context(client())
    expect((await diagnosticsOf(content.importState?.('not-a-cid', ctx) as Promise<unknown>))[0]).toMatchObject({ summary: 'Invalid CID to import' })
    const absent = (await pack(site, { profile: 'unixfs-v0-2015' })).cid
    const [d] = await diagnosticsOf(content.importState?.(absent, ctx) as Promise<unknown>)
    expect(d).toMatchObject({ summary: 'Content not found on the service' })
    expect(d.detail).toContain(absent)
  })

  it('a changed file plans a replacement showing old and new CID; destroy and create carry it out', async () => {
    const ctx = context(client())
    await writeFile(join(site, 'index.html'), '<!doctype html><title>pinship test, second edition</title>\n')
    try {
      const cfg = config({ name: 'renamed site' })
      const plan = await content.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
      const fresh = await importerCid(site, 'unixfs-v1-2025')
      expect(fresh).not.toBe(oracle)
      expect(plan.requiresReplace).toEqual(['cid'])
      expect(state.cid).toBe(oracle)
      expect(plan.planned?.cid).toBe(fresh)

      const gone = await content.apply({ prior: state, planned: null, config: null, plannedPrivate: new Uint8Array() }, ctx)
      expect(gone).toEqual({ state: null })
      expect((await status(oracle, op())).pin).toBeNull()
      // destroying what is already gone is fine
      expect(await content.apply({ prior: state, planned: null, config: null, plannedPrivate: new Uint8Array() }, ctx)).toEqual({ state: null })

      const made = await create(cfg)
      expect(made.state.cid).toBe(fresh)
      expect((await status(fresh, op())).pin).toBe('pinned')
      state = made.state
    } finally {
      await smallSite(site)
    }
  })

  it('content removed behind Terraform\'s back reads as gone, so the next plan re-creates it', async () => {
    await unpin(state.cid as string, { service: { service: 'local', endpoint: env.server.url, token: TOKEN } })
    expect((await content.read({ state, private: new Uint8Array() }, context(client()))).state).toBeNull()
  })
})

describe('pinship_content on a pin-by-CID service (the embedded service\'s Pinning Service API as service = "psa")', () => {
  it('pins by CID, reads by request id, and destroy removes its own request only', async () => {
    await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], ...FAST })
    const psa = fastClient({ service: 'psa', endpoint: env.server.url, token: TOKEN, timeoutMs: 30_000 })
    const ctx = context(psa)
    const cfg = config({ name: 'by cid' })
    const plan = await content.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    expect(plan.planned?.urls).toEqual(['https://inbrowser.link/ipfs/' + oracle + '/', `https://${oracle}.ipfs.inbrowser.link/`, 'https://dweb.link/ipfs/' + oracle + '/', `https://${oracle}.ipfs.dweb.link/`])
    const out = await content.apply({ prior: null, planned: plan.planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.diagnostics ?? []).toEqual([])
    const state = out.state as TfObject
    expect(state).toMatchObject({ cid: oracle, status: 'pinned' })
    const requestId = JSON.parse(Buffer.from(out.private as Uint8Array).toString()).requestId as string
    expect(await getPin(requestId, op())).toMatchObject({ cid: oracle, name: 'by cid' })
    expect((await content.read({ state, private: out.private as Uint8Array }, ctx)).state).toEqual(state)

    // another pin of the same CID (as a pinship_pin would make) survives the content's destroy
    const other = await pin(oracle, { ...op(), name: 'someone else' })
    const destroy = await content.plan({ prior: state, proposed: null, config: null, priorPrivate: out.private as Uint8Array }, ctx)
    expect(await content.apply({ prior: state, planned: null, config: null, plannedPrivate: destroy.plannedPrivate as Uint8Array }, ctx)).toEqual({ state: null })
    expect(await getPin(requestId, op())).toBeNull()
    expect(await getPin(other.requestId as string, op())).toMatchObject({ name: 'someone else' })
  })
})

describe('pinship_content failures are diagnostics', () => {
  it('a wrong token: summary says so, the token never appears', async () => {
    const bad = 'wrong-token-shhh-0123456789'
    const ctx = context(client(bad))
    const cfg = config()
    const { planned } = await planCreate(cfg, ctx)
    const out = await content.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.state).toBeNull()
    expect(out.diagnostics).toEqual([expect.objectContaining({ severity: 'error', summary: 'The service rejected the token' })])
    expect(out.diagnostics?.[0].detail).toMatch(/token in the provider "pinship" block/)
    expect(JSON.stringify(out.diagnostics) + JSON.stringify(ctx.lines)).not.toContain(bad)
  })

  it('an unreachable endpoint fails within seconds, not after a minute of retries', async () => {
    const { createServer } = await import('node:net')
    const probe = createServer()
    await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>(resolve => probe.close(() => resolve()))
    const ctx = context(fastClient({ service: 'local', endpoint: `http://127.0.0.1:${port}`, token: TOKEN, retry: { minDelayMs: 1000 } }))
    const cfg = config()
    const { planned } = await planCreate(cfg, ctx)
    const started = Date.now()
    const out = await content.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(out.state).toBeNull()
    expect(out.diagnostics?.[0]).toMatchObject({ summary: 'Cannot reach the service' })
    expect(out.diagnostics?.[0].detail).toMatch(/connection refused[\s\S]*check endpoint/)
  })

  it('Terraform\'s stop (StopProvider) cancels an apply with a "Cancelled" diagnostic', async () => {
    const stop = new AbortController()
    stop.abort(new Error('Terraform asked the provider to stop (interrupt)'))
    const ctx = context(client(), stop.signal)
    const cfg = config()
    const { planned } = await planCreate(cfg)
    const [d] = await diagnosticsOf(content.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx))
    expect(d).toMatchObject({ summary: 'Cancelled' })
    expect(d.detail).toMatch(/asked the provider to stop/)
  })

  it('the folder changing between plan and apply is caught before anything is recorded', async () => {
    const cfg = config()
    const { planned } = await planCreate(cfg)
    const extra = join(site, 'late.txt')
    await writeFile(extra, 'written after plan\n')
    try {
      const [d] = await diagnosticsOf(content.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, context(client())))
      expect(d).toMatchObject({ summary: 'The source changed between plan and apply', attribute: ['source'] })
    } finally {
      await rm(extra)
    }
  })
})
