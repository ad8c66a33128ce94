// The constructs synthesized with Testing.synth, for both builds: pinship/cdktn (CDK Terrain) and pinship/cdktf (CDKTF).
// The builds are what users import (build/cdktn, build/cdktf from scripts/build-cdk.mjs, run by `npm run build` and
// `prepare`, and by ensureCdkBuilt() below when provider/cdk changed since).
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import * as cdktf from 'cdktf'
import * as cdktn from 'cdktn'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'
import { ensureCdkBuilt } from './cdk-build.js'

// The builds users import; rebuilt first when provider/cdk changed since `npm run build`.
await ensureCdkBuilt()
const pinshipCdktn = await import('pinship/cdktn')
const pinshipCdktf = await import('pinship/cdktf')

const ROOT = new URL('../../', import.meta.url).pathname
const run = promisify(execFile)
const VERSION: string = (await import('../../package.json', { with: { type: 'json' } })).default.version

type Lib = typeof cdktn
type Pinship = typeof pinshipCdktn
const FLAVOURS: Array<[string, Lib, Pinship]> = [
  ['cdktn', cdktn, pinshipCdktn],
  // The two libraries' types are the same API under two names; the cdktf build is typed against cdktf.
  ['cdktf', cdktf as unknown as Lib, pinshipCdktf as unknown as Pinship]
]

/** One stack using every construct: a site on `main` pinned on `backup`, a raw Content and Pin, both data sources, the functions. */
function declare (lib: Lib, p: Pinship, options: { targetVersions?: Record<string, string> } = {}): cdktn.TerraformStack {
  const app = lib.Testing.app(options.targetVersions !== undefined ? { context: { targetVersions: options.targetVersions } } : {})
  const stack = new lib.TerraformStack(app, 'site')
  const main = new p.PinshipProvider(stack, 'main', { service: 'local', endpoint: 'http://127.0.0.1:8787', token: 'secret', timeout: '2m' })
  const backup = new p.PinshipProvider(stack, 'backup', { service: 'psa', endpoint: 'http://127.0.0.1:9797/psa', alias: 'backup', gateways: ['https://dweb.link'] })
  const site = new p.StaticSite(stack, 'site', { source: 'examples/site', provider: main, pinOn: [backup], name: 'demo' })
  const assets = new p.Content(stack, 'assets', { source: '/srv/assets', profile: 'unixfs-v0-2015', hidden: false, exclude: ['*.map'], name: 'assets', waitFor: 'uploaded', timeouts: { create: '5m' } })
  new p.Pin(stack, 'extra', { cid: assets.cid, provider: backup, name: 'assets', origins: ['/ip4/127.0.0.1/tcp/4001'], meta: { team: 'web' }, waitFor: 'none' })
  const packed = new p.DataPinshipCid(stack, 'packed', { source: '/srv/assets', exclude: ['*.map'] })
  const status = new p.DataPinshipStatus(stack, 'status', { cid: site.cid, provider: backup })
  new lib.TerraformOutput(stack, 'cid_v1', { value: p.PinshipFunctions.cidV1(packed.cid) })
  new lib.TerraformOutput(stack, 'gateway_url', { value: p.PinshipFunctions.gatewayUrl(site.cid, 'https://dweb.link') })
  new lib.TerraformOutput(stack, 'deal_piece', { value: status.deals.get(0).pieceCid })
  new lib.TerraformOutput(stack, 'pin_request', { value: site.pins[0].requestId })
  return stack
}

const SITE = 'pinship_content.site_content_C564AC31'
const EXPECTED = {
  terraform: { required_providers: { pinship: { source: 'registry.terraform.io/pinship/pinship', version: VERSION } } },
  provider: {
    pinship: [
      { service: 'local', endpoint: 'http://127.0.0.1:8787', token: 'secret', timeout: '2m' },
      { alias: 'backup', service: 'psa', endpoint: 'http://127.0.0.1:9797/psa', gateways: ['https://dweb.link'] }
    ]
  },
  resource: {
    pinship_content: {
      // A relative source is made absolute: Terraform runs in cdktf.out/stacks/<stack>.
      site_content_C564AC31: { source: resolve('examples/site'), name: 'demo', provider: 'pinship' },
      assets: { source: '/srv/assets', profile: 'unixfs-v0-2015', hidden: false, exclude: ['*.map'], name: 'assets', wait_for: 'uploaded', timeouts: { create: '5m' } }
    },
    pinship_pin: {
      'site_pin-backup_19E9C44D': { cid: `\${${SITE}.cid}`, name: 'demo', provider: 'pinship.backup' },
      extra: { cid: '${pinship_content.assets.cid}', name: 'assets', origins: ['/ip4/127.0.0.1/tcp/4001'], meta: { team: 'web' }, wait_for: 'none', provider: 'pinship.backup' }
    }
  },
  data: {
    pinship_cid: { packed: { source: '/srv/assets', exclude: ['*.map'] } },
    pinship_status: { status: { cid: `\${${SITE}.cid}`, provider: 'pinship.backup' } }
  },
  output: {
    site_cid_AC8E15D2: { value: `\${${SITE}.cid}`, description: 'Root CID of the site' },
    site_url_EE67EF5F: { value: `\${${SITE}.url}`, description: 'The site on the first gateway' },
    site_urls_C9902D3B: { value: `\${${SITE}.urls}`, description: 'The site on every gateway' },
    site_dnslink_2ABA4D2E: { value: `dnslink=/ipfs/\${${SITE}.cid}`, description: 'DNSLink TXT record value (_dnslink.<domain>)' },
    cid_v1: { value: '${provider::pinship::cid_v1(data.pinship_cid.packed.cid)}' },
    gateway_url: { value: `\${provider::pinship::gateway_url(${SITE}.cid, "https://dweb.link")}` },
    deal_piece: { value: '${data.pinship_status.status.deals[0].piece_cid}' },
    pin_request: { value: '${pinship_pin.site_pin-backup_19E9C44D.request_id}' }
  }
}

describe.each(FLAVOURS)('pinship/%s', (flavour, lib, p) => {
  test('Testing.synth: provider blocks, resources, data sources, outputs and function calls', () => {
    const synthesized = JSON.parse(lib.Testing.synth(declare(lib, p)))
    expect(synthesized).toEqual(EXPECTED)
  })

  test('the library matchers see the resources and providers', () => {
    const synthesized = lib.Testing.synth(declare(lib, p))
    expect(lib.Testing.toHaveProviderWithProperties(synthesized, 'pinship', { alias: 'backup', service: 'psa' })).toBe(true)
    expect(lib.Testing.toHaveResourceWithProperties(synthesized, 'pinship_content', { name: 'demo' })).toBe(true)
    expect(lib.Testing.toHaveResourceWithProperties(synthesized, 'pinship_pin', { cid: `\${${SITE}.cid}`, provider: 'pinship.backup' })).toBe(true)
    expect(lib.Testing.toHaveDataSourceWithProperties(synthesized, 'pinship_status', { cid: `\${${SITE}.cid}` })).toBe(true)
  })

  test('synthHcl (synth --hcl) renders the same configuration', () => {
    const hcl: string = lib.Testing.synthHcl(declare(lib, p))
    expect(hcl).toContain(`resource "pinship_content" "site_content_C564AC31" {\nsource = "${resolve('examples/site')}"\nname = "demo"\nprovider = "pinship"\n}`)
    expect(hcl).toContain('provider "pinship" {\nservice = "psa"\nendpoint = "http://127.0.0.1:9797/psa"\ngateways = [\n"https://dweb.link"\n]\nalias = "backup"\n}')
    expect(hcl).toContain('exclude = [\n"*.map"\n]\nname = "assets"\nwait_for = "uploaded"\ntimeouts {\ncreate = "5m"\n}')
    expect(hcl).toContain('meta = {\nteam = "web"\n}')
    expect(hcl).toContain('hidden = false')
    expect(hcl).toContain(`value = "dnslink=/ipfs/\${${SITE}.cid}"`)
    expect(hcl).toContain('value = "${provider::pinship::cid_v1(data.pinship_cid.packed.cid)}"')
    for (const name of ['site_cid_AC8E15D2', 'site_url_EE67EF5F', 'site_urls_C9902D3B', 'site_dnslink_2ABA4D2E']) expect(hcl).toContain(`output "${name}" {`)
  })

  test('StaticSite: getters are the same references as the outputs', () => {
    const app = lib.Testing.app()
    const stack = new lib.TerraformStack(app, 's')
    const site = new p.StaticSite(stack, 'www', { source: '/srv/www' })
    const getters = { cid: site.cid, url: site.url, urls: site.urls, dnslink: site.dnslink }
    for (const [name, value] of Object.entries(getters)) new lib.TerraformOutput(stack, `getter_${name}`, { value })
    expect(site.pins).toEqual([])
    const synthesized = JSON.parse(lib.Testing.synth(stack))
    // No provider given: the resource uses the default pinship provider (no `provider` argument).
    expect(synthesized.resource).toEqual({ pinship_content: { www_content_55E7C2B3: { source: '/srv/www' } } })
    const outputs = synthesized.output
    expect(outputs).toMatchObject({
      getter_cid: { value: '${pinship_content.www_content_55E7C2B3.cid}' },
      getter_url: { value: '${pinship_content.www_content_55E7C2B3.url}' },
      getter_urls: { value: '${pinship_content.www_content_55E7C2B3.urls}' },
      getter_dnslink: { value: 'dnslink=/ipfs/${pinship_content.www_content_55E7C2B3.cid}' }
    })
    const siteOutputs = Object.fromEntries(Object.entries(outputs).filter(([k]) => k.startsWith('www_')).map(([k, v]) => [k.split('_')[1], (v as { value: string }).value]))
    expect(siteOutputs).toEqual(Object.fromEntries(Object.keys(getters).map(k => [k, outputs[`getter_${k}`].value])))
  })

  test('StaticSite: several pinOn providers, one pin each, keyed by the provider', () => {
    const app = lib.Testing.app()
    const stack = new lib.TerraformStack(app, 's')
    const a = new p.PinshipProvider(stack, 'a', { alias: 'a' })
    const b = new p.PinshipProvider(stack, 'b', { alias: 'b' })
    const site = new p.StaticSite(stack, 'www', { source: '/srv/www', pinOn: [a, b], profile: 'unixfs-v1-2025' })
    expect(site.pins.map(pin => pin.node.id)).toEqual(['pin-a', 'pin-b'])
    const synthesized = JSON.parse(lib.Testing.synth(stack))
    expect(Object.values(synthesized.resource.pinship_pin)).toEqual([
      { cid: '${pinship_content.www_content_55E7C2B3.cid}', provider: 'pinship.a' },
      { cid: '${pinship_content.www_content_55E7C2B3.cid}', provider: 'pinship.b' }
    ])
    expect(synthesized.resource.pinship_content.www_content_55E7C2B3).toEqual({ source: '/srv/www', profile: 'unixfs-v1-2025' })
  })

  test('imports: generateConfigForImport and importFrom render import blocks', () => {
    const stack = new lib.TerraformStack(lib.Testing.app(), 's')
    const backup = new p.PinshipProvider(stack, 'b', { alias: 'b' })
    p.Content.generateConfigForImport(stack, 'old', 'bafyold')
    p.Pin.generateConfigForImport(stack, 'old-pin', 'request-1', backup)
    new p.Content(stack, 'adopted', { source: '/srv/www' }).importFrom('bafyadopted')
    expect(JSON.parse(lib.Testing.synth(stack)).import).toEqual([
      { id: 'bafyold', to: 'pinship_content.old' },
      { id: 'request-1', to: 'pinship_pin.old-pin', provider: 'pinship.b' },
      { id: 'bafyadopted', to: 'pinship_content.adopted' }
    ])
  })

  test('StaticSite without a source fails at construction with the construct path', () => {
    const stack = new lib.TerraformStack(lib.Testing.app(), 's')
    expect(() => new p.StaticSite(stack, 'www', { source: '' })).toThrow('StaticSite s/www: expected `source` to be the path of the built site folder, got ""')
  })
})

describe('the two builds', () => {
  test('synthesize the same configuration', () => {
    expect(cdktf.Testing.synth(declare(cdktf as unknown as Lib, pinshipCdktf as unknown as Pinship) as unknown as cdktf.TerraformStack))
      .toBe(cdktn.Testing.synth(declare(cdktn, pinshipCdktn)))
  })

  test('each build loads only its own library', async () => {
    for (const [flavour, other] of [['cdktn', 'cdktf'], ['cdktf', 'cdktn']]) {
      // A fresh Node: import the build, then list the CommonJS modules it loaded (both libraries are CommonJS).
      const script = `import { createRequire } from 'node:module'
        await import('pinship/${flavour}')
        console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))`
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT })
      const loaded: string[] = JSON.parse(stdout)
      expect(loaded.some(f => f.includes(`/node_modules/${flavour}/`))).toBe(true)
      expect(loaded.filter(f => f.includes(`/node_modules/${other}/`))).toEqual([])
    }
  })
})

describe('CDK Terrain targetVersions (write-only attributes need Terraform ≥ 1.11, provider functions ≥ 1.8)', () => {
  test('a project that declares no targets is told what to declare', () => {
    expect(() => cdktn.Testing.synth(declare(cdktn, pinshipCdktn), true)).toThrow(/write-only attributes requires terraform >=1\.11\.0/)
  })

  test('targetVersions terraform >=1.11.0 synthesizes with validations', () => {
    const synthesized = JSON.parse(cdktn.Testing.synth(declare(cdktn, pinshipCdktn, { targetVersions: { terraform: '>=1.11.0' } }), true))
    expect(synthesized).toEqual(EXPECTED)
  })
})

test('examples/cdktn/main.ts typechecks against pinship/cdktn, in syntax Node\'s type stripping runs', () => {
  const { config } = ts.readConfigFile(`${ROOT}tsconfig.json`, ts.sys.readFile)
  const options = { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, rootDir: ROOT, noEmit: true, erasableSyntaxOnly: true }
  const program = ts.createProgram([`${ROOT}examples/cdktn/main.ts`], options)
  const problems = ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  expect(problems).toEqual([])
})
