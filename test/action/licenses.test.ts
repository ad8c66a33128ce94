/** dist/licenses.txt covers what the bundle holds: every npm package whose code is in dist/, with its license. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'

const DIST = join(process.cwd(), 'dist')

test('every package the bundle names is listed with its license', () => {
  const licenses = readFileSync(join(DIST, 'licenses.txt'), 'utf8')
  const listed = new Map<string, string>()
  const lines = licenses.split('\n')
  for (let i = 0; i + 1 < lines.length; i++) {
    const m = /^((?:@[a-z0-9._-]+\/)?[a-z0-9._-]+) (\d+\.\d+\.\d+\S*)$/.exec(lines[i])
    if (m !== null && (i === 0 || lines[i - 1] === '')) listed.set(m[1], lines[i + 1])
  }
  // an independent look at the bundle: the package paths webpack left in its module comments
  const bundled = new Set<string>()
  for (const file of readdirSync(DIST).filter(f => f.endsWith('.js'))) {
    for (const m of readFileSync(join(DIST, file), 'utf8').matchAll(/node_modules\/((?:@[a-z0-9._-]+\/)?[a-z0-9._-]+)\//g)) bundled.add(m[1])
  }
  expect(bundled.size).toBeGreaterThan(20)
  for (const name of bundled) expect(listed.has(name), `${name} is bundled but not in dist/licenses.txt`).toBe(true)
  for (const name of ['@actions/core', '@actions/github', '@octokit/core', 'undici', 'multiformats', '@ipld/car']) expect(listed.has(name), name).toBe(true)
  for (const [name, license] of listed) expect(license, name).toMatch(/^[A-Za-z0-9.() -]+$/)
  expect([...listed.values()]).not.toContain('UNKNOWN')
})
