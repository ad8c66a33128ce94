/**
 * `--exclude` patterns → the packer's `ignore` predicate, with the Action's `exclude` semantics (@actions/glob,
 * which runs minimatch with `dot: true`, no braces, no extglobs, no comments inside a pattern): every pattern is
 * relative to the packed folder; `*` and `?` stay within one path segment and match dot-files; `[…]` is a
 * character class; a `**` segment spans any number of segments (zero included, so `dist/**` is `dist` too);
 * `\` escapes; a trailing `/` matches folders only; `!` in front re-includes what an earlier pattern excluded (the
 * last pattern that matches a path decides). A matched folder is left out with everything in it.
 *
 * test/pack/exclude.test.ts checks these answers against @actions/glob itself on the same tree.
 */
import { InvalidArgumentError } from '../errors.js'

export type IgnoreFn = (relativePosixPath: string, isDirectory: boolean) => boolean

interface Rule {
  negate: boolean
  dirOnly: boolean
  regex: RegExp
}

const GLOBSTAR = Symbol('**')

function escapeRegex (c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/** `[…]` starting at `open` → [regex source, index of its `]`], or null when it does not close (then `[` is literal). */
function charClass (segment: string, open: number): [string, number] | null {
  let i = open + 1
  let negate = false
  if (segment[i] === '!' || segment[i] === '^') { negate = true; i++ }
  let body = ''
  const start = i
  for (; i < segment.length; i++) {
    const c = segment[i]
    if (c === ']' && i > start) return [`[${negate ? '^' : ''}${body}]`, i]
    if (c === '\\' && i + 1 < segment.length) { body += escapeRegex(segment[++i]); continue }
    body += c === '-' ? '-' : escapeRegex(c)
  }
  return null
}

function segmentRegex (segment: string): string {
  let out = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]
    if (c === '\\' && i + 1 < segment.length) { out += escapeRegex(segment[++i]); continue }
    if (c === '*') { out += '[^/]*'; while (segment[i + 1] === '*') i++; continue }
    if (c === '?') { out += '[^/]'; continue }
    if (c === '[') {
      const cls = charClass(segment, i)
      if (cls !== null) { out += cls[0]; i = cls[1]; continue }
    }
    out += escapeRegex(c)
  }
  return out
}

function compile (pattern: string): RegExp {
  const segments = pattern.split('/').filter(s => s !== '')
  const parts: Array<string | typeof GLOBSTAR> = []
  for (const s of segments) {
    if (s === '**') {
      if (parts.at(-1) !== GLOBSTAR) parts.push(GLOBSTAR)
    } else {
      parts.push(segmentRegex(s))
    }
  }
  let re = ''
  parts.forEach((part, i) => {
    const first = i === 0
    const last = i === parts.length - 1
    if (part === GLOBSTAR) {
      re += last ? (first ? '.*' : '(?:/.*)?') : (first ? '(?:[^/]+/)*' : '/(?:[^/]+/)*')
      return
    }
    if (!first && parts[i - 1] !== GLOBSTAR) re += '/'
    re += part
  })
  return new RegExp(`^${re}$`)
}

function parse (raw: string): Rule {
  if (typeof raw !== 'string') throw new InvalidArgumentError(`an exclude pattern must be a string, got ${JSON.stringify(raw)}`)
  let pattern = raw.trim()
  let negate = false
  while (pattern.startsWith('!')) { negate = !negate; pattern = pattern.slice(1).trim() }
  // @actions/glob refuses `.` and `..` segments too: the same pattern must work in both places
  if (pattern.startsWith('/') || /^[A-Za-z]:[\\/]/.test(pattern) || pattern.split('/').some(s => s === '.' || s === '..')) {
    throw new InvalidArgumentError(`exclude pattern ${JSON.stringify(raw)} must be relative to the folder being packed, without . or .. (e.g. "**/*.map" or "drafts/")`)
  }
  const dirOnly = pattern.endsWith('/')
  if (pattern.replace(/\/+$/, '') === '') throw new InvalidArgumentError(`exclude pattern ${JSON.stringify(raw)} is empty`)
  return { negate, dirOnly, regex: compile(pattern) }
}

/**
 * The predicate for `pack({ ignore })`, or undefined when there are no patterns. Throws InvalidArgumentError for a
 * pattern that is absolute, climbs out with `..`, or is empty.
 */
export function excludeFilter (patterns: readonly string[]): IgnoreFn | undefined {
  const rules = patterns.map(parse)
  if (rules.length === 0) return undefined
  return (rel, isDirectory) => {
    let excluded = false
    for (const r of rules) {
      if (r.dirOnly && !isDirectory) continue
      if (r.regex.test(rel)) excluded = !r.negate
    }
    return excluded
  }
}

/** `--exclude 'path'` for advice: glob characters in the name bracketed so the pattern matches it literally. */
export function excludeHint (relativePosixPath: string): string {
  const literal = relativePosixPath.replace(/\\/g, '\\\\').replace(/[*?[]/g, '[$&]')
  return `--exclude '${literal.replace(/'/g, "'\\''")}'`
}
