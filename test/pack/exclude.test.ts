/**
 * `--exclude` (core excludeFilter) answers exactly what the Action's `exclude` (@actions/glob) answers, path by path,
 * on one tree with dot-files, nesting and awkward names; and pack leaves out what it matches.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { excludeMatcher } from '../../src/action/exclude.js'
import { excludeFilter, excludeHint } from '../../src/core/pack/exclude.js'
import { pack } from '../../src/core/pack/index.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/corpus.js'

let dir: string
let root: string
const entries: Array<{ rel: string, isDirectory: boolean }> = []

async function list (abs: string, rel: string): Promise<void> {
  for (const d of await readdir(abs, { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`
    entries.push({ rel: r, isDirectory: d.isDirectory() })
    if (d.isDirectory()) await list(join(abs, d.name), r)
  }
}

beforeAll(async () => {
  dir = await makeTemp('pinship-exclude-')
  root = join(dir, 'site')
  await writeTree(root, {
    'index.html': 'i',
    'app.js': 'a',
    'app.js.map': 'm',
    '.env': 's',
    '.well-known': { 'security.txt': 's' },
    'assets': { 'a.js': 'a', 'a.js.map': 'm', 'logo.svg': 'l', '.hidden': 'h', 'deep': { 'b.js.map': 'm', 'c.txt': 'c' } },
    'drafts': { 'post.md': 'p', 'keep.md': 'k' },
    'docs': { 'drafts': { 'x.md': 'x' }, 'guide[1].md': 'g', 'what?.txt': 'w', 'star*.txt': 's' },
    'map': 'a file named like a folder elsewhere',
    'node_modules': { 'dep': { 'index.js': 'd' } }
  })
  await list(root, '')
})

afterAll(async () => {
  await removeTemp(dir)
})

describe('--exclude has the Action\'s glob semantics', () => {
  test.each([
    [['**/*.map']],
    [['*.map']],
    [['assets/*.map']],
    [['assets/**']],
    [['assets/**/*.map']],
    [['**/drafts']],
    [['drafts']],
    [['drafts/']],
    [['map/']],
    [['map']],
    [['.*']],
    [['**/.*']],
    [['*']],
    [['**']],
    [['node_modules', '**/*.map', '.env']],
    [['assets/*.js*']],
    [['assets/?.js']],
    [['assets/[ab].js']],
    [['assets/[!a].js']],
    [['docs/guide[[]1].md']],
    [['docs/what[?].txt']],
    [['docs/star[*].txt']],
    [['**/*.map', '!assets/a.js.map']],
    [['**/*.map', '!**/deep/*.map']],
    [['assets/**', '!assets/deep/**']],
    [['docs/**/*.md']],
    [['**/deep/**']]
  ])('%j', async (patterns) => {
    const action = await excludeMatcher(root, patterns)
    const ours = excludeFilter(patterns)
    expect(ours).toBeDefined()
    const theirs = entries.filter(e => action.ignore(e.rel, e.isDirectory)).map(e => e.rel).sort()
    const mine = entries.filter(e => ours?.(e.rel, e.isDirectory) === true).map(e => e.rel).sort()
    expect(mine).toEqual(theirs)
  })

  test('refuses patterns that leave the folder', async () => {
    expect(() => excludeFilter(['/etc/passwd'])).toThrow(/must be relative to the folder being packed/)
    expect(() => excludeFilter(['../secrets'])).toThrow(/"\." and "\.\." segments are not allowed/)
    // the Action refuses the same
    await expect(excludeMatcher(root, ['./assets/logo.svg'])).rejects.toThrow(/Relative pathing/)
    expect(() => excludeFilter(['./assets/logo.svg'])).toThrow(/"\." and "\.\." segments are not allowed/)
    expect(() => excludeFilter(['!'])).toThrow(/is empty/)
    expect(excludeFilter([])).toBeUndefined()
  })

  test('the hint in error messages is a pattern that matches exactly that path', async () => {
    for (const rel of ['docs/guide[1].md', 'docs/what?.txt', 'docs/star*.txt', 'assets/a.js']) {
      const pattern = /^--exclude '(.*)'$/.exec(excludeHint(rel))?.[1] as string
      const action = await excludeMatcher(root, [pattern])
      expect(entries.filter(e => action.ignore(e.rel, e.isDirectory)).map(e => e.rel)).toEqual([rel])
      expect(excludeFilter([pattern])?.(rel, false)).toBe(true)
    }
  })

  test('pack leaves out what the patterns match, and the CID is the Action\'s', async () => {
    const patterns = ['**/*.map', 'node_modules', 'drafts/']
    const action = await excludeMatcher(root, patterns)
    const a = await pack(root, { ignore: action.ignore })
    const b = await pack(root, { ignore: excludeFilter(patterns) })
    expect(b.cid).toBe(a.cid)
    const all = await pack(root)
    expect(b.files).toBe(all.files - 6)
  })
})
