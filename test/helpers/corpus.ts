// Deterministic file trees for tests: every byte comes from a seeded keystream, so a tree is the same on every
// machine and run, and a CID computed from it can be compared with an outside tool's.
import { createCipheriv, createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A symlink to create (target as written into the link, relative or absolute). */
export interface SymlinkSpec { symlink: string }

/**
 * A tree: a number is a file of that many seeded bytes, a string or bytes is the file's content, an object is a
 * folder (`{}` an empty one), `{ symlink }` a link.
 */
export interface TreeSpec { [name: string]: TreeSpec | SymlinkSpec | number | string | Uint8Array }

export const KiB = 1024
export const MiB = 1024 * 1024

/** `length` seeded bytes (AES-128-CTR keystream keyed by the seed): fast and the same everywhere. */
export function seededBytes (seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length))
}

function isSymlink (value: unknown): value is SymlinkSpec {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && typeof (value as SymlinkSpec).symlink === 'string'
}

/** Writes `spec` under `root`; file bytes are seeded by `seed` and the file's path. */
export async function writeTree (root: string, spec: TreeSpec, seed = 'pinship-test'): Promise<void> {
  await mkdir(root, { recursive: true })
  for (const [name, value] of Object.entries(spec)) {
    const path = join(root, name)
    if (typeof value === 'number') await writeFile(path, seededBytes(`${seed}:${path.slice(root.length)}`, value))
    else if (typeof value === 'string' || value instanceof Uint8Array) await writeFile(path, value)
    else if (isSymlink(value)) await symlink(value.symlink, path)
    else await writeTree(path, value, `${seed}/${name}`)
  }
}

/** `count` files named by `name(i)`, each `size(i)` seeded bytes. */
export function manyFiles (count: number, name: (i: number) => string, size: (i: number) => number): TreeSpec {
  const spec: TreeSpec = {}
  for (let i = 0; i < count; i++) spec[name(i)] = size(i)
  return spec
}

/** A fresh folder under the OS temp dir; remove it with `removeTemp`. */
export async function makeTemp (prefix = 'pinship-test-'): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix))
}

export async function removeTemp (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** A site-like tree touching every case the packer must get right. */
export function siteSpec (): TreeSpec {
  return {
    'index.html': '<!doctype html><title>pinship</title>\n',
    'with space.txt': 37,
    'café.txt': 11,
    '日本語 ファイル.md': 300,
    '🚀 launch.json': 42,
    '.well-known': { 'security.txt': 'Contact: mailto:security@example.com\n' },
    '.hidden': 5,
    empty: {},
    'nested-empty': { inner: {} },
    assets: {
      'empty.bin': 0,
      'one.bin': 1,
      'just-under-256k.bin': 256 * KiB - 1,
      'exactly-1m.bin': MiB,
      'just-over-1m.bin': MiB + 1,
      'multi.bin': 3 * MiB + 12_345
    },
    deep: { a: { b: { c: { d: { e: { f: { g: { h: { 'bottom.txt': 'deep\n' } } } } } } } } }
  }
}
