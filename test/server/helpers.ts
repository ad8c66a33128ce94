// Shared set-up for the embedded service tests: temp data dirs, a started server, CAR building blocks.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CarWriter } from '@ipld/car/writer'
import { importer } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js'

export const ROOT = new URL('../../', import.meta.url).pathname
const run = promisify(execFile)

export async function tempDir (prefix = 'pinship-server-'): Promise<{ path: string, remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: async () => await rm(path, { recursive: true, force: true }) }
}

export interface TestServer extends RunningServer {
  dir: string
  /** Authorization header for tokens[i]. */
  auth: (i?: number) => Record<string, string>
  stop: () => Promise<void>
}

/** A server on 127.0.0.1:0 in a fresh temp data dir; stop() closes it and removes the dir. */
export async function startTestServer (options: ServerOptions = {}, dataDir?: string): Promise<TestServer> {
  const tmp = dataDir === undefined ? await tempDir() : undefined
  const dir = dataDir ?? (tmp as { path: string }).path
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, tokens: ['token-alice', 'token-bob'], ...options })
  return {
    ...server,
    dir,
    auth: (i = 0) => ({ authorization: `Bearer ${server.tokens[i]}` }),
    stop: async () => { await server.close(); await tmp?.remove() }
  }
}

export interface Block { cid: CID, bytes: Uint8Array }

/** CAR bytes with the given header roots and blocks (a test fixture: small, so held in memory). */
export async function encodeCar (roots: CID[], blocks: Block[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const chunks: Uint8Array[] = []
  const collect = (async () => { for await (const c of out) chunks.push(c) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await collect
  return Buffer.concat(chunks)
}

export async function rawBlock (bytes: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** Blocks of files imported with the importer's own unixfs-v1-2025 profile (an outside oracle for CIDs). */
export async function importFiles (files: Array<{ path: string, content: Uint8Array }>, options: { wrap?: boolean } = {}): Promise<{ root: CID, blocks: Block[] }> {
  const blocks: Block[] = []
  const store = { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }
  let root: CID | undefined
  for await (const entry of importer(files, store, { profile: 'unixfs-v1-2025', wrapWithDirectory: options.wrap ?? false })) root = entry.cid
  return { root: root as CID, blocks }
}

/** Packs `path` with the ipfs-car CLI (not pinship): returns its root CID and CAR bytes. */
export async function ipfsCarPack (path: string, out: string, options: { wrap?: boolean } = {}): Promise<{ root: string, car: Buffer }> {
  const args = ['pack', path, '--output', out]
  if (options.wrap === false) args.push('--no-wrap')
  const { stdout } = await run(join(ROOT, 'node_modules/.bin/ipfs-car'), args)
  return { root: stdout.trim(), car: await readFile(out) }
}

export async function json (res: Response): Promise<any> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`expected JSON, got ${res.status}: ${text.slice(0, 200)}`)
  }
}

/** A request with headers fetch() will not send (Host, a hand-made Origin), answered in full. */
export async function rawRequest (port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: Buffer }> {
  const { request } = await import('node:http')
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The account page's sign-in form as a browser fills it: returns its CSRF field and the cookie that pairs with it. */
export async function loginForm (url: string): Promise<{ csrf: string, cookie: string }> {
  const page = await fetch(`${url}/account`)
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1]
  const cookie = page.headers.getSetCookie().find(c => c.startsWith('pinship_login_csrf='))?.split(';')[0]
  if (csrf === undefined || cookie === undefined) throw new Error('the sign-in form has no CSRF token')
  return { csrf, cookie }
}

/** Signs in through the form; returns the raw Set-Cookie of the session and the `name=value` pair to send back. */
export async function signIn (url: string, token: string): Promise<{ setCookie: string, cookie: string }> {
  const form = await loginForm(url)
  const res = await fetch(`${url}/account/login`, { method: 'POST', body: new URLSearchParams({ token, csrf: form.csrf }), headers: { cookie: form.cookie }, redirect: 'manual' })
  const setCookie = res.headers.getSetCookie().find(c => c.startsWith('pinship_session='))
  if (res.status !== 303 || setCookie === undefined) throw new Error(`sign-in failed with ${res.status}`)
  return { setCookie, cookie: setCookie.split(';')[0] }
}

/** Polls `fn` every 50 ms until it gives a value, or fails naming `what` after `ms`. */
export async function until<T> (what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/**
 * The tests that run the real CLI use build/ (npm test compiles it first); compiles it if any of `files` is missing.
 * Never when it is there: recompiling would race the other CLI tests.
 */
export function ensureCliBuilt (files: readonly string[] = ['build/cli/index.js', 'build/server/index.js']): void {
  if (files.every(f => existsSync(join(ROOT, f)))) return
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'ignore' })
}
