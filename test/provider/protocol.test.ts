/**
 * The plugin protocol without Terraform: msgpack values (unknowns, refined unknowns, exact attribute sets), the
 * handshake line and certificate, every RPC's error path through the handlers, and the real gRPC server with
 * mutual TLS as Terraform would dial it.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { existsSync } from 'node:fs'
import * as grpc from '@grpc/grpc-js'
import { encode } from '@msgpack/msgpack'
import { describe, expect, it } from 'vitest'
import { UNKNOWN, type TfObject } from '../../provider/src/framework/types.js'
import { loadServices } from '../../provider/src/protocol/definitions.js'
import { createHandlers } from '../../provider/src/protocol/handlers.js'
import { handshakeLine, HandshakeError, MAGIC_COOKIE_VALUE, readPluginEnv } from '../../provider/src/protocol/handshake.js'
import { createLogger } from '../../provider/src/protocol/log.js'
import { serve } from '../../provider/src/protocol/server.js'
import { createServerCertificate } from '../../provider/src/protocol/tls.js'
import { decodeObject, decodeValue, encodeValue } from '../../provider/src/protocol/values.js'
import { fixtureProvider } from './fixtures/fixture-provider.js'

const echoSchema = fixtureProvider.resources[0]!.schema
const lines: string[] = []
const log = createLogger(l => { lines.push(l) })
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const mp = (v: unknown): { msgpack: Buffer } => ({ msgpack: Buffer.from(encode(v)) })

describe('values', () => {
  it('sends unknown as fixext1 type 0 with one zero byte', () => {
    expect(hex(encodeValue(UNKNOWN, 'string'))).toBe('d40000')
  })

  it('reads any extension as unknown, including the refined unknowns Terraform 1.11 sends (ext 12)', () => {
    // not null, string prefix "x-" (captured from terraform 1.11.4)
    expect(decodeValue(Buffer.from('c7070c8201c202a2782d', 'hex'))).toBe(UNKNOWN)
    expect(decodeValue(Buffer.from('d40000', 'hex'))).toBe(UNKNOWN)
    const obj = decodeObject(Buffer.from(encode({ a: 'x', b: null })))
    expect(obj).toEqual({ a: 'x', b: null })
  })

  it('reads empty bytes as null and writes objects with exactly every attribute and block', () => {
    expect(decodeValue(Buffer.alloc(0))).toBe(null)
    const bytes = encodeValue({ input: 'hi', extra: 'dropped' } as TfObject, { block: echoSchema.block })
    const back = decodeObject(bytes) as TfObject
    expect(Object.keys(back).sort()).toEqual([...Object.keys(echoSchema.block.attributes), 'timeouts'].sort())
    expect(back.input).toBe('hi')
    expect(back.timeouts).toBe(null)
  })

  it('writes absent list blocks as [] and keeps nested unknowns', () => {
    const block = { attributes: { a: { type: ['list', 'string'] as ['list', 'string'], optional: true, description: 'a' } }, blocks: { rule: { nesting: 'list' as const, block: { attributes: { x: { type: 'string' as const, optional: true, description: 'x' } } } } } }
    const back = decodeObject(encodeValue({ a: ['1', UNKNOWN] }, { block }))
    expect(back).toEqual({ a: ['1', UNKNOWN], rule: [] })
  })

  it('refuses a value of the wrong type instead of sending something Terraform would reject', () => {
    expect(() => encodeValue({ input: 3 } as unknown as TfObject, { block: echoSchema.block })).toThrow(/input: expected a string/)
  })
})

describe('handshake', () => {
  it('refuses to run without the magic cookie, with a message for a human', () => {
    expect(() => readPluginEnv({})).toThrow(HandshakeError)
    expect(() => readPluginEnv({})).toThrow(/Terraform plugin/)
  })

  it('needs protocol 6 among the offered versions', () => {
    expect(() => readPluginEnv({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '4,5' })).toThrow(/protocol 6/)
    expect(readPluginEnv({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '5,6' }).tls).toBe(true)
  })

  it('announces the certificate as unpadded base64 DER on one line', async () => {
    const cert = await createServerCertificate()
    const line = handshakeLine('unix', '/tmp/x/plugin.sock', cert.der)
    expect(line.endsWith('\n')).toBe(true)
    const parts = line.trimEnd().split('|')
    expect(parts.slice(0, 5)).toEqual(['1', '6', 'unix', '/tmp/x/plugin.sock', 'grpc'])
    expect(parts[5]).not.toMatch(/=/)
    expect(Buffer.from(parts[5]!, 'base64').equals(cert.der)).toBe(true)
  })

  it('makes a certificate for localhost in the SAN, valid now, usable as a CA', async () => {
    const cert = await createServerCertificate()
    const x = new X509Certificate(cert.certPem)
    expect(x.subjectAltName).toBe('DNS:localhost')
    expect(x.checkHost('localhost')).toBe('localhost')
    expect(x.ca).toBe(true)
    expect(new Date(x.validFrom).getTime()).toBeLessThan(Date.now())
    expect(x.checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true)
  })
})

describe('handlers', () => {
  const h = createHandlers(fixtureProvider, { log })

  it('describes the schema with capabilities, functions and write-only attributes', async () => {
    const res = await h.GetProviderSchema({})
    expect(res.server_capabilities).toMatchObject({ plan_destroy: true, get_provider_schema_optional: true })
    const attrs = res.resource_schemas.pinfix_echo.block.attributes as Array<Record<string, unknown>>
    expect(attrs.find(a => a.name === 'note')).toMatchObject({ write_only: true, optional: true })
    expect(JSON.parse(Buffer.from(attrs.find(a => a.name === 'tags')!.type as Buffer).toString())).toEqual(['list', 'string'])
    expect(Object.keys(res.functions)).toEqual(['double'])
    expect((await h.GetMetadata({})).resources).toEqual([{ type_name: 'pinfix_echo' }])
  })

  it('answers unknown type names with a diagnostic on every RPC, never an exception', async () => {
    for (const rpc of ['ValidateResourceConfig', 'ReadResource', 'PlanResourceChange', 'ApplyResourceChange', 'ImportResourceState', 'UpgradeResourceState'] as const) {
      const res = await h[rpc]({ type_name: 'pinfix_nope', config: mp({}), current_state: mp({}) })
      expect(res.diagnostics[0], rpc).toMatchObject({ severity: 'ERROR', summary: 'Unknown resource type "pinfix_nope"' })
    }
    for (const rpc of ['ValidateDataResourceConfig', 'ReadDataSource'] as const) {
      const res = await h[rpc]({ type_name: 'pinfix_nope', config: mp({}) })
      expect(res.diagnostics[0].summary).toBe('Unknown data source type "pinfix_nope"')
    }
  })

  it('turns malformed values into diagnostics', async () => {
    const res = await h.PlanResourceChange({ type_name: 'pinfix_echo', proposed_new_state: { msgpack: Buffer.from([0xc1]) } })
    expect(res.diagnostics[0]).toMatchObject({ severity: 'ERROR', summary: 'Planning pinfix_echo failed' })
  })

  it('reports validation problems at their attribute', async () => {
    const res = await h.ValidateResourceConfig({ type_name: 'pinfix_echo', config: mp({ input: '' }) })
    expect(res.diagnostics[0]).toMatchObject({ summary: 'input must not be empty', detail: 'Give some text.', attribute: { steps: [{ attribute_name: 'input' }] } })
    const p = await h.ValidateProviderConfig({ config: mp({ prefix: 'bad' }) })
    expect(p.diagnostics[0].summary).toBe('prefix must not be "bad"')
  })

  it('plans with unknowns, applies, and keeps the prior state when apply fails', async () => {
    await h.ConfigureProvider({ terraform_version: '1.11.4', config: mp({ prefix: 'p' }) })
    const config = { input: 'fail', tags: null, slow_ms: null, note: null, note_length: null, id: null, length: null, stamp: null, timeouts: null }
    const plan = await h.PlanResourceChange({ type_name: 'pinfix_echo', prior_state: null, proposed_new_state: mp(config), config: mp(config) })
    expect(plan.diagnostics).toEqual([])
    const planned = decodeObject(plan.planned_state.msgpack)!
    expect(planned.id).toBe(UNKNOWN)
    expect(planned.length).toBe(4)
    const apply = await h.ApplyResourceChange({ type_name: 'pinfix_echo', prior_state: null, planned_state: plan.planned_state, config: mp(config) })
    expect(apply.diagnostics[0]).toMatchObject({ summary: 'apply refused "fail"', attribute: { steps: [{ attribute_name: 'input' }] } })
    expect(apply.new_state).toBe(null)
  })

  it('plans a destroy as null without asking the resource', async () => {
    const res = await h.PlanResourceChange({ type_name: 'pinfix_echo', prior_state: mp({ input: 'x' }), proposed_new_state: null })
    expect(decodeValue(res.planned_state.msgpack)).toBe(null)
  })

  it('upgrades JSON state and refuses the legacy flatmap with advice', async () => {
    const ok = await h.UpgradeResourceState({ type_name: 'pinfix_echo', version: '1', raw_state: { json: Buffer.from('{"input":"a","id":"p-a","length":1,"stamp":"s","removed_attr":1}') } })
    expect(decodeObject(ok.upgraded_state.msgpack)).toMatchObject({ input: 'a', id: 'p-a', tags: null })
    const bad = await h.UpgradeResourceState({ type_name: 'pinfix_echo', version: '1', raw_state: { flatmap: { id: 'x' } } })
    expect(bad.diagnostics[0].detail).toMatch(/terraform state rm/)
  })

  it('returns function errors as FunctionError with the argument index', async () => {
    const ok = await h.CallFunction({ name: 'double', arguments: [mp(4)] })
    expect(decodeValue(ok.result.msgpack)).toBe(8)
    const bad = await h.CallFunction({ name: 'double', arguments: [mp(-1)] })
    expect(bad.error).toEqual({ text: 'n must be a non-negative number', function_argument: '0' })
    expect((await h.CallFunction({ name: 'nope', arguments: [] })).error.text).toMatch(/no function named "nope"/)
    expect((await h.CallFunction({ name: 'double', arguments: [] })).error.text).toMatch(/takes 1 argument/)
  })

  it('cancels in-flight work on StopProvider and serves later calls with a fresh signal', async () => {
    const config = { input: 'slow', tags: null, slow_ms: 30_000, note: null, note_length: null, id: null, length: null, stamp: null, timeouts: null }
    const started = Date.now()
    const pending = h.ApplyResourceChange({ type_name: 'pinfix_echo', prior_state: null, planned_state: mp(config), config: mp(config) })
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(await h.StopProvider({})).toEqual({ Error: '' })
    const res = await pending
    expect(Date.now() - started).toBeLessThan(5000)
    expect(res.diagnostics[0].summary).toBe('Cancelled')
    const again = await h.ApplyResourceChange({ type_name: 'pinfix_echo', prior_state: null, planned_state: mp({ ...config, slow_ms: null }), config: mp(config) })
    expect(again.diagnostics).toEqual([])
  })

  it('never writes an unknown into state after apply', async () => {
    const broken = createHandlers({ ...fixtureProvider, resources: [{ ...fixtureProvider.resources[0]!, apply: async ({ planned }) => ({ state: planned }) }] }, { log })
    const config = { input: 'x', id: null }
    const plan = await broken.PlanResourceChange({ type_name: 'pinfix_echo', prior_state: null, proposed_new_state: mp(config), config: mp(config) })
    const res = await broken.ApplyResourceChange({ type_name: 'pinfix_echo', prior_state: null, planned_state: plan.planned_state, config: mp(config) })
    expect(res.diagnostics[0].detail).toMatch(/unknown value in the new state/)
  })
})

describe('gRPC server with mutual TLS', () => {
  it('serves the provider and go-plugin controller to a client holding the announced certificate, and exits on Shutdown', async () => {
    // Terraform's side: its own client certificate, announced to us in PLUGIN_CLIENT_CERT.
    const client = await createServerCertificate()
    let announced = ''
    let exitCode: number | undefined
    const running = await serve(fixtureProvider, {
      env: { TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '5,6', PLUGIN_CLIENT_CERT: client.certPem },
      log,
      announce: l => { announced = l },
      exit: code => { exitCode = code }
    })
    try {
      const [, , network, address, , certB64] = announced.trimEnd().split('|')
      expect(network).toBe('unix')
      const der = Buffer.from(certB64!, 'base64')
      const serverPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`
      const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(client.keyPem), Buffer.from(client.certPem))
      const services = loadServices()
      const Provider = grpc.makeGenericClientConstructor(services.provider, 'Provider')
      const Controller = grpc.makeGenericClientConstructor(services.controller, 'GRPCController')
      const opts = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' }
      const p = new Provider(`unix://${address!}`, creds, opts) as any
      const schema: any = await new Promise((resolve, reject) => { p.GetProviderSchema({}, (e: Error | null, r: unknown) => { e !== null ? reject(e) : resolve(r) }) })
      expect(Object.keys(schema.resource_schemas)).toEqual(['pinfix_echo'])

      // without a client certificate the server refuses the connection
      const anon = new Provider(`unix://${address!}`, grpc.credentials.createSsl(Buffer.from(serverPem)), opts) as any
      await expect(new Promise((resolve, reject) => { anon.GetProviderSchema({}, { deadline: Date.now() + 3000 }, (e: Error | null, r: unknown) => { e !== null ? reject(e) : resolve(r) }) })).rejects.toThrow()
      anon.close()

      const c = new Controller(`unix://${address!}`, creds, opts) as any
      await new Promise((resolve, reject) => { c.Shutdown({}, (e: Error | null, r: unknown) => { e !== null ? reject(e) : resolve(r) }) })
      await new Promise(resolve => setTimeout(resolve, 100))
      expect(exitCode).toBe(0)
      expect(existsSync(address!)).toBe(false)
      p.close()
      c.close()
    } finally {
      running.close()
    }
  })
})

