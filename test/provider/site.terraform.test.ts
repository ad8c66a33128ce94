/**
 * The provider as a user runs it: real `terraform` from the PATH, installed offline from the filesystem mirror that
 * `npm run build:provider` lays out, against `pinship serve` on loopback, with examples/terraform/site/main.tf.
 * create → plan empty → change a file (replacement, old and new CID) → rename the pin (in place) → import both →
 * a pin deleted behind Terraform's back → destroy.
 */
import { readFileSync } from 'node:fs'
import { appendFile, cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { tempDir } from '../deploy/folders.js'
import { ensureProviderBuilt, REPO } from '../helpers/provider-build.js'
import { importerCid, pinship } from '../pack/oracles.js'
import { serviceView, type ServiceView } from './service.js'
import { workspace, type TfWorkspace } from './terraform.js'

const TOKEN = 'tf-site-token'
let server: RunningServer
let scratch: Awaited<ReturnType<typeof tempDir>>
let w: TfWorkspace
let svc: ServiceView
let site: string
let vars: string[]

async function packCid (dir: string): Promise<string> {
  const res = await pinship(['pack', dir, '--json'])
  expect(res.code, res.stderr).toBe(0)
  return JSON.parse(res.stdout).cid
}

function state (): any {
  return JSON.parse(readFileSync(join(w.dir, 'terraform.tfstate'), 'utf8'))
}

function attrs (type: string): Record<string, any> {
  const r = state().resources.find((x: any) => x.type === type && x.mode === 'managed')
  return r?.instances[0]?.attributes
}

beforeAll(async () => {
  const build = await ensureProviderBuilt()
  scratch = await tempDir('pinship-tf-site-')
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'data'), tokens: [TOKEN] })
  svc = serviceView(server.url, TOKEN)
  site = join(scratch.path, 'site')
  await cp(join(REPO, 'examples/site'), site, { recursive: true })
  w = workspace(join(scratch.path, 'tf'), { mirror: build.mirror }, { PINSHIP_TOKEN: TOKEN })
  await writeFile(join(w.dir, 'main.tf'), await readFile(join(REPO, 'examples/terraform/site/main.tf')))
  vars = ['-var', `endpoint=${server.url}`, '-var', `site_dir=${site}`]
  const init = await w.run(['init', '-input=false'])
  expect(init.code, init.stdout + init.stderr).toBe(0)
}, 180_000)

afterAll(async () => {
  await server?.close()
  await scratch?.cleanup()
})

describe('pinship_content + pinship_pin with terraform', () => {
  let firstCid: string

  it('plans the CID before anything is uploaded, applies, and the service holds and pins it', async () => {
    firstCid = await packCid(site)
    expect(firstCid).toBe(await importerCid(site, 'unixfs-v1-2025'))
    const plan = await w.run(['plan', '-out', 'tfplan', ...vars])
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain(`+ cid      = "${firstCid}"`)
    const shown = JSON.parse((await w.run(['show', '-json', 'tfplan'])).stdout)
    const change = shown.resource_changes.find((c: any) => c.type === 'pinship_content').change
    expect(change.after.cid).toBe(firstCid)
    expect(change.after_unknown.cid).toBeUndefined()
    expect(await svc.uploads()).toEqual([])

    const apply = await w.run(['apply', '-auto-approve', 'tfplan'])
    expect(apply.code, apply.stdout + apply.stderr).toBe(0)
    const content = attrs('pinship_content')
    expect(content.cid).toBe(firstCid)
    expect(content.status).toBe('pinned')
    expect(content.source).toBe(null)
    expect(content.files).toBe(7)
    expect(await svc.uploads()).toContain(firstCid)
    const pins = await svc.pins()
    expect(pins.map(p => [p.pin.cid, p.status, p.pin.name])).toEqual([[firstCid, 'pinned', 'site mirror']])
    expect(attrs('pinship_pin').request_id).toBe(pins[0]!.requestid)
    const page = await svc.gateway(`/ipfs/${firstCid}/index.html`)
    expect(page.status).toBe(200)
    const out = JSON.parse((await w.run(['output', '-json'])).stdout)
    expect(out.cid.value).toBe(firstCid)
    expect(out.dnslink.value).toBe(`dnslink=/ipfs/${firstCid}`)
  })

  it('plans nothing on a second run', async () => {
    const plan = await w.run(['plan', '-detailed-exitcode', ...vars])
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
  })

  it('a changed file plans a replacement showing the old and new CID; apply serves the new CID', async () => {
    await appendFile(join(site, 'index.html'), '\n<!-- changed -->\n')
    const newCid = await packCid(site)
    expect(newCid).not.toBe(firstCid)
    const plan = await w.run(['plan', ...vars])
    expect(plan.stdout).toContain('pinship_content.site must be replaced')
    expect(plan.stdout).toContain(`~ cid      = "${firstCid}" -> "${newCid}" # forces replacement`)
    const apply = await w.run(['apply', '-auto-approve', ...vars])
    expect(apply.code, apply.stdout + apply.stderr).toBe(0)
    expect(attrs('pinship_content').cid).toBe(newCid)
    const page = await svc.gateway(`/ipfs/${newCid}/index.html`)
    expect(page.body).toContain('<!-- changed -->')
    expect(await svc.uploads()).toEqual([newCid])
    expect((await svc.pins()).map(p => p.pin.cid)).toEqual([newCid])
    firstCid = newCid
  })

  it('renaming the pin updates it in place with a new request id', async () => {
    const before = attrs('pinship_pin').request_id
    const renamed = [...vars, '-var', 'pin_name=renamed mirror']
    const plan = await w.run(['plan', ...renamed])
    expect(plan.stdout).toContain('pinship_pin.mirror will be updated in-place')
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.')
    const apply = await w.run(['apply', '-auto-approve', ...renamed])
    expect(apply.code, apply.stdout + apply.stderr).toBe(0)
    const after = attrs('pinship_pin')
    expect(after.name).toBe('renamed mirror')
    expect(after.request_id).not.toBe(before)
    const pins = await svc.pins()
    expect(pins.map(p => [p.requestid, p.pin.name])).toEqual([[after.request_id, 'renamed mirror']])
    vars = renamed
  })

  it('imports a pin by request id and content by CID; the next plan is empty', async () => {
    const requestId = attrs('pinship_pin').request_id
    expect((await w.run(['state', 'rm', 'pinship_pin.mirror', 'pinship_content.site'])).code).toBe(0)
    const ip = await w.run(['import', ...vars, 'pinship_pin.mirror', requestId])
    expect(ip.code, ip.stdout + ip.stderr).toBe(0)
    const ic = await w.run(['import', ...vars, 'pinship_content.site', firstCid])
    expect(ic.code, ic.stdout + ic.stderr).toBe(0)
    const plan = await w.run(['plan', '-detailed-exitcode', ...vars])
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
  })

  it('a pin deleted behind Terraform\'s back is planned for re-creation', async () => {
    expect(await svc.deletePin(attrs('pinship_pin').request_id)).toBe(202)
    const plan = await w.run(['plan', ...vars])
    expect(plan.stdout).toMatch(/pinship_pin\.mirror will be created/)
    const apply = await w.run(['apply', '-auto-approve', ...vars])
    expect(apply.code, apply.stdout + apply.stderr).toBe(0)
    expect((await svc.pins()).map(p => p.pin.cid)).toEqual([firstCid])
  })

  it('content the service no longer holds is dropped from state at refresh and planned again', async () => {
    // the pin holds the same CID: remove both, so the service holds nothing of it
    const res = await fetch(`${server.url}/user/uploads/${firstCid}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBeLessThan(300)
    expect(await svc.deletePin(attrs('pinship_pin').request_id)).toBe(202)
    const plan = await w.run(['plan', ...vars])
    expect(plan.stdout).toMatch(/pinship_content\.site will be created/)
    expect(plan.stdout).toMatch(/pinship_pin\.mirror will be created/)
    const apply = await w.run(['apply', '-auto-approve', ...vars])
    expect(apply.code, apply.stdout + apply.stderr).toBe(0)
    expect(await svc.uploads()).toEqual([firstCid])
  })

  it('destroy leaves the service holding neither', async () => {
    const res = await w.run(['destroy', '-auto-approve', ...vars])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(await svc.uploads()).toEqual([])
    expect(await svc.pins()).toEqual([])
  })
})
