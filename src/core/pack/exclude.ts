/**
 * `exclude` patterns → the packer's `ignore` predicate, with the GitHub Action's `exclude` semantics. The Action
 * uses @actions/glob, which walks the tree and asks minimatch (`dot: true`, no braces, no extglobs, no comments or
 * negation inside a pattern); here each path is matched as the packer walks, with the same minimatch options and
 * @actions/glob's own rules: every pattern is relative to the packed folder; a first `!` re-includes what an earlier
 * pattern excluded (the last pattern that matches decides; `!!x` is "not `!x`"); a trailing `/` matches folders
 * only; `dir/**` is `dir` too; lines starting with `#` are comments. A matched folder is left out with everything
 * in it. One implementation for the CLI's --exclude and the Terraform provider's `exclude`;
 * test/pack/exclude.test.ts and test/provider/exclude.test.ts check it against @actions/glob on the same trees.
 */
import { Minimatch } from 'minimatch'
import { InvalidArgumentError } from '../errors.js'

export type IgnoreFn = (relativePosixPath: string, isDirectory: boolean) => boolean

const DIRECTORY = 1
const FILE = 2
const ALL = DIRECTORY | FILE

interface Pattern {
  negate: boolean
  directoryOnly: boolean
  /** Ends in `**`: @actions/glob matches the path with a trailing `/` so `dir/**` covers `dir` itself. */
  globstarEnd: boolean
  mm: Minimatch
}

/** Why a pattern cannot be used, or undefined when it can. */
export function excludeProblem (pattern: string): string | undefined {
  const bare = pattern.trim().replace(/^!/, '').trim()
  if (bare === '' || bare.replace(/\/+$/, '') === '') return `exclude pattern ${JSON.stringify(pattern)} is empty`
  if (bare.startsWith('/') || bare.startsWith('~') || /^[A-Za-z]:[\\/]/.test(bare)) {
    return `exclude pattern ${JSON.stringify(pattern)} must be relative to the folder being packed (for example "**/*.map" or "drafts/")`
  }
  if (bare.split(/[\\/]+/).some(s => s === '..' || s === '.')) {
    return `exclude pattern ${JSON.stringify(pattern)} must stay inside the folder being packed: "." and ".." segments are not allowed`
  }
  return undefined
}

function compile (raw: string): Pattern {
  let pattern = raw.trim()
  const negate = pattern.startsWith('!')
  if (negate) pattern = pattern.slice(1).trim()
  pattern = pattern.replace(/\/{2,}/g, '/')
  const directoryOnly = pattern.endsWith('/')
  if (directoryOnly) pattern = pattern.slice(0, -1)
  const segments = pattern.split('/')
  return {
    negate,
    directoryOnly,
    globstarEnd: segments[segments.length - 1] === '**',
    mm: new Minimatch(pattern, { dot: true, nobrace: true, nocomment: true, noext: true, nonegate: true })
  }
}

/**
 * The predicate for `pack({ ignore })`, or undefined when there are no patterns (blank lines and `#` comments do not
 * count). Throws InvalidArgumentError for a pattern that is absolute, climbs out with `..`, or is empty.
 */
export function excludeFilter (patterns: readonly string[]): IgnoreFn | undefined {
  const compiled = patterns.map(p => {
    if (typeof p !== 'string') throw new InvalidArgumentError(`an exclude pattern must be a string, got ${JSON.stringify(p)}`)
    return p.trim()
  }).filter(p => p !== '' && !p.startsWith('#')).map(p => {
    const problem = excludeProblem(p)
    if (problem !== undefined) throw new InvalidArgumentError(problem)
    return compile(p)
  })
  if (compiled.length === 0) return undefined
  return (rel, isDirectory) => {
    let kind = 0
    for (const p of compiled) {
      const hit = p.mm.match(p.globstarEnd ? `${rel}/` : rel) ? (p.directoryOnly ? DIRECTORY : ALL) : 0
      kind = p.negate ? kind & ~hit : kind | hit
    }
    return (kind & (isDirectory ? DIRECTORY : FILE)) !== 0
  }
}

/** `--exclude 'path'` for advice: glob characters in the name bracketed so the pattern matches it literally. */
export function excludeHint (relativePosixPath: string): string {
  const literal = relativePosixPath.replace(/\\/g, '\\\\').replace(/[*?[]/g, '[$&]')
  return `--exclude '${literal.replace(/'/g, "'\\''")}'`
}
