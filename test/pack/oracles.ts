// Outside oracles for CIDs: ipfs-unixfs-importer's own profiles (in-memory), the ipfs-car CLI, and Debian's ipfs_cid.
// Each walks the input on its own, independently of the packer's walker.
import { execFile } from 'node:child_process'
import { createReadStream, readdirSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { importer, type ImportCandidate } from 'ipfs-unixfs-importer'
import type { CID } from 'multiformats/cid'

const run = promisify(execFile)
export const REPO_ROOT = new URL('../../', import.meta.url).pathname
export const IPFS_CAR_BIN = join(REPO_ROOT, 'node_modules', 'ipfs-car', 'bin.js')
export const IPFS_CID_BIN = '/usr/bin/ipfs_cid'
export const PINSHIP_BIN = join(REPO_ROOT, 'bin', 'pinship')

/** Minimal blockstore for the importer and exporter: blocks by CID string. */
export class MemoryBlockstore {
  readonly blocks = new Map<string, Uint8Array>()
  async put (cid: CID, bytes: Uint8Array): Promise<CID> {
    this.blocks.set(cid.toString(), bytes)
    return cid
  }

  /** Streams the block, as interface-blockstore's `get` does for ipfs-unixfs-exporter. */
  async * get (cid: CID): AsyncGenerator<Uint8Array> {
    const bytes = this.blocks.get(cid.toString())
    if (bytes === undefined) throw new Error(`block ${cid.toString()} not found`)
    yield bytes
  }

  async has (cid: CID): Promise<boolean> {
    return this.blocks.has(cid.toString())
  }
}

export interface OracleOptions {
  hidden?: boolean
  wrap?: boolean
}

/** Files and childless folders under `dir` (paths relative, POSIX), dot-entries left out unless `hidden`. */
function candidates (dir: string, hidden: boolean, rel = ''): ImportCandidate[] {
  const out: ImportCandidate[] = []
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    if (!hidden && entry.name.startsWith('.')) continue
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`
    if (entry.isDirectory()) {
      // a folder with nothing packable inside is imported as an (empty) directory entry of its own
      const inner = candidates(dir, hidden, path)
      for (const c of inner.length === 0 ? [{ path }] : inner) out.push(c)
    } else if (entry.isFile()) {
      out.push({ path, content: createReadStream(join(dir, path)) })
    }
  }
  return out
}

/** Root CID per ipfs-unixfs-importer with `profile` ('unixfs-v1-2025' or 'unixfs-v0-2015'). */
export async function importerCid (path: string, profile: 'unixfs-v1-2025' | 'unixfs-v0-2015', options: OracleOptions = {}): Promise<string> {
  const blockstore = new MemoryBlockstore()
  const st = statSync(path)
  let source: ImportCandidate[]
  let wrapWithDirectory = true
  if (st.isFile()) {
    source = [options.wrap === true ? { path: basename(path), content: createReadStream(path) } : { content: createReadStream(path) }]
    wrapWithDirectory = options.wrap === true
  } else {
    source = candidates(path, options.hidden ?? true)
  }
  let last: CID | undefined
  for await (const entry of importer(source, blockstore, { profile, wrapWithDirectory })) last = entry.cid
  if (last === undefined) throw new Error(`the importer yielded nothing for ${path}`)
  return last.toString()
}

/** The root `ipfs-car pack --no-wrap [-H]` prints (or without --no-wrap when `wrap`). */
export async function ipfsCarCid (path: string, options: OracleOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pinship-oracle-'))
  try {
    const args = [IPFS_CAR_BIN, 'pack', path, '-o', join(dir, 'out.car')]
    if (options.wrap !== true) args.push('--no-wrap')
    if (options.hidden ?? true) args.push('-H')
    const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 })
    return stdout.trim()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Kubo-default CIDv0 of a single file per Debian's `ipfs_cid` (JSON {"CIDv0","CIDv1"} on stdout). */
export async function ipfsCidV0 (file: string): Promise<string> {
  const { stdout } = await run(IPFS_CID_BIN, [file], { maxBuffer: 1 << 20 })
  return (JSON.parse(stdout) as { CIDv0: string }).CIDv0
}

/** Runs ./bin/pinship (built by `tsc` before the tests) and returns its exit code and output. */
export async function pinship (args: string[], options: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [PINSHIP_BIN, ...args], { cwd: options.cwd, maxBuffer: 16 << 20, ...(options.env !== undefined ? { env: options.env } : {}) })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    if (typeof e.code !== 'number') throw err
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
