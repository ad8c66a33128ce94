/** Outside oracles for CIDs the action claims: ipfs-unixfs-importer's own IPIP-499 profile, and the ipfs-car CLI. */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { REPO_ROOT } from './run-action.js'

function listFiles (dir: string, root = dir): Array<{ path: string, abs: string }> {
  const out: Array<{ path: string, abs: string }> = []
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name)
    if (statSync(abs).isDirectory()) out.push(...listFiles(abs, root))
    else out.push({ path: relative(root, abs).split(sep).join('/'), abs })
  }
  return out
}

/** Root CID of a (small) folder as ipfs-unixfs-importer computes it with `profile: 'unixfs-v1-2025'`. */
export async function importerCid (dir: string): Promise<string> {
  const files = listFiles(dir).map(f => ({ path: f.path, content: readFileSync(f.abs) }))
  let root: string | undefined
  const store = { put: async (cid: any) => cid }
  for await (const entry of importer(files, store as any, { profile: 'unixfs-v1-2025', wrapWithDirectory: true })) {
    if (entry.path === '') root = entry.cid.toString()
  }
  if (root === undefined) throw new Error('importer gave no root')
  return root
}

const IPFS_CAR = join(REPO_ROOT, 'node_modules', '.bin', 'ipfs-car')

/** Roots in a CAR header, read by the ipfs-car CLI. */
export function carRoots (carPath: string): string[] {
  return execFileSync(IPFS_CAR, ['roots', carPath], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
}

/** Paths inside a CAR, listed by the ipfs-car CLI. */
export function carPaths (carPath: string): string[] {
  return execFileSync(IPFS_CAR, ['ls', carPath], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
}
