/**
 * pinship_pin against the embedded service's Pinning Service API (service = "local"): create waits until pinned,
 * a rename replaces the request in place (new request_id, old one gone), import by request id plans nothing,
 * a pin removed behind Terraform's back reads as gone, destroy removes it.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy, getPin, pack, removePin } from '../../src/core/index.js'
import { pinResource as pin } from '../../provider/src/resources/pin.js'
import { DiagnosticsError, UNKNOWN, type TfObject } from '../../provider/src/framework/types.js'
import { smallSite } from '../deploy/folders.js'
import { FAST, useEmbeddedService } from '../deploy/embedded.js'
import { context, fastClient, hasUnknown, knownValuesKept } from './helpers.js'

const TOKEN = 'provider-pin-token-0123456789'
const env = useEmbeddedService(TOKEN)
let cid: string
let absent: string

const client = (over: { timeoutMs?: number, service?: 'local' | 'kubo' } = {}) =>
  fastClient({ service: over.service ?? 'local', endpoint: env.server.url, token: TOKEN, timeoutMs: over.timeoutMs ?? 30_000 })
const op = () => ({ service: { service: 'local', endpoint: env.server.url, token: TOKEN } })

function config (over: Partial<TfObject> = {}): TfObject {
  return { cid, name: null, origins: null, meta: null, wait_for: null, request_id: null, status: null, delegates: null, created: null, ...over }
}

async function diagnosticsOf (p: Promise<unknown>): Promise<DiagnosticsError['diagnostics']> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(DiagnosticsError)
  return (err as DiagnosticsError).diagnostics
}

beforeAll(async () => {
  const site = await smallSite(join(env.scratch, 'site'))
  cid = (await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], ...FAST })).cid
  // a CID the service has never received: its pins stay queued
  absent = (await pack(site, { profile: 'unixfs-v0-2015' })).cid
})

describe('pinship_pin', () => {
  let state: TfObject
  const origins = ['/ip4/192.0.2.7/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA']

  it('plans a create with the request fields as configured and the rest unknown', async () => {
    const cfg = config({ name: 'site pin', origins, meta: { env: 'test' } })
    const { planned } = await pin.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client()))
    expect(planned).toEqual({ ...cfg, wait_for: 'pinned', request_id: UNKNOWN, status: UNKNOWN, delegates: UNKNOWN, created: UNKNOWN })
  })

  it('create pins and waits until pinned; the service holds the request with those fields', async () => {
    const ctx = context(client())
    const cfg = config({ name: 'site pin', origins, meta: { env: 'test' } })
    const { planned } = await pin.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    const out = await pin.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.diagnostics ?? []).toEqual([])
    state = out.state as TfObject
    expect(hasUnknown(state)).toBe(false)
    expect(knownValuesKept(planned as TfObject, state)).toEqual([])
    expect(state).toMatchObject({ status: 'pinned', delegates: [`/ip4/127.0.0.1/tcp/${env.server.port}/http`] })
    expect(Date.parse(state.created as string)).not.toBeNaN()
    expect(await getPin(state.request_id as string, op())).toMatchObject({ cid, name: 'site pin', origins, meta: { env: 'test' }, pin: 'pinned' })
  })

  it('plans nothing when nothing changed, and read keeps the state', async () => {
    const cfg = config({ name: 'site pin', origins, meta: { env: 'test' } })
    const out = await pin.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client()))
    expect(out.planned).toEqual(state)
    expect(out.requiresReplace).toBeUndefined()
    expect((await pin.read({ state, private: new Uint8Array() }, context(client()))).state).toEqual(state)
  })

  it('a rename updates in place through a PSA replace: new request_id, the old request is gone', async () => {
    const ctx = context(client())
    const cfg = config({ name: 'renamed pin', origins, meta: { env: 'test' } })
    const plan = await pin.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    expect(plan.requiresReplace).toBeUndefined()
    expect(plan.planned).toMatchObject({ name: 'renamed pin', request_id: UNKNOWN, status: UNKNOWN })
    const out = await pin.apply({ prior: state, planned: plan.planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.diagnostics ?? []).toEqual([])
    const next = out.state as TfObject
    expect(next.request_id).not.toBe(state.request_id)
    expect(next).toMatchObject({ name: 'renamed pin', status: 'pinned' })
    expect(await getPin(state.request_id as string, op())).toBeNull()
    expect(await getPin(next.request_id as string, op())).toMatchObject({ name: 'renamed pin' })
    state = next
  })

  it('only wait_for changed, or null written as empty: no new request', async () => {
    const cfg = config({ name: 'renamed pin', origins, meta: { env: 'test' }, wait_for: 'none' })
    const plan = await pin.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client()))
    expect(plan.planned).toEqual({ ...state, wait_for: 'none' })
    const empty = { ...state, name: null, origins: null, meta: null }
    const cfg2 = config({ name: null, origins: [], meta: {} })
    const plan2 = await pin.plan({ prior: empty, proposed: cfg2, config: cfg2, priorPrivate: new Uint8Array() }, context(client()))
    expect(plan2.planned).toMatchObject({ request_id: state.request_id, origins: [], meta: {} })
  })

  it('a changed cid plans a replacement', async () => {
    const cfg = config({ cid: absent, name: 'renamed pin', origins, meta: { env: 'test' } })
    const plan = await pin.plan({ prior: state, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client()))
    expect(plan.requiresReplace).toEqual(['cid'])
    expect(plan.planned?.request_id).toBe(UNKNOWN)
  })

  it('import by request id, then the same configuration plans nothing', async () => {
    const ctx = context(client())
    const imported = await pin.importState?.(state.request_id as string, ctx)
    const prior = (await pin.read({ state: imported?.state as TfObject, private: new Uint8Array() }, ctx)).state as TfObject
    expect(prior).toEqual(state)
    const cfg = config({ name: 'renamed pin', origins, meta: { env: 'test' } })
    const out = await pin.plan({ prior, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    expect(out.planned).toEqual(prior)
    expect((await diagnosticsOf(pin.importState?.('no-such-request', ctx) as Promise<unknown>))[0]).toMatchObject({ summary: 'Pin request not found' })
  })

  it('a pin removed behind Terraform\'s back reads as gone; destroy removes and tolerates gone', async () => {
    const ctx = context(client())
    await removePin(state.request_id as string, op())
    expect((await pin.read({ state, private: new Uint8Array() }, ctx)).state).toBeNull()
    expect(await pin.apply({ prior: state, planned: null, config: null, plannedPrivate: new Uint8Array() }, ctx)).toEqual({ state: null })

    const cfg = config({ name: 'to destroy' })
    const { planned } = await pin.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    const made = (await pin.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)).state as TfObject
    expect(await getPin(made.request_id as string, op())).not.toBeNull()
    expect(await pin.apply({ prior: made, planned: null, config: null, plannedPrivate: new Uint8Array() }, ctx)).toEqual({ state: null })
    expect(await getPin(made.request_id as string, op())).toBeNull()
  })

  it('waiting past the timeout keeps the request in state (tainted) with a timeout diagnostic', async () => {
    const ctx = context(client({ timeoutMs: 300 }))
    const cfg = config({ cid: absent, name: 'never arrives' })
    const { planned } = await pin.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, ctx)
    const out = await pin.apply({ prior: null, planned, config: cfg, plannedPrivate: new Uint8Array() }, ctx)
    expect(out.diagnostics).toEqual([expect.objectContaining({ severity: 'error', summary: 'Timed out waiting for the service' })])
    expect(out.diagnostics?.[0].detail).toMatch(/timeout is 300ms/)
    expect(out.state).toMatchObject({ cid: absent, status: 'queued' })
    expect(hasUnknown(out.state)).toBe(false)
    expect(await getPin((out.state as TfObject).request_id as string, op())).toMatchObject({ pin: 'queued' })
    // wait_for = "none" returns as soon as the service took the request
    const none = config({ cid: absent, name: 'no wait', wait_for: 'none' })
    const plan2 = await pin.plan({ prior: null, proposed: none, config: none, priorPrivate: new Uint8Array() }, ctx)
    const out2 = await pin.apply({ prior: null, planned: plan2.planned, config: none, plannedPrivate: new Uint8Array() }, ctx)
    expect(out2.diagnostics ?? []).toEqual([])
    expect(out2.state).toMatchObject({ status: 'queued', wait_for: 'none' })
  })

  it('validates cid, origins, name and wait_for with diagnostics naming the attribute', () => {
    expect(pin.validate?.(config({ cid: 'bafy-not-a-cid', origins: ['not-a-multiaddr'], name: 'x'.repeat(256), wait_for: 'deal' }))).toEqual([
      expect.objectContaining({ summary: 'Invalid CID', attribute: ['cid'] }),
      expect.objectContaining({ summary: 'Name too long', attribute: ['name'] }),
      expect.objectContaining({ summary: 'Invalid origin', attribute: ['origins', 0] }),
      expect.objectContaining({ summary: 'Invalid wait_for', attribute: ['wait_for'] })
    ])
    expect(pin.validate?.(config({ cid: UNKNOWN }))).toEqual([])
  })

  it('refuses at plan time a service that has no Pinning Service API', async () => {
    const cfg = config()
    const [d] = await diagnosticsOf(pin.plan({ prior: null, proposed: cfg, config: cfg, priorPrivate: new Uint8Array() }, context(client({ service: 'kubo' }))))
    expect(d.summary).toMatch(/needs a Pinning Service API/)
    expect(d.detail).toMatch(/service = "psa"/)
  })
})
