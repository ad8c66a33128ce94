import { relative, sep } from 'node:path'
import * as glob from '@actions/glob'

export type IgnoreFn = (relativePosixPath: string, isDirectory: boolean) => boolean

/**
 * Builds the packer's `ignore` predicate from `exclude` patterns, matched the way @actions/glob matches them
 * (dot files included, `!` negates, `**` for any depth) with every pattern rooted at `root`.
 *
 * @actions/glob answers "which paths match", not "does this path match", so the tree is walked once here and the
 * matches kept; only explicit matches are kept (no implicit descendants) because the packer does not descend
 * into an ignored directory anyway.
 */
export async function excludeMatcher (root: string, patterns: string[]): Promise<{ ignore: IgnoreFn, matches: number }> {
  const base = escapeGlob(root)
  const rooted = patterns.map(p => p.startsWith('!') ? `!${base}/${p.slice(1)}` : `${base}/${p}`)
  const globber = await glob.create(rooted.join('\n'), { implicitDescendants: false, matchDirectories: true })
  const excluded = new Set<string>()
  for await (const match of globber.globGenerator()) {
    const rel = relative(root, match).split(sep).join('/')
    if (rel !== '' && !rel.startsWith('..')) excluded.add(rel)
  }
  return { ignore: rel => excluded.has(rel), matches: excluded.size }
}

/**
 * A workspace path may itself contain glob characters; bracket them so they match literally. A `]` needs no
 * escape (without an opening `[` it is literal) and @actions/glob cannot read `[]]` anyway.
 */
function escapeGlob (path: string): string {
  return path.replace(/[*?[]/g, '[$&]')
}
