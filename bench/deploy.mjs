// npm run bench:deploy [-- --corpus standard] [--runs N] [--shard-size BYTES] [--skip-in-process] [--skip-incremental]
// Deploys the ~400 MB benchmark corpus to the embedded service over loopback and compares the wall time with
// `pinship pack` of the same folder (the target: deploy ≤ 1.5× pack, because uploading overlaps packing).
// Both sides run as child processes of the CLI, alternating, after a warm-up; the embedded service runs in this
// process (as `pinship serve` would, in its own process) on a fresh data folder per run so no run benefits from
// blocks a previous run stored. Also reports an in-process deploy (nothing configured: the CLI starts the service
// itself), which shares one thread between packing and the service. Those sides run with --no-cache (a first
// deploy of a fresh build: nothing cached), and one more with a warm pack cache (the folder was packed before).
//
// Then the incremental part, per run on a fresh service and a fresh cache folder: a first deploy, a re-deploy after
// appending a line to one small file (only that file's blocks and the directories above it should be sent), a no-op
// re-deploy (nothing sent), and `pinship pack` (CIDs only) with a cold and then a warm cache. The file is put back
// as it was afterwards.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureCorpus } from './corpus.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const pinshipBin = join(root, 'bin', 'pinship')
const TOKEN = 'bench-deploy-token'

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'standard' },
    runs: { type: 'string', default: '5' },
    'shard-size': { type: 'string' },
    'skip-in-process': { type: 'boolean', default: false },
    'skip-incremental': { type: 'boolean', default: false }
  }
})
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number ≥ 1, got ${values.runs}`)
  process.exit(2)
}

if (!existsSync(join(root, 'build', 'cli', 'index.js')) || !existsSync(join(root, 'build', 'server', 'index.js'))) {
  console.error('pinship is not built: run `npm run build` first.')
  process.exit(1)
}
const { startServer } = await import(join(root, 'build', 'server', 'index.js'))

async function run (args) {
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, [pinshipBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PINSHIP_SERVICE: '', PINSHIP_ENDPOINT: '', PINSHIP_TOKEN: '' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => { stdout += d })
  child.stderr.on('data', d => { stderr += d })
  const code = await new Promise(resolve => child.on('close', resolve))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (code !== 0) throw new Error(`pinship ${args.join(' ')} exited ${code}:\n${stderr}`)
  return { seconds, stdout }
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const corpus = await ensureCorpus({ size: values.corpus, log: m => console.log(m) })
const work = await mkdtemp(join(tmpdir(), 'pinship-bench-deploy-'))
const shardArgs = values['shard-size'] !== undefined ? ['--shard-size', values['shard-size']] : []

const sides = {
  pack: async i => {
    const r = await run(['pack', corpus, '--no-cache', '-o', join(work, `pack-${i}.car`)])
    await rm(join(work, `pack-${i}.car`), { force: true })
    return { ...r, cid: r.stdout.split('\n')[0].trim() }
  },
  deploy: async i => {
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(work, `data-${i}`), tokens: [TOKEN] })
    try {
      const r = await run(['deploy', corpus, '--no-cache', '--service', 'local', '--endpoint', server.url, '--token', TOKEN, '--json', ...shardArgs])
      const out = JSON.parse(r.stdout)
      if (out.results[0].status !== 'pinned') throw new Error(`deploy ended ${out.results[0].status}: ${JSON.stringify(out.results[0].error)}`)
      return { ...r, cid: out.cid }
    } finally {
      await server.close()
      await rm(join(work, `data-${i}`), { recursive: true, force: true })
    }
  },
  'deploy (warm cache)': async i => {
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(work, `data-w-${i}`), tokens: [TOKEN] })
    try {
      // one cache for every run: warmed by the warm-up run, as after an earlier pack of the same folder
      const r = await run(['deploy', corpus, '--cache-dir', join(work, 'warm-cache'), '--service', 'local', '--endpoint', server.url, '--token', TOKEN, '--json', ...shardArgs])
      const out = JSON.parse(r.stdout)
      if (out.results[0].status !== 'pinned') throw new Error(`deploy ended ${out.results[0].status}: ${JSON.stringify(out.results[0].error)}`)
      return { ...r, cid: out.cid }
    } finally {
      await server.close()
      await rm(join(work, `data-w-${i}`), { recursive: true, force: true })
    }
  },
  'deploy (in-process)': async i => {
    const data = join(work, `inproc-${i}`)
    try {
      const r = await run(['deploy', corpus, '--no-cache', '--data', data, '--json', ...shardArgs])
      return { ...r, cid: JSON.parse(r.stdout).cid }
    } finally {
      await rm(data, { recursive: true, force: true })
    }
  }
}
const names = values['skip-in-process'] ? ['pack', 'deploy', 'deploy (warm cache)'] : ['pack', 'deploy', 'deploy (warm cache)', 'deploy (in-process)']

/** The first small HTML file of the corpus (sorted walk): the one-file change. */
async function smallFile (dir) {
  for (const name of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name < b.name ? -1 : 1)) {
    const p = join(dir, name.name)
    if (name.isDirectory()) {
      const found = await smallFile(p)
      if (found !== undefined) return found
    } else if (name.name.endsWith('.html') && (await stat(p)).size < 64 * 1024) {
      return p
    }
  }
  return undefined
}

async function incremental (i) {
  const cache = join(work, `inc-cache-${i}`)
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(work, `inc-data-${i}`), tokens: [TOKEN] })
  const file = await smallFile(corpus)
  const size = (await stat(file)).size
  const deployOnce = async () => {
    const r = await run(['deploy', corpus, '--cache-dir', cache, '--service', 'local', '--endpoint', server.url, '--token', TOKEN, '--json', ...shardArgs])
    const out = JSON.parse(r.stdout)
    if (out.results[0].status !== 'pinned') throw new Error(`deploy ended ${out.results[0].status}: ${JSON.stringify(out.results[0].error)}`)
    return { seconds: r.seconds, cid: out.cid, uploaded: out.results[0].uploadedBytes, skipped: out.results[0].skippedBytes }
  }
  try {
    const first = await deployOnce()
    await appendFile(file, `<!-- bench run ${i} -->\n`)
    let changed
    let noop
    try {
      changed = await deployOnce()
      noop = await deployOnce()
    } finally {
      await truncate(file, size)
    }
    const packCache = join(work, `inc-pack-cache-${i}`)
    const cold = await run(['pack', corpus, '--cache-dir', packCache])
    const warm = await run(['pack', corpus, '--cache-dir', packCache])
    if (cold.stdout.split('\n')[0] !== warm.stdout.split('\n')[0]) throw new Error(`pack CIDs differ cold/warm: ${cold.stdout} / ${warm.stdout}`)
    if (changed.cid === first.cid || noop.cid !== changed.cid) throw new Error('the change did not change the root, or the no-op did')
    return { first, changed, noop, cold: cold.seconds, warm: warm.seconds }
  } finally {
    await server.close()
    await rm(join(work, `inc-data-${i}`), { recursive: true, force: true })
    await rm(cache, { recursive: true, force: true })
  }
}

const fmtBytes = n => n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`

try {
  console.log(`corpus: ${corpus} (${values.corpus}); ${runs} runs each after a warm-up; service on 127.0.0.1, fresh data folder per run`)
  const results = Object.fromEntries(names.map(n => [n, []]))
  const cids = {}
  for (let i = -1; i < runs; i++) {
    // rotate the order so no side always runs on a warmer page cache
    const order = names.map((_, k) => names[(k + Math.max(i, 0)) % names.length])
    for (const name of order) {
      const r = await sides[name](`${i + 1}`)
      cids[name] = r.cid
      if (i >= 0) results[name].push(r.seconds)
      console.log(`${i < 0 ? 'warm-up' : `run ${i + 1}`}  ${name.padEnd(20)} ${r.seconds.toFixed(3)} s`)
    }
  }
  const distinct = new Set(Object.values(cids))
  if (distinct.size !== 1) {
    console.error(`ROOT MISMATCH: ${JSON.stringify(cids)}`)
    process.exitCode = 1
  } else {
    console.log(`same root everywhere: ${[...distinct][0]}`)
  }
  const p = median(results.pack)
  console.log('')
  for (const name of names.slice(1)) {
    const d = median(results[name])
    console.log(`median wall time: ${name} ${d.toFixed(3)} s vs pack ${p.toFixed(3)} s → ${(d / p).toFixed(2)}× pack (target ≤ 1.50×)`)
  }

  if (!values['skip-incremental']) {
    console.log('')
    console.log('incremental: first deploy, re-deploy after a one-file change, no-op re-deploy; pack with a cold and a warm cache')
    const inc = []
    for (let i = 0; i < runs; i++) {
      const r = await incremental(i + 1)
      inc.push(r)
      console.log(`run ${i + 1}  first ${r.first.seconds.toFixed(3)} s (sent ${fmtBytes(r.first.uploaded)})  one-file change ${r.changed.seconds.toFixed(3)} s (sent ${fmtBytes(r.changed.uploaded)}, skipped ${fmtBytes(r.changed.skipped)})  ` +
        `no-op ${r.noop.seconds.toFixed(3)} s (sent ${fmtBytes(r.noop.uploaded)})  pack cold ${r.cold.toFixed(3)} s, warm ${r.warm.toFixed(3)} s`)
    }
    const m = key => median(inc.map(key))
    const first = m(r => r.first.seconds)
    console.log('')
    console.log(`median: re-deploy after a one-file change ${m(r => r.changed.seconds).toFixed(3)} s = ${(m(r => r.changed.seconds) / first).toFixed(2)}× the first deploy (target ≤ 0.25×), sent at most ${fmtBytes(Math.max(...inc.map(r => r.changed.uploaded)))} (target < 1 MiB)`)
    console.log(`median: no-op re-deploy ${m(r => r.noop.seconds).toFixed(3)} s = ${(m(r => r.noop.seconds) / first).toFixed(2)}× the first deploy (target ≤ 0.15×), sent at most ${fmtBytes(Math.max(...inc.map(r => r.noop.uploaded)))}`)
    console.log(`median: pinship pack with a warm cache ${m(r => r.warm).toFixed(3)} s = ${(m(r => r.warm) / m(r => r.cold)).toFixed(2)}× a cold one (${m(r => r.cold).toFixed(3)} s; target ≤ 0.2×)`)
  }
} finally {
  await rm(work, { recursive: true, force: true })
}
