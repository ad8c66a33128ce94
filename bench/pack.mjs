// npm run bench:pack [-- --corpus 2gb] [--runs N]
// Times `pinship pack --profile ipfs-car -o x.car` against `ipfs-car pack --no-wrap -H -o y.car` on the same corpus,
// side by side as child processes (a warm-up each, then N alternating runs), checks both print the same root, and
// reports the median wall-time ratio and each side's peak RSS.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureCorpus } from './corpus.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const pinshipBin = join(root, 'bin', 'pinship')
const ipfsCarBin = join(root, 'node_modules', 'ipfs-car', 'bin.js')
const GNU_TIME = '/usr/bin/time'

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'standard' },
    runs: { type: 'string', default: '5' }
  }
})
const runs = Number(values.runs)

if (!existsSync(join(root, 'build', 'cli', 'index.js'))) {
  console.error('pinship is not built: run `npm run build` first.')
  process.exit(1)
}

/** Peak RSS: GNU time's %M when present, else sampling VmHWM (the kernel's own high-water mark) while it runs. */
const haveGnuTime = existsSync(GNU_TIME)

async function run (command, args) {
  const argv = haveGnuTime ? [GNU_TIME, ['-f', 'PEAK_RSS_KB=%M CPU_S=%U+%S', process.execPath, command, ...args]] : [process.execPath, [command, ...args]]
  const started = process.hrtime.bigint()
  const child = spawn(argv[0], argv[1], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let sampledKb = 0
  child.stdout.on('data', d => { stdout += d })
  child.stderr.on('data', d => { stderr += d })
  const sampler = haveGnuTime
    ? null
    : setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')
      const m = /VmHWM:\s+(\d+) kB/.exec(status)
      if (m) sampledKb = Math.max(sampledKb, Number(m[1]))
    }, 10)
  const code = await new Promise(resolve => child.on('close', resolve))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (sampler) clearInterval(sampler)
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`)
  const m = /PEAK_RSS_KB=(\d+)/.exec(stderr)
  const peakMb = (m ? Number(m[1]) : sampledKb) / 1024
  // CPU time (user + system) is less disturbed than wall time when other work shares the machine
  const cpu = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr)
  const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN
  return { seconds, peakMb, cpuSeconds, stdout }
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const corpus = await ensureCorpus({ size: values.corpus, log: m => console.log(m) })
const work = await mkdtemp(join(tmpdir(), 'pinship-bench-pack-'))
const x = join(work, 'x.car')
const y = join(work, 'y.car')
const sides = {
  pinship: { args: [pinshipBin, ['pack', corpus, '--profile', 'ipfs-car', '-o', x]], root: out => out.split('\n')[0].trim() },
  'ipfs-car': { args: [ipfsCarBin, ['pack', corpus, '--no-wrap', '-H', '-o', y]], root: out => out.trim().split('\n').pop().trim() }
}

try {
  console.log(`corpus: ${corpus} (${values.corpus}); ${runs} runs each after a warm-up; peak RSS via ${haveGnuTime ? 'GNU time' : 'VmHWM sampling'}`)
  const results = { pinship: [], 'ipfs-car': [] }
  const roots = {}
  for (let i = -1; i < runs; i++) {
    // alternate the order so neither side always runs on a warmer page cache
    const order = i % 2 === 0 ? ['pinship', 'ipfs-car'] : ['ipfs-car', 'pinship']
    for (const name of order) {
      const r = await run(...sides[name].args)
      const rootCid = sides[name].root(r.stdout)
      // every run must print the same root as the first (a non-deterministic or broken run is not timed silently)
      if (roots[name] !== undefined && roots[name] !== rootCid) {
        throw new Error(`${name} printed root ${rootCid}, but ${roots[name]} on an earlier run of the same corpus`)
      }
      roots[name] = rootCid
      if (i >= 0) results[name].push(r)
      const cpu = Number.isNaN(r.cpuSeconds) ? '' : `  cpu ${r.cpuSeconds.toFixed(2)} s`
      console.log(`${i < 0 ? 'warm-up' : `run ${i + 1}`}  ${name.padEnd(8)} ${r.seconds.toFixed(3)} s  peak RSS ${r.peakMb.toFixed(0)} MB${cpu}`)
    }
  }
  if (roots.pinship !== roots['ipfs-car']) {
    console.error(`ROOT MISMATCH: pinship ${roots.pinship} vs ipfs-car ${roots['ipfs-car']}`)
    process.exitCode = 1
  } else {
    console.log(`same root: ${roots.pinship}`)
  }
  const p = median(results.pinship.map(r => r.seconds))
  const c = median(results['ipfs-car'].map(r => r.seconds))
  const prss = Math.max(...results.pinship.map(r => r.peakMb))
  const crss = Math.max(...results['ipfs-car'].map(r => r.peakMb))
  console.log('')
  console.log(`median wall time: pinship ${p.toFixed(3)} s, ipfs-car ${c.toFixed(3)} s → pinship is ${(c / p).toFixed(2)}× faster`)
  console.log(`peak RSS: pinship ${prss.toFixed(0)} MB, ipfs-car ${crss.toFixed(0)} MB`)
  const pc = median(results.pinship.map(r => r.cpuSeconds))
  const cc = median(results['ipfs-car'].map(r => r.cpuSeconds))
  if (!Number.isNaN(pc)) console.log(`median CPU time (user+sys): pinship ${pc.toFixed(2)} s, ipfs-car ${cc.toFixed(2)} s → ${(cc / pc).toFixed(2)}× less`)
  console.log(`load average during the runs: ${loadavg().map(l => l.toFixed(2)).join(' ')} (other work on the machine skews wall times)`)
} finally {
  await rm(work, { recursive: true, force: true })
}
