import type { CidProfile } from './profiles.js'
import type { WalkDir, WalkEntry, WalkFile } from './walk.js'

export interface TreeStats {
  files: number
  bytes: number
  largestFile: number
}

/** Drops directories that hold no file, however deep (ipfs-car packs a list of files). */
function pruneEmpty (dir: WalkDir): WalkDir {
  const children: WalkEntry[] = []
  for (const child of dir.children) {
    if (child.kind === 'file') {
      children.push(child)
    } else {
      const pruned = pruneEmpty(child)
      if (pruned.children.length > 0) children.push(pruned)
    }
  }
  return { ...dir, children }
}

/**
 * What the profile roots the DAG at. unixfs profiles: the folder itself, or a single file as itself (wrapped in a
 * directory with `wrap`). ipfs-car: empty directories dropped, the root moved down to the deepest directory holding
 * every file, and a lone file packed as itself unless wrapped — what `ipfs-car pack --no-wrap` prints.
 */
export function shapeRoot (tree: WalkEntry, profile: CidProfile, wrap: boolean): WalkEntry {
  if (tree.kind === 'file') return wrap ? wrapFile(tree) : tree
  let root = profile.keepEmptyDirectories ? tree : pruneEmpty(tree)
  if (!profile.rootAtCommonDirectory) return root
  while (root.children.length === 1 && root.children[0].kind === 'dir') root = root.children[0]
  if (root.children.length === 1 && !wrap) return root.children[0]
  return root
}

function wrapFile (file: WalkFile): WalkDir {
  return { kind: 'dir', name: '', relPath: '', children: [file] }
}

export function treeStats (root: WalkEntry): TreeStats {
  const stats: TreeStats = { files: 0, bytes: 0, largestFile: 0 }
  const visit = (entry: WalkEntry): void => {
    if (entry.kind === 'file') {
      stats.files++
      stats.bytes += entry.size
      if (entry.size > stats.largestFile) stats.largestFile = entry.size
    } else {
      for (const child of entry.children) visit(child)
    }
  }
  visit(root)
  return stats
}

/** Files in the order the encoder visits them (depth first, children in name order). */
export function filesInOrder (root: WalkEntry): WalkFile[] {
  const files: WalkFile[] = []
  const visit = (entry: WalkEntry): void => {
    if (entry.kind === 'file') files.push(entry)
    else for (const child of entry.children) visit(child)
  }
  visit(root)
  return files
}
