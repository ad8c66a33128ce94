// examples/cdktn end to end, offline: its cdktn.sh runs the cdktn CLI under Node 24 (which cdktn-cli 0.24 needs)
// with the provider installed from its filesystem mirror, against `pinship serve` on loopback. Then the same app
// synthesized with --hcl is applied with plain terraform (whose provider runs on this machine's Node).
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { ensureCdkBuilt } from './cdk-build.js'
import { snapshotMirror } from './mirror.js'

const execFileP = promisify(execFile)
const ROOT = new URL('../../', import.meta.url).pathname
const SITE_DIR = join(ROOT, 'examples/site')
const MAIN_TOKEN = 'cdk-main-token'
const BACKUP_TOKEN = 'cdk-backup-token'
const STEP_MS = 180_000
/** A CIDv0 for provider::pinship::cid_v1 (multiformats converts it for the expected value). */
const CID_V0 = 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'

let server: RunningServer
let project: string
let env: NodeJS.ProcessEnv
let expectedCid: string

/** Runs a command; on failure the error carries its output (what terraform or cdktn said). */
async function run (file: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout, stderr } = await execFileP(file, args, { cwd, env: { ...env, ...extraEnv }, maxBuffer: 32 * 1024 * 1024, timeout: STEP_MS })
    return `${stdout}\n${stderr}`
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string, message: string }
    throw new Error(`${[file, ...args].join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`)
  }
}
const cdktn = async (...args: string[]): Promise<string> => await run(join(project, 'cdktn.sh'), args, ROOT)
const terraform = async (args: string[], cwd: string): Promise<string> => await run('terraform', args, cwd, { TF_CLI_CONFIG_FILE: join(project, 'terraform.tfrc') })

async function api (path: string, token: string): Promise<any> {
  const res = await fetch(new URL(path, server.url), { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  return await res.json()
}
const uploads = async (): Promise<Array<{ cid: string, name: string }>> => await api('/user/uploads', MAIN_TOKEN)
const pins = async (): Promise<{ count: number, results: Array<{ requestid: string, status: string, pin: { cid: string, name: string } }> }> =>
  await api('/pins?status=queued,pinning,pinned,failed', BACKUP_TOKEN)

beforeAll(async () => {
  // Inside the repository, two levels down like examples/cdktn: the app's `import 'pinship/cdktn'` resolves to
  // this package and cdktn.sh finds the repository (Node 24, the provider mirror) at ../..
  await mkdir(join(ROOT, '.tmp'), { recursive: true })
  project = await mkdtemp(join(ROOT, '.tmp/cdk-e2e-'))
  await mkdir(join(project, 'data'))
  await ensureCdkBuilt()
  const mirror = await snapshotMirror(join(project, 'mirror'))
  for (const f of ['main.ts', 'cdktf.json', 'cdktn.sh']) await copyFile(join(ROOT, 'examples/cdktn', f), join(project, f))
  // For plain terraform in the last step.
  await writeFile(join(project, 'terraform.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`)
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(project, 'data'), tokens: [MAIN_TOKEN, BACKUP_TOKEN] })
  env = {
    ...process.env,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    CDKTF_HOME: join(project, '.cdktf-home'),
    CI: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    SITE_DIR,
    PINSHIP_ENDPOINT: server.url,
    PINSHIP_LOCAL_TOKEN: MAIN_TOKEN,
    PINSHIP_PSA_TOKEN: BACKUP_TOKEN,
    PINSHIP_PROVIDER_MIRROR: mirror
  }
  // cdktn.sh writes its own CLI configuration pointing at the mirror.
  for (const name of ['TF_CLI_CONFIG_FILE', 'PINSHIP_TOKEN', 'PINSHIP_SERVICE', 'PINSHIP_BACKUP_ENDPOINT', 'TF_LOG']) delete env[name]
  const packed = await run(process.execPath, [join(ROOT, 'bin/pinship'), 'pack', SITE_DIR], ROOT)
  expectedCid = packed.trim().split('\n')[0].trim()
  expect(expectedCid).toMatch(/^bafy[a-z2-7]+$/)
}, 300_000)

afterAll(async () => {
  await server?.close()
  if (project !== undefined) await rm(project, { recursive: true, force: true })
})

describe.sequential('examples/cdktn with cdktn-cli (Node 24) against pinship serve', () => {
  test('cdktn synth: the stack holds the site, both providers and the pin', async () => {
    await cdktn('synth')
    const stack = JSON.parse(await readFile(join(project, 'cdktf.out/stacks/site/cdk.tf.json'), 'utf8'))
    expect(stack.provider.pinship).toEqual([
      { service: 'local', endpoint: server.url },
      { alias: 'backup', service: 'psa', endpoint: server.url }
    ])
    expect(Object.values(stack.resource.pinship_content)).toMatchObject([{ source: SITE_DIR, name: 'example-site', provider: 'pinship' }])
    expect(stack.resource.pinship_pin['backup-pin']).toMatchObject({ name: 'example-site (backup)', provider: 'pinship.backup', meta: { from: 'examples/cdktn' } })
    // Tokens come from the environment when Terraform runs the provider, never from the synthesized files.
    expect(JSON.stringify(stack)).not.toContain(MAIN_TOKEN)
  }, STEP_MS)

  let requestId: string
  test('cdktn deploy: outputs\' CID is pinship pack\'s; the service holds the upload and the pin', async () => {
    await cdktn('deploy', 'site', '--auto-approve', '--skip-provider-lock', '--outputs-file', join(project, 'outputs.json'))
    const outputs = JSON.parse(await readFile(join(project, 'outputs.json'), 'utf8')).site
    expect(outputs.site.cid).toBe(expectedCid)
    expect(outputs.site.dnslink).toBe(`dnslink=/ipfs/${expectedCid}`)
    expect(outputs.site.urls).toContain(`${server.url}/ipfs/${expectedCid}/`)
    expect(outputs.site.url).toBe(outputs.site.urls.find((u: string) => u.startsWith(`http://${expectedCid}.ipfs.`)))
    expect(outputs.backup_status).toBe('pinned')
    requestId = outputs.backup_request_id

    expect((await uploads()).map(u => ({ cid: u.cid, name: u.name }))).toEqual([{ cid: expectedCid, name: 'example-site' }])
    const listed = await pins()
    expect(listed.results.map(p => ({ requestid: p.requestid, status: p.status, cid: p.pin.cid, name: p.pin.name })))
      .toEqual([{ requestid: requestId, status: 'pinned', cid: expectedCid, name: 'example-site (backup)' }])
    // The site is served by CID.
    const page = await fetch(`${server.url}/ipfs/${expectedCid}/index.html`)
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(await readFile(join(SITE_DIR, 'index.html'), 'utf8'))
  }, STEP_MS)

  test('a second cdktn deploy changes nothing', async () => {
    const out = await cdktn('deploy', 'site', '--auto-approve', '--skip-provider-lock', '--outputs-file', join(project, 'outputs2.json'))
    expect(out).toContain('No changes. Your infrastructure matches the configuration.')
    expect(out).not.toMatch(/Creating\.\.\.|Destroying\.\.\.|Modifying\.\.\./)
    const outputs = JSON.parse(await readFile(join(project, 'outputs2.json'), 'utf8')).site
    expect(outputs.backup_request_id).toBe(requestId)
    expect(outputs.site.cid).toBe(expectedCid)
    expect((await pins()).results.map(p => p.requestid)).toEqual([requestId])
  }, STEP_MS)

  test('cdktn destroy removes the upload and the pin from the service', async () => {
    const out = await cdktn('destroy', 'site', '--auto-approve')
    expect(out).toContain('Destroy complete! Resources: 2 destroyed.')
    expect(await uploads()).toEqual([])
    expect(await pins()).toMatchObject({ count: 0, results: [] })
  }, STEP_MS)

  test('cdktn synth --hcl output applies with plain terraform', async () => {
    await rm(join(project, 'cdktf.out'), { recursive: true, force: true })
    await cdktn('synth', '--hcl')
    const hcl = await readFile(join(project, 'cdktf.out/stacks/site/cdk.tf'), 'utf8')
    expect(hcl).toContain('resource "pinship_content"')
    // A plain Terraform working directory: only the .tf file, its own state.
    const plain = join(project, 'plain')
    await mkdir(plain)
    const statePath = join(plain, 'terraform.tfstate')
    const withState = hcl.replace(/backend "local" \{\s*path\s*=\s*"[^"]*"\s*\}/, `backend "local" {\n    path = ${JSON.stringify(statePath)}\n  }`)
    expect(withState).toContain(statePath)
    await writeFile(join(plain, 'main.tf'), withState)
    await terraform(['init', '-input=false', '-no-color'], plain)
    await terraform(['apply', '-auto-approve', '-input=false', '-no-color'], plain)
    const outputs = JSON.parse(await terraform(['output', '-json', '-no-color'], plain).then(o => o.slice(0, o.lastIndexOf('}') + 1)))
    const cidOutput = Object.entries(outputs).find(([name]) => name.startsWith('site_cid_'))
    expect(cidOutput?.[1]).toMatchObject({ value: expectedCid })
    expect((await uploads()).map(u => u.cid)).toEqual([expectedCid])
    expect((await pins()).results.map(p => ({ status: p.status, cid: p.pin.cid }))).toEqual([{ status: 'pinned', cid: expectedCid }])
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], plain)
    expect(plan).toContain('No changes.')
    await terraform(['destroy', '-auto-approve', '-input=false', '-no-color'], plain)
    expect(await uploads()).toEqual([])
    expect((await pins()).count).toBe(0)
  }, STEP_MS * 2)

  test('pinship/cdktf: a StaticSite pinned on two more providers (pinOn) and the provider functions, synthesized by a CDKTF app, applied with terraform', async () => {
    const cdktf = await import('cdktf')
    const { PinshipFunctions, PinshipProvider, StaticSite } = await import('pinship/cdktf')
    const outdir = join(project, 'cdktf-app')
    const app = new cdktf.App({ outdir })
    const stack = new cdktf.TerraformStack(app, 'pinon')
    new cdktf.LocalBackend(stack, { path: join(outdir, 'terraform.tfstate') })
    const main = new PinshipProvider(stack, 'main', { service: 'local', endpoint: server.url })
    const a = new PinshipProvider(stack, 'a', { alias: 'a', service: 'psa', endpoint: server.url })
    const b = new PinshipProvider(stack, 'b', { alias: 'b', service: 'psa', endpoint: server.url })
    const site = new StaticSite(stack, 'www', { source: SITE_DIR, provider: main, pinOn: [a, b], name: 'pinon-site' })
    new cdktf.TerraformOutput(stack, 'statuses', { value: site.pins.map(p => p.status) })
    // The provider's functions, evaluated by Terraform (JSON synthesis keeps provider::pinship::… intact).
    new cdktf.TerraformOutput(stack, 'fn_cid_v1', { value: PinshipFunctions.cidV1(CID_V0) })
    new cdktf.TerraformOutput(stack, 'fn_gateway_url', { value: PinshipFunctions.gatewayUrl(site.cid, 'https://dweb.link') })
    new cdktf.TerraformOutput(stack, 'fn_dnslink', { value: PinshipFunctions.dnslink(site.cid) })
    app.synth()
    const dir = join(outdir, 'stacks/pinon')
    await terraform(['init', '-input=false', '-no-color'], dir)
    await terraform(['apply', '-auto-approve', '-input=false', '-no-color'], dir)
    const out = await terraform(['output', '-json', '-no-color'], dir)
    const outputs = JSON.parse(out.slice(0, out.lastIndexOf('}') + 1))
    expect(Object.entries(outputs).find(([name]) => name.startsWith('www_cid'))?.[1]).toMatchObject({ value: expectedCid })
    expect(outputs.statuses.value).toEqual(['pinned', 'pinned'])
    expect(outputs.fn_cid_v1.value).toBe(CID.parse(CID_V0).toV1().toString())
    expect(outputs.fn_gateway_url.value).toBe(`https://${expectedCid}.ipfs.dweb.link/`)
    expect(outputs.fn_dnslink.value).toBe(`dnslink=/ipfs/${expectedCid}`)
    expect((await uploads()).map(u => ({ cid: u.cid, name: u.name }))).toEqual([{ cid: expectedCid, name: 'pinon-site' }])
    expect((await pins()).results.map(p => ({ status: p.status, cid: p.pin.cid, name: p.pin.name })))
      .toEqual([1, 2].map(() => ({ status: 'pinned', cid: expectedCid, name: 'pinon-site' })))
    expect(await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir)).toContain('No changes.')
    await terraform(['destroy', '-auto-approve', '-input=false', '-no-color'], dir)
    expect(await uploads()).toEqual([])
    expect((await pins()).count).toBe(0)
  }, STEP_MS * 2)
})
