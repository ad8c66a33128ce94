/**
 * The protocol against the real `terraform` on the PATH, through the fixture provider (no pinship service in the
 * way): plan with values known at plan time, apply, an empty second plan, replacement, write-only attributes kept
 * out of state, import, drift, functions, diagnostics, logs, and Ctrl-C during a slow apply.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, chmodSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { processesMatching, waitForOutput, workspace, type TfWorkspace } from './terraform.js'

const root = join(import.meta.dirname, '../..')
let scratch: string
let bin: string

const mainTf = (input: string, extra = ''): string => `
terraform {
  required_providers {
    pinfix = { source = "example.com/test/pinfix" }
  }
}
provider "pinfix" { prefix = "x" }
resource "pinfix_echo" "a" {
  input = ${JSON.stringify(input)}
  note  = "write-only secret"
  ${extra}
}
output "id" { value = pinfix_echo.a.id }
output "len" { value = pinfix_echo.a.length }
output "dbl" { value = provider::pinfix::double(21) }
`

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pinship-tfproto-'))
  const out = join(scratch, 'build')
  execFileSync(process.execPath, [join(root, 'scripts/build-provider.mjs'), 'test/provider/fixtures/fixture-main.ts', '--out', out, '--version', '0.0.1', '--no-sea'], { cwd: root, stdio: 'pipe' })
  bin = join(scratch, 'bin')
  mkdirSync(bin)
  copyFileSync(join(out, 'mirror/registry.terraform.io/pinship/pinship/0.0.1/linux_amd64/terraform-provider-pinship_v0.0.1'), join(bin, 'terraform-provider-pinfix'))
  chmodSync(join(bin, 'terraform-provider-pinfix'), 0o755)
}, 120_000)

afterAll(() => { rmSync(scratch, { recursive: true, force: true }) })

function ws (name: string): TfWorkspace {
  return workspace(join(scratch, name), { devOverrides: { 'example.com/test/pinfix': bin } })
}

describe('tfplugin6 with terraform 1.11', () => {
  it('plans values known at plan time, applies, then plans nothing; write-only values stay out of state', async () => {
    const w = ws('lifecycle')
    w.write('main.tf', mainTf('hello'))
    const plan = await w.run(['plan', '-out', 'tfplan'])
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/\+ length\s+= 5/)
    expect(plan.stdout).toMatch(/\+ dbl = 42/)
    const shown = JSON.parse((await w.run(['show', '-json', 'tfplan'])).stdout)
    expect(shown.resource_changes[0].change.after.length).toBe(5)
    expect(shown.resource_changes[0].change.after_unknown.id).toBe(true)
    const apply = await w.run(['apply', '-auto-approve', 'tfplan'])
    expect(apply.code, apply.stderr).toBe(0)
    expect(apply.stdout).toContain('id = "x-hello"')
    const state = readFileSync(join(w.dir, 'terraform.tfstate'), 'utf8')
    expect(state).not.toContain('write-only secret')
    expect(JSON.parse(state).resources[0].instances[0].attributes.note_length).toBe(17)
    const again = await w.run(['plan', '-detailed-exitcode'])
    expect(again.code, again.stdout + again.stderr).toBe(0)

    w.write('main.tf', mainTf('world'))
    const replace = await w.run(['plan'])
    expect(replace.stdout).toContain('pinfix_echo.a must be replaced')
    expect(replace.stdout).toMatch(/input\s+= "hello" -> "world" # forces replacement/)
    expect((await w.run(['apply', '-auto-approve'])).stdout).toContain('id = "x-world"')

    const destroy = await w.run(['destroy', '-auto-approve'])
    expect(destroy.code, destroy.stderr).toBe(0)
    expect(destroy.stdout).toContain('Destroy complete! Resources: 1 destroyed.')
  })

  it('imports, and plans a re-create when the object is gone behind its back', async () => {
    const w = ws('import')
    w.write('main.tf', mainTf('there'))
    const imp = await w.run(['import', 'pinfix_echo.a', 'x-there'])
    expect(imp.code, imp.stderr).toBe(0)
    expect(imp.stdout).toContain('Import successful!')
    const gone = await w.run(['plan'], { env: { PINFIX_GONE: 'x-there' } })
    expect(gone.stdout).toMatch(/pinfix_echo\.a will be created/)
  })

  it('shows our diagnostics (summary, detail, attribute) and exits non-zero within seconds', async () => {
    const w = ws('invalid')
    w.write('main.tf', mainTf(''))
    const res = await w.run(['plan'])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('Error: input must not be empty')
    expect(res.stderr).toContain('Give some text.')
    expect(res.stderr).toContain('with pinfix_echo.a')
    expect(res.ms).toBeLessThan(15_000)
    const fn = ws('function-error')
    fn.write('main.tf', mainTf('ok').replace('double(21)', 'double(-1)'))
    const bad = await fn.run(['plan'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('n must be a non-negative number')
  })

  it('logs to Terraform as hclog lines, visible with TF_LOG_PROVIDER', async () => {
    const w = ws('logs')
    w.write('main.tf', mainTf('logs'))
    const res = await w.run(['plan'], { env: { TF_LOG_PROVIDER: 'DEBUG' } })
    expect(res.code).toBe(0)
    expect(res.stderr).toMatch(/plugin started/)
  })

  it('Ctrl-C during a slow apply: StopProvider cancels it, terraform exits, no provider process is left', async () => {
    const w = ws('interrupt')
    w.write('main.tf', mainTf('slow', 'slow_ms = 120000'))
    const { child, output, done } = w.start(['apply', '-auto-approve'])
    expect(await waitForOutput(output, 'Creating...'), output()).toBe(true)
    const t0 = Date.now()
    child.kill('SIGINT')
    const res = await done
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(res.code).not.toBe(0)
    expect(res.stdout + res.stderr).toMatch(/Cancelled|Interrupt received/)
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(processesMatching(bin)).toEqual([])
  })

  it('when terraform is killed outright, the provider notices and exits by itself', async () => {
    const w = ws('killed')
    w.write('main.tf', mainTf('slow', 'slow_ms = 120000'))
    const { child, output, done } = w.start(['apply', '-auto-approve'])
    expect(await waitForOutput(output, 'Creating...'), output()).toBe(true)
    expect(processesMatching(bin).length).toBeGreaterThan(0)
    child.kill('SIGKILL')
    await done
    const until = Date.now() + 5000
    while (processesMatching(bin).length > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
    expect(processesMatching(bin)).toEqual([])
  })
})
