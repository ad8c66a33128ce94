/**
 * The provider's schema as Terraform sees it: build the provider when its sources are newer than the build, then
 * `terraform providers schema -json` in a scratch folder, installing from the filesystem mirror (offline).
 * Used by the docs generator (npm run docs:provider); tests use test/helpers/provider-build.ts.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
export const mirror = join(root, 'provider/build/mirror')
export const ADDRESS = 'registry.terraform.io/pinship/pinship'
const exe = join(mirror, ADDRESS, version, 'linux_amd64', `terraform-provider-pinship_v${version}`)

function newest (dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

export function ensureBuilt () {
  const sources = Math.max(...['provider/src', 'provider/proto', 'src/core', 'scripts/build-provider.mjs'].map(p => {
    const abs = join(root, p)
    return statSync(abs).isDirectory() ? newest(abs) : statSync(abs).mtimeMs
  }))
  if (!existsSync(exe) || statSync(exe).mtimeMs < sources) {
    execFileSync(process.execPath, [join(root, 'scripts/build-provider.mjs'), '--no-sea'], { cwd: root, stdio: 'pipe' })
  }
  return mirror
}

export function providerSchema () {
  ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'pinship-schema-'))
  try {
    writeFileSync(join(dir, 'cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`)
    writeFileSync(join(dir, 'main.tf'), 'terraform {\n  required_providers {\n    pinship = { source = "pinship/pinship" }\n  }\n}\n')
    const env = { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }
    execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' })
    const out = execFileSync('terraform', ['providers', 'schema', '-json'], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 })
    return JSON.parse(String(out)).provider_schemas[ADDRESS]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
