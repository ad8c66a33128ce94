/**
 * Every problem a user can configure is a diagnostic from the provider, shown by terraform with a clear summary,
 * a detail naming what to fix, and a non-zero exit within seconds: never "Plugin did not respond", a hang or a
 * stack trace. Ctrl-C during a long apply against a slow service leaves no provider process behind.
 */
import { cp } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { tempDir } from '../deploy/folders.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { ensureProviderBuilt, REPO, type ProviderBuild } from '../helpers/provider-build.js'
import { providerProcessesIn, waitForOutput, workspace, type TfResult, type TfWorkspace } from './terraform.js'

const TOKEN = 'tf-errors-token'
let server: RunningServer
let stalling: FaultProxy
let scratch: Awaited<ReturnType<typeof tempDir>>
let build: ProviderBuild
let site: string
let n = 0

const header = 'terraform {\n  required_providers {\n    pinship = { source = "pinship/pinship" }\n  }\n}\n'
const providerBlock = (endpoint: string, extra = ''): string => `provider "pinship" {\n  service  = "local"\n  endpoint = ${JSON.stringify(endpoint)}\n  ${extra}\n}\n`

async function ws (tf: string, env: NodeJS.ProcessEnv = {}): Promise<TfWorkspace> {
  const w = workspace(join(scratch.path, `w${n++}`), { mirror: build.mirror }, { PINSHIP_TOKEN: TOKEN, ...env })
  w.write('main.tf', header + tf)
  const init = await w.run(['init', '-input=false'])
  expect(init.code, init.stdout + init.stderr).toBe(0)
  return w
}

function expectDiagnostic (res: TfResult, summary: string, detail: RegExp): void {
  const text = res.stdout + res.stderr
  expect(res.code, text).not.toBe(0)
  expect(text).toContain(`Error: ${summary}`)
  expect(text).toMatch(detail)
  expect(text).not.toMatch(/Plugin did not respond|panic|    at .*\.(c?js|ts):\d+/)
  expect(res.ms).toBeLessThan(30_000)
}

beforeAll(async () => {
  build = await ensureProviderBuilt()
  scratch = await tempDir('pinship-tf-errors-')
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'data'), tokens: [TOKEN] })
  stalling = await startFaultProxy({ target: server.url, seed: 1, rates: { stall: 1 }, match: (method, path) => method === 'POST' && path.startsWith('/car') })
  site = join(scratch.path, 'site')
  await cp(join(REPO, 'examples/site'), site, { recursive: true })
}, 180_000)

afterAll(async () => {
  await stalling?.close()
  await server?.close()
  await scratch?.cleanup()
})

describe('diagnostics from the provider', () => {
  it('an invalid CID in pinship_pin fails at plan, naming the attribute', async () => {
    const w = await ws(providerBlock(server.url) + 'resource "pinship_pin" "p" {\n  cid = "not-a-cid"\n}\n')
    const res = await w.run(['plan'])
    expectDiagnostic(res, 'Invalid CID', /not-a-cid/)
    expect(res.stderr).toContain('with pinship_pin.p')
    expect(res.stderr).toMatch(/cid\s+= "not-a-cid"/)
  })

  it('a missing folder fails at plan, naming source', async () => {
    const w = await ws(providerBlock(server.url) + `resource "pinship_content" "c" {\n  source = ${JSON.stringify(join(scratch.path, 'nope'))}\n}\n`)
    const res = await w.run(['plan'])
    expectDiagnostic(res, 'Source not found', /nope/)
    expect(res.stderr).toContain('with pinship_content.c')
  })

  it('an unknown service slug fails at plan with the valid ones', async () => {
    const w = await ws('provider "pinship" {\n  service = "ipfs-magic"\n}\n' + `data "pinship_cid" "c" {\n  source = ${JSON.stringify(site)}\n}\n`)
    expectDiagnostic(await w.run(['plan']), 'Unknown service', /web3storage/)
  })

  it('a wrong token fails the apply with what to set, and never prints the token', async () => {
    const w = await ws(providerBlock(server.url, 'token = "wrong-secret-token"') + `resource "pinship_content" "c" {\n  source = ${JSON.stringify(site)}\n}\n`)
    const res = await w.run(['apply', '-auto-approve'])
    expectDiagnostic(res, 'The service rejected the token', /PINSHIP_TOKEN/)
    expect(res.stdout + res.stderr).not.toContain('wrong-secret-token')
  })

  it('an unreachable endpoint fails the apply quickly, saying nothing answers there', async () => {
    // a port nothing listens on (bound, then freed)
    const probe = createServer()
    await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>(resolve => probe.close(() => resolve()))
    const w = await ws(providerBlock(`http://127.0.0.1:${port}`) + `resource "pinship_content" "c" {\n  source = ${JSON.stringify(site)}\n}\n`)
    const res = await w.run(['apply', '-auto-approve'])
    expectDiagnostic(res, 'Cannot reach the service', /connection refused/)
  })

  it('a service that never answers hits the timeouts block, not a hang', async () => {
    const w = await ws(providerBlock(stalling.url) + `resource "pinship_content" "c" {\n  source = ${JSON.stringify(site)}\n  timeouts {\n    create = "3s"\n  }\n}\n`)
    const res = await w.run(['apply', '-auto-approve'])
    expectDiagnostic(res, 'Timed out', /3s|timeout/i)
  })

  it('a function given a bad CID fails with the function\'s message', async () => {
    const w = await ws(providerBlock(server.url) + 'output "x" {\n  value = provider::pinship::cid_v1("zzz")\n}\n')
    const res = await w.run(['plan'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('Error: Invalid function argument')
    expect(res.stderr).toMatch(/"zzz" is not a valid CID/)
  })
})

describe('Ctrl-C', () => {
  it('during an apply against a stalled service: terraform stops cleanly and no provider process is left', async () => {
    const w = await ws(providerBlock(stalling.url) + `resource "pinship_content" "c" {\n  source = ${JSON.stringify(site)}\n}\n`)
    const { child, output, done } = w.start(['apply', '-auto-approve'])
    expect(await waitForOutput(output, 'pinship_content.c: Creating...'), output()).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect(providerProcessesIn(w.dir).length).toBeGreaterThan(0)
    const t0 = Date.now()
    child.kill('SIGINT')
    const res = await done
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(res.code).not.toBe(0)
    expect(res.stdout + res.stderr).toContain('Interrupt received')
    expect(res.stdout + res.stderr).not.toMatch(/Plugin did not respond|panic/)
    const until = Date.now() + 5000
    while (providerProcessesIn(w.dir).length > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
    expect(providerProcessesIn(w.dir)).toEqual([])
  })
})
