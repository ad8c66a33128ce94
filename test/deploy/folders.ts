/** Test folders: small sites, and large trees written quickly from a seeded PRNG stream (never held in memory). */
import { execFile } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export async function tempDir (prefix = 'pinship-deploy-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => await rm(path, { recursive: true, force: true }) }
}

/** A small static site with nested pages and a .well-known file. */
export async function smallSite (root: string): Promise<string> {
  const files: Record<string, string> = {
    'index.html': '<!doctype html><title>pinship test</title><link rel="stylesheet" href="css/site.css"><a href="docs/">docs</a>\n',
    'css/site.css': 'body { font-family: sans-serif }\n',
    'docs/index.html': '<!doctype html><h1>Docs</h1>\n',
    '.well-known/security.txt': 'Contact: mailto:security@example.com\n'
  }
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, p)), { recursive: true })
    await writeFile(join(root, p), text)
  }
  return root
}

/** Write `bytes` of seeded pseudo-random data to `path` (an AES-CTR keystream: fast and the same everywhere). */
export async function randomFile (path: string, bytes: number, seed: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const key = createHash('sha256').update(`pinship-test-${seed}`).digest().subarray(0, 16)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const out = createWriteStream(path)
  const zeros = Buffer.alloc(1024 * 1024)
  let left = bytes
  while (left > 0) {
    const n = Math.min(left, zeros.length)
    left -= n
    if (!out.write(cipher.update(zeros.subarray(0, n)))) await new Promise(resolve => out.once('drain', resolve))
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => err != null ? reject(err) : resolve()))
}

/** A tree of `files` random files totalling about `totalBytes`, under a couple of folders. */
export async function randomTree (root: string, totalBytes: number, files: number, seed: number): Promise<string> {
  const per = Math.floor(totalBytes / files)
  for (let i = 0; i < files; i++) {
    await randomFile(join(root, `dir${i % 4}`, `file-${String(i).padStart(4, '0')}.bin`), i === files - 1 ? totalBytes - per * (files - 1) : per, seed + i)
  }
  await writeFile(join(root, 'index.html'), '<!doctype html><title>big</title>\n')
  return root
}

/** The root CID ipfs-car (an outside implementation) computes for a folder, hidden files included. */
export async function ipfsCarRoot (dir: string, scratch: string): Promise<string> {
  const { stdout } = await run(join(process.cwd(), 'node_modules/.bin/ipfs-car'), ['pack', dir, '--hidden', '--no-wrap', '--output', join(scratch, 'oracle.car')])
  return stdout.trim()
}
