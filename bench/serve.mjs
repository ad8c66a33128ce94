// npm run bench:serve [-- --corpus 2gb] [--runs N] [--parallel K]
// Ingest throughput of the embedded service next to `pinship pack` of the same folder. The corpus is packed into
// CAR shards of at most 100 MB (timed: that is the pack side), then each run starts a fresh `pinship serve` on an
// empty data dir and POSTs every shard to /car over loopback (timed from the first byte sent to the last ack, so
// it covers transfer, block verification and the durable commit). Reports medians and the ingest / pack ratio.
import { spawn } from 'node:child_process'
import { createReadStream, existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureCorpus } from './corpus.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const pinshipBin = join(root, 'bin', 'pinship')
const SHARD_SIZE = 100_000_000
const TOKEN = 'bench-token'

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'standard' },
    runs: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '1' }
  }
})
const runs = Number(values.runs)
const parallel = Number(values.parallel)

if (!existsSync(join(root, 'build', 'cli', 'index.js'))) {
  console.error('pinship is not built: run `npm run build` first.')
  process.exit(1)
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function runPack (corpus, outDir) {
  await rm(outDir, { recursive: true, force: true })
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, [pinshipBin, 'pack', corpus, '--shard-size', String(SHARD_SIZE), '-o', outDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => { stdout += d })
  child.stderr.on('data', d => { stderr += d })
  const code = await new Promise(resolve => child.on('close', resolve))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (code !== 0) throw new Error(`pinship pack exited ${code}:\n${stderr}`)
  return { seconds, result: JSON.parse(stdout) }
}

async function startServe (dataDir) {
  const child = spawn(process.execPath, [pinshipBin, 'serve', '--port', '0', '--json', '--data', dataDir, '--token', TOKEN], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', code => reject(new Error(`pinship serve exited ${code}`)))
  })
  return { child, url: JSON.parse(first).url }
}

async function stopServe (serve) {
  const exited = new Promise(resolve => serve.child.once('exit', resolve))
  serve.child.kill('SIGTERM')
  await exited
}

function postShard (url, path, bytes) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/car`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': bytes, 'content-type': 'application/vnd.ipld.car' } }, res => {
      let body = ''
      res.on('data', d => { body += d })
      res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`POST /car answered ${res.statusCode}: ${body}`)))
    })
    req.on('error', reject)
    createReadStream(path).on('error', reject).pipe(req)
  })
}

async function ingest (url, shards) {
  const started = process.hrtime.bigint()
  const queue = [...shards]
  const cids = []
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (queue.length > 0) {
      const s = queue.shift()
      cids.push((await postShard(url, s.path, s.bytes)).cid)
    }
  }))
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cids }
}

const corpus = await ensureCorpus({ size: values.corpus, log: m => console.log(m) })
const work = await mkdtemp(join(tmpdir(), 'pinship-bench-serve-'))
try {
  const shardDir = join(work, 'shards')
  console.log(`corpus: ${corpus} (${values.corpus}); shards ≤ ${SHARD_SIZE} bytes; ${runs} runs each after a warm-up; ${parallel} upload(s) at a time`)
  const packTimes = []
  const ingestTimes = []
  let packed
  for (let i = -1; i < runs; i++) {
    const p = await runPack(corpus, shardDir)
    packed = p.result
    const shards = []
    for (const name of (await readdir(shardDir)).sort()) shards.push({ path: join(shardDir, name), bytes: (await stat(join(shardDir, name))).size })

    const dataDir = join(work, `data-${i + 1}`)
    const serve = await startServe(dataDir)
    let ing
    try {
      ing = await ingest(serve.url, shards)
      const status = await (await fetch(`${serve.url}/status/${packed.cid}`)).json()
      if (status.pins?.[0]?.status !== 'Pinned') throw new Error(`after all shards, ${packed.cid} is ${status.pins?.[0]?.status}`)
      if (ing.cids.some(c => c !== packed.cid)) throw new Error(`the service reported ${ing.cids.join(', ')} for root ${packed.cid}`)
    } finally {
      await stopServe(serve)
      await rm(dataDir, { recursive: true, force: true })
    }
    const label = i < 0 ? 'warm-up' : `run ${i + 1}`
    console.log(`${label}: pack ${p.seconds.toFixed(2)} s, ingest ${ing.seconds.toFixed(2)} s (${shards.length} shards, ${(packed.carBytes / 1e6).toFixed(0)} MB)`)
    if (i >= 0) { packTimes.push(p.seconds); ingestTimes.push(ing.seconds) }
  }
  const pack = median(packTimes)
  const ing = median(ingestTimes)
  const mbps = s => (packed.carBytes / 1e6 / s).toFixed(0)
  console.log(`root ${packed.cid}: ${packed.files} files, ${(packed.carBytes / 1e6).toFixed(0)} MB of CAR in ${packed.shards.length} shards`)
  console.log(`median pack    ${pack.toFixed(2)} s (${mbps(pack)} MB/s)`)
  console.log(`median ingest  ${ing.toFixed(2)} s (${mbps(ing)} MB/s, verify + durable store over loopback)`)
  console.log(`ratio ingest / pack = ${(ing / pack).toFixed(2)} (target ≤ 1.5)`)
} finally {
  await rm(work, { recursive: true, force: true })
}
