/**
 * `exclude` globs, matched the way the GitHub Action's `exclude` input matches them (src/action/exclude.ts, which
 * walks the tree with @actions/glob): the same minimatch options, a leading `!` to negate (later lines win), a trailing `/`
 * for folders only, `dir/**` covering `dir` itself, every pattern relative to `source`.
 *
 * Why a copy and not the Action's code: @actions/glob answers "which paths match" by walking the tree and logs
 * through @actions/core on stdout (Terraform's channel to us), so it cannot move into src/core. Here each path is
 * matched as the packer walks, with @actions/glob's own rules (internal-pattern.js, internal-pattern-helper.js);
 * test/provider/exclude.test.ts checks both agree on the same tree.
 */
import { Minimatch } from 'minimatch'

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
  const bare = pattern.trim().replace(/^!/, '')
  if (bare === '') return `${JSON.stringify(pattern)} is empty`
  if (bare.startsWith('/') || bare.startsWith('~') || /^[A-Za-z]:[\\/]/.test(bare)) {
    return `${JSON.stringify(pattern)} must be relative to source (for example "**/*.map")`
  }
  if (bare.split(/[\\/]+/).some(s => s === '..' || s === '.')) {
    return `${JSON.stringify(pattern)} must stay inside source: "." and ".." segments are not allowed`
  }
  return undefined
}

function compile (raw: string): Pattern {
  let pattern = raw.trim()
  // As in the Action, which roots each pattern at the folder: only a first `!` negates (`!!x` is "not `!x`").
  const negate = pattern.startsWith('!')
  if (negate) pattern = pattern.slice(1)
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

/** The packer's `ignore` predicate for these patterns; lines starting with `#` are comments, as in the Action. */
export function excludeMatcher (patterns: string[]): IgnoreFn {
  const compiled = patterns.map(p => p.trim()).filter(p => p !== '' && !p.startsWith('#')).map(p => {
    const problem = excludeProblem(p)
    if (problem !== undefined) throw new Error(problem)
    return compile(p)
  })
  return (rel, isDirectory) => {
    let kind = 0
    for (const p of compiled) {
      const hit = p.mm.match(p.globstarEnd ? `${rel}/` : rel) ? (p.directoryOnly ? DIRECTORY : ALL) : 0
      kind = p.negate ? kind & ~hit : kind | hit
    }
    return (kind & (isDirectory ? DIRECTORY : FILE)) !== 0
  }
}
