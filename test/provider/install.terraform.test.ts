/**
 * Installing the provider as the README says, offline: `terraform init` from the filesystem mirror (node-run
 * executable, and the standalone one with no node on the PATH), `dev_overrides` without init; and the functions'
 * documented examples (examples/terraform/functions/*) evaluated by terraform give the values their comments state.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureProviderBuilt, REPO, type ProviderBuild } from '../helpers/provider-build.js'
import { workspace } from './terraform.js'

let build: ProviderBuild
let scratch: string
const functionsDir = join(REPO, 'examples/terraform/functions')
const header = 'terraform {\n  required_providers {\n    pinship = { source = "pinship/pinship" }\n  }\n}\n'

beforeAll(async () => {
  build = await ensureProviderBuilt()
  scratch = await mkdtemp(join(tmpdir(), 'pinship-tf-install-'))
}, 180_000)

afterAll(async () => { await rm(scratch, { recursive: true, force: true }) })

function functionExamples (): { tf: string, expected: Record<string, string> } {
  let tf = header
  const expected: Record<string, string> = {}
  for (const name of readdirSync(functionsDir)) {
    const text = readFileSync(join(functionsDir, name, 'function.tf'), 'utf8')
    tf += text + '\n'
    const m = /output "([^"]+)"[\s\S]*?# "([^"]+)"/.exec(text)
    if (m === null) throw new Error(`examples/terraform/functions/${name}/function.tf states no expected value`)
    expected[m[1]!] = m[2]!
  }
  return { tf, expected }
}

describe('offline installation', () => {
  it('terraform init installs from the filesystem mirror and records the checksum; the documented function examples hold', async () => {
    const w = workspace(join(scratch, 'mirror'), { mirror: build.mirror })
    const { tf, expected } = functionExamples()
    expect(Object.keys(expected).sort()).toEqual(['cid_v1', 'dnslink', 'gateway_url'])
    w.write('main.tf', tf)
    const init = await w.run(['init', '-input=false'])
    expect(init.code, init.stdout + init.stderr).toBe(0)
    expect(init.stdout).toMatch(/Installing pinship\/pinship v\d+\.\d+\.\d+/)
    expect(readFileSync(join(w.dir, '.terraform.lock.hcl'), 'utf8')).toMatch(/"h1:/)
    const apply = await w.run(['apply', '-auto-approve'])
    expect(apply.code, apply.stdout + apply.stderr).toBe(0)
    const out = JSON.parse((await w.run(['output', '-json'])).stdout)
    for (const [k, v] of Object.entries(expected)) expect(out[k].value, k).toBe(v)
  })

  it('the standalone executable runs with no node on the PATH', async () => {
    expect(existsSync(build.standaloneExecutable)).toBe(true)
    const terraformDir = dirname(require_terraform())
    const w = workspace(join(scratch, 'standalone'), { mirror: build.standaloneMirror }, { PATH: terraformDir })
    w.write('main.tf', header + 'output "d" {\n  value = provider::pinship::dnslink("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")\n}\n')
    const init = await w.run(['init', '-input=false'])
    expect(init.code, init.stdout + init.stderr).toBe(0)
    const plan = await w.run(['plan'])
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(plan.stdout).toContain('+ d = "dnslink=/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"')
  })

  it('dev_overrides runs the provider without terraform init, with the usual warning', async () => {
    const w = workspace(join(scratch, 'dev'), { devOverrides: { 'registry.terraform.io/pinship/pinship': dirname(build.executable) } })
    w.write('main.tf', header + 'output "v1" {\n  value = provider::pinship::cid_v1("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")\n}\n')
    const plan = await w.run(['plan'])
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(plan.stdout + plan.stderr).toContain('Provider development overrides are in effect')
    expect(plan.stdout).toContain('+ v1 = "bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34"')
  })
})

/** terraform's own path, so a PATH can hold it without node. */
function require_terraform (): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, 'terraform')
    if (existsSync(p)) return p
  }
  throw new Error('terraform is not on the PATH')
}
