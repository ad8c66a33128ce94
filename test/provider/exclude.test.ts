/** The core's `exclude` matcher (the CLI's --exclude and the provider's `exclude`) agrees with the GitHub Action's (@actions/glob walking the tree) path by path. */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { excludeMatcher as actionMatcher } from '../../src/action/exclude.js'
import { excludeFilter, excludeProblem } from '../../src/core/pack/exclude.js'
import { tempDir } from '../deploy/folders.js'

let dir: { path: string, cleanup: () => Promise<void> }
const FILES = [
  'index.html', 'app.js', 'app.js.map', 'a b.txt', '.env', '.well-known/security.txt',
  'assets/logo.png', 'assets/logo.png.map', 'assets/deep/x.map', 'assets/deep/keep.map',
  'dist/index.js', 'dist/sub/index.js', 'node_modules/pkg/index.js', 'docs/README.md', 'docs/notes/todo.md',
  'map/inside.txt'
]

async function allPaths (root: string, rel = ''): Promise<Array<{ rel: string, dir: boolean }>> {
  const out: Array<{ rel: string, dir: boolean }> = []
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`
    out.push({ rel: p, dir: e.isDirectory() })
    if (e.isDirectory()) out.push(...await allPaths(root, p))
  }
  return out
}

beforeAll(async () => {
  dir = await tempDir('pinship-exclude-')
  for (const f of FILES) {
    await mkdir(join(dir.path, f, '..'), { recursive: true })
    await writeFile(join(dir.path, f), f)
  }
})
afterAll(async () => { await dir.cleanup() })

const CASES: string[][] = [
  ['**/*.map'],
  ['**/*.map', '!assets/deep/keep.map'],
  ['*.map'],
  ['dist'],
  ['dist/'],
  ['dist/**'],
  ['**/index.js', '!dist/sub/index.js'],
  ['.*'],
  ['**/.*'],
  ['node_modules', 'docs/**/*.md'],
  ['map/'],
  ['map'],
  ['a b.txt', 'assets/*.png'],
  ['**', '!index.html'],
  ['dist', '!!dist', '# a comment'],
  ['**/*.js', '!dist/**'],
  ['assets/deep/*.map', '!assets/deep/*', 'assets/deep/x.map'],
  ['docs/*/']
]

describe('exclude globs', () => {
  it.each(CASES.map(c => [c.join(' | '), c]))('%s matches exactly what the Action excludes', async (_label, patterns) => {
    const action = await actionMatcher(dir.path, patterns as string[])
    const mine = excludeFilter(patterns as string[])!
    const paths = await allPaths(dir.path)
    const disagree = paths.filter(p => action.ignore(p.rel, p.dir) !== mine(p.rel, p.dir)).map(p => `${p.rel}${p.dir ? '/' : ''}: action ${String(action.ignore(p.rel, p.dir))}`)
    expect(disagree).toEqual([])
    // each case must exclude something, or it proves nothing
    expect(paths.some(p => mine(p.rel, p.dir))).toBe(true)
  })

  it('refuses patterns that leave the source folder', () => {
    expect(excludeProblem('../x')).toMatch(/must stay inside the folder being packed/)
    expect(excludeProblem('/etc/passwd')).toMatch(/must be relative to the folder being packed/)
    expect(excludeProblem('!~/x')).toMatch(/must be relative/)
    expect(excludeProblem('a/./b')).toMatch(/"\." and "\.\."/)
    expect(excludeProblem('!')).toMatch(/empty/)
    expect(excludeProblem('! ')).toMatch(/empty/)
    expect(excludeProblem('**/*.map')).toBeUndefined()
    expect(() => excludeFilter(['ok', '../no'])).toThrow(/must stay inside the folder being packed/)
  })
})
