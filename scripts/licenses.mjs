#!/usr/bin/env node
// dist/licenses.txt from the bundle's own module list: every npm package webpack put into dist/ (from ncc's
// --stats-out), with its license and license text. ncc's --license output listed one package out of ~45.
// Usage: node scripts/licenses.mjs <ncc stats.json> <out>  (the stats file is removed once read)
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [statsPath, outPath] = process.argv.slice(2)
if (statsPath === undefined || outPath === undefined) {
  process.stderr.write('usage: node scripts/licenses.mjs <ncc stats.json> <out>\n')
  process.exit(2)
}
const stats = JSON.parse(readFileSync(statsPath, 'utf8'))
// the stats are only this script's input (ncc writes them into dist/): not part of the bundle
rmSync(statsPath, { force: true })

const names = new Set()
const visit = list => {
  for (const m of list ?? []) {
    if (typeof m.name === 'string') names.add(m.name)
    if (typeof m.identifier === 'string') names.add(m.identifier)
    visit(m.modules)
  }
}
visit(stats.modules)
for (const chunk of stats.chunks ?? []) visit(chunk.modules)

// `./node_modules/a/node_modules/@b/c/dist/x.js` → `node_modules/a/node_modules/@b/c` (the package that holds it)
const dirs = new Set()
for (const name of names) {
  const m = /^(?:.*?!)?\.?\/?((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(name.replace(/^.*\|/, ''))
  if (m !== null && !m[1].includes('..')) dirs.add(m[1])
}

const LICENSE_FILE = /^(licen[cs]e|copying)(\..*)?$/i
const entries = []
for (const dir of dirs) {
  let pkg
  try { pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) } catch { continue }
  if (typeof pkg.name !== 'string') continue
  const license = typeof pkg.license === 'string' ? pkg.license : typeof pkg.license?.type === 'string' ? pkg.license.type : 'UNKNOWN'
  const file = readdirSync(dir).filter(f => LICENSE_FILE.test(f)).sort()[0]
  const text = file === undefined ? '' : readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n').trim()
  entries.push({ key: `${pkg.name}@${pkg.version ?? ''}`, name: pkg.name, version: pkg.version ?? '', license, text })
}
const seen = new Set()
const unique = entries.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0).filter(e => !seen.has(e.key) && seen.add(e.key))
writeFileSync(outPath, unique.map(e => `${e.name} ${e.version}\n${e.license}\n${e.text}\n`).join('\n'))
process.stdout.write(`${outPath}: ${unique.length} packages\n`)
