// Shared benchmark corpus: a deterministic, site-like folder generated once and cached under bench/.cache.
// Every run on every machine gets the same bytes (seeded), so roots can be compared across runs and tools.
import { createCipheriv, createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CACHE_DIR = fileURLToPath(new URL('./.cache/', import.meta.url))
/** Bumped whenever the layout below changes, so a stale cache is regenerated. */
const CORPUS_VERSION = 1
const MiB = 1024 * 1024

/** standard: ~400 MB (3000 small files in 30 × 7 folders + three 100 MiB assets); 2gb: the same with 19 assets. */
export const CORPORA = {
  standard: { seed: 'pinship-bench-standard', smallFiles: 3000, sections: 30, subfolders: 7, minSmall: 200, maxSmall: 60_000, assets: 3, assetBytes: 100 * MiB },
  '2gb': { seed: 'pinship-bench-2gb', smallFiles: 3000, sections: 30, subfolders: 7, minSmall: 200, maxSmall: 60_000, assets: 19, assetBytes: 100 * MiB }
}

/** mulberry32: a tiny seeded PRNG for sizes and names. */
function prng (seed) {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0)
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Seeded bytes: an AES-128-CTR keystream (fast, and the same everywhere). */
function keystream (seed) {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return length => cipher.update(Buffer.alloc(length))
}

const EXTENSIONS = ['html', 'css', 'js', 'json', 'svg', 'txt', 'woff2', 'png', 'map', 'xml']

async function writeStreamed (path, bytes, next) {
  const handle = await open(path, 'w')
  try {
    for (let done = 0; done < bytes;) {
      const n = Math.min(8 * MiB, bytes - done)
      await handle.write(next(n))
      done += n
    }
  } finally {
    await handle.close()
  }
}

async function generate (dir, spec) {
  const random = prng(spec.seed)
  const bytes = keystream(spec.seed)
  await rm(dir, { recursive: true, force: true })
  const folders = []
  for (let s = 0; s < spec.sections; s++) {
    // each section is a chain of nested folders: section-07/part-1/part-2/…/part-7
    let folder = join(dir, `section-${String(s).padStart(2, '0')}`)
    folders.push(folder)
    for (let d = 1; d <= spec.subfolders; d++) {
      folder = join(folder, `part-${d}`)
      folders.push(folder)
    }
  }
  for (const folder of folders) await mkdir(folder, { recursive: true })
  await mkdir(join(dir, '.well-known'), { recursive: true })
  await writeFile(join(dir, '.well-known', 'security.txt'), 'Contact: mailto:security@example.com\n')
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>pinship bench</title>\n')
  for (let i = 0; i < spec.smallFiles; i++) {
    const folder = folders[Math.floor(random() * folders.length)]
    const size = spec.minSmall + Math.floor(random() * (spec.maxSmall - spec.minSmall + 1))
    const ext = EXTENSIONS[Math.floor(random() * EXTENSIONS.length)]
    await writeFile(join(folder, `file-${String(i).padStart(4, '0')}.${ext}`), bytes(size))
  }
  await mkdir(join(dir, 'assets'), { recursive: true })
  for (let i = 0; i < spec.assets; i++) {
    await writeStreamed(join(dir, 'assets', `video-${i + 1}.bin`), spec.assetBytes, bytes)
  }
}

/** Path of the corpus, generating it first when it is missing or was made by an older layout. */
export async function ensureCorpus ({ size = 'standard', log = () => {} } = {}) {
  const spec = CORPORA[size]
  if (spec === undefined) throw new Error(`Unknown corpus size "${size}". Use one of: ${Object.keys(CORPORA).join(', ')}.`)
  const dir = join(CACHE_DIR, `corpus-${size}`)
  const marker = join(CACHE_DIR, `corpus-${size}.ready`)
  const stamp = JSON.stringify({ version: CORPUS_VERSION, spec })
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === stamp && existsSync(dir)) return dir
  log(`generating the ${size} corpus in ${dir} (once; cached afterwards)…`)
  await mkdir(CACHE_DIR, { recursive: true })
  await rm(marker, { force: true })
  await generate(dir, spec)
  await writeFile(marker, stamp)
  return dir
}
