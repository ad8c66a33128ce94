// npm run bench:provider [-- --runs N] [--skip-corpus]
// The Terraform provider, measured against what it is compared with, in one run on this machine:
//  1. provider start → handshake line (cold: empty code cache; warm: cache kept), node-run and standalone;
//  2. a no-op `terraform plan` of 50 applied pinship_pin next to 50 terraform_data (target ≤ 2×);
//  3. a no-op `terraform plan` of one pinship_content over the 400 MB corpus next to `pinship pack` of it (≤ 1.2×).
// Medians of N runs after a warm-up, alternating sides; ratios printed (this 2-core machine is noisy: quote ratios).
import { execFile, execFileSync, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureCorpus } from './corpus.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'skip-corpus': { type: 'boolean', default: false } } })
const runs = Number(values.runs)
const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2', PLUGIN_PROTOCOL_VERSIONS: '5,6' }

execFileSync(process.execPath, [join(root, 'scripts/build-provider.mjs')], { cwd: root, stdio: 'inherit' })
const { version } = JSON.parse(execFileSync(process.execPath, ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: root }).toString())
const platform = m => join(m, 'registry.terraform.io/pinship/pinship', version, 'linux_amd64', `terraform-provider-pinship_v${version}`)
const mirror = join(root, 'provider/build/mirror')
const scratch = mkdtempSync(join(tmpdir(), 'pinship-bench-provider-'))
console.log(`load average at start: ${loadavg().map(l => l.toFixed(2)).join(' ')}`)

async function handshakeMs (exe, env) {
  const t0 = performance.now()
  return await new Promise((resolve, reject) => {
    const c = spawn(exe, [], { env: { ...process.env, ...COOKIE, ...env }, stdio: ['ignore', 'pipe', 'ignore'] })
    c.on('error', reject)
    c.stdout.once('data', () => { resolve(performance.now() - t0); c.kill() })
  })
}

// 1. start-up
{
  const cold = []
  const warm = []
  const sea = []
  const warmCache = join(scratch, 'cache-warm')
  // prime the warm cache: the loader writes it 1.5 s after start
  await new Promise(resolve => {
    const c = spawn(platform(mirror), [], { env: { ...process.env, ...COOKIE, XDG_CACHE_HOME: warmCache }, stdio: 'ignore' })
    setTimeout(() => { c.kill(); resolve() }, 2500)
  })
  for (let i = 0; i <= runs * 2; i++) {
    const c = await handshakeMs(platform(mirror), { XDG_CACHE_HOME: join(scratch, `cache-cold-${i}`) })
    const w = await handshakeMs(platform(mirror), { XDG_CACHE_HOME: warmCache })
    const s = await handshakeMs(platform(join(root, 'provider/build/standalone/mirror')), {})
    if (i > 0) { cold.push(c); warm.push(w); sea.push(s) }
  }
  console.log(`\n1. start → handshake line (median of ${runs * 2}; target ≤ 300 ms)`)
  console.log(`   node-run, first start (no code cache): ${median(cold).toFixed(0)} ms`)
  console.log(`   node-run, code cache warm:             ${median(warm).toFixed(0)} ms`)
  console.log(`   standalone (Node 24 SEA):              ${median(sea).toFixed(0)} ms`)
}

// Asynchronous on purpose: the embedded service runs in this process and must keep answering the provider.
const execFileAsync = promisify(execFile)
async function tf (dir, args, env = {}) {
  const t0 = performance.now()
  await execFileAsync('terraform', [...args, '-no-color'], { cwd: dir, env: { ...process.env, TF_CLI_CONFIG_FILE: join(scratch, 'cli.tfrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...env }, maxBuffer: 256 * 1024 * 1024 })
  return (performance.now() - t0) / 1000
}
writeFileSync(join(scratch, 'cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n  direct {\n    exclude = ["registry.terraform.io/pinship/*"]\n  }\n}\n`)

const { startServer } = await import(join(root, 'build/server/index.js'))
const { deploy } = await import(join(root, 'build/core/index.js'))
const TOKEN = 'bench-provider-token'
const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch, 'data'), tokens: [TOKEN] })
const header = `terraform {\n  required_providers {\n    pinship = { source = "pinship/pinship" }\n  }\n}\nprovider "pinship" {\n  service  = "local"\n  endpoint = "${server.url}"\n  token    = "${TOKEN}"\n}\n`

async function sideBySide (title, a, b, target) {
  const ta = []
  const tb = []
  await a.run(); await b.run() // warm-up
  for (let i = 0; i < runs; i++) { ta.push(await a.run()); tb.push(await b.run()) }
  const ma = median(ta)
  const mb = median(tb)
  console.log(`\n${title} (median of ${runs}; target ≤ ${target}×)`)
  console.log(`   ${a.name}: ${ma.toFixed(2)} s   ${b.name}: ${mb.toFixed(2)} s   → ratio ${(ma / mb).toFixed(2)}×`)
}

try {
  // 2. 50 pins vs 50 terraform_data
  const site = join(root, 'examples/site')
  const deployed = await deploy(site, { services: [{ service: 'local', endpoint: server.url, token: TOKEN }] })
  const pins = join(scratch, 'pins')
  const data = join(scratch, 'data50')
  mkdirSync(pins); mkdirSync(data)
  writeFileSync(join(pins, 'main.tf'), header + `resource "pinship_pin" "p" {\n  count = 50\n  cid   = "${deployed.cid}"\n  name  = "bench-\${count.index}"\n}\n`)
  writeFileSync(join(data, 'main.tf'), 'resource "terraform_data" "d" {\n  count = 50\n  input = "bench-${count.index}"\n}\n')
  for (const d of [pins, data]) { await tf(d, ['init', '-input=false']); await tf(d, ['apply', '-auto-approve']) }
  await sideBySide('2. no-op terraform plan, 50 resources',
    { name: '50 pinship_pin', run: () => tf(pins, ['plan', '-detailed-exitcode']) },
    { name: '50 terraform_data', run: () => tf(data, ['plan', '-detailed-exitcode']) }, 2)

  // 3. content over the 400 MB corpus vs pinship pack
  if (!values['skip-corpus']) {
    const corpus = await ensureCorpus({ size: 'standard', log: m => console.log(m) })
    const content = join(scratch, 'content')
    mkdirSync(content)
    writeFileSync(join(content, 'main.tf'), header + `resource "pinship_content" "c" {\n  source = ${JSON.stringify(corpus)}\n}\n`)
    await tf(content, ['init', '-input=false'])
    await tf(content, ['apply', '-auto-approve'])
    const pinship = join(root, 'bin/pinship')
    await sideBySide('3. no-op terraform plan of pinship_content (400 MB corpus) vs pinship pack',
      { name: 'terraform plan', run: () => tf(content, ['plan', '-detailed-exitcode']) },
      { name: 'pinship pack', run: async () => { const t0 = performance.now(); await execFileAsync(process.execPath, [pinship, 'pack', corpus]); return (performance.now() - t0) / 1000 } }, 1.2)
  }
} finally {
  await server.close()
  rmSync(scratch, { recursive: true, force: true })
  console.log(`\nload average at end: ${loadavg().map(l => l.toFixed(2)).join(' ')}`)
}
