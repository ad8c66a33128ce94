#!/usr/bin/env node
// Generates the README's GitHub Action section (inputs and outputs tables) from action.yml, so the two never drift.
// `node scripts/action-docs.mjs` rewrites README.md between the markers; `--check` exits 1 when it is out of date.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const START = '<!-- action-docs:start -->'
export const END = '<!-- action-docs:end -->'

const root = new URL('..', import.meta.url)

function cell (text) {
  return String(text).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim()
}

/** The generated Markdown for an action.yml text. */
export function renderActionDocs (actionYml) {
  const action = parse(actionYml)
  const lines = [
    '<!-- generated from action.yml by `npm run docs:action`; edit action.yml, not this section -->',
    '',
    '```yaml',
    'permissions:',
    '  pull-requests: write # the preview comment',
    '  statuses: write # the `pinship` commit status',
    '  deployments: write # optional: the preview/pr-<n> deployment ("View deployment")',
    'steps:',
    '  # … build your site into dist/ …',
    '  - uses: pinship/pinship@v1',
    '    id: pinship',
    '    with:',
    '      path: dist',
    '      service: pinata',
    '      token: ${{ secrets.PINATA_JWT }}',
    '  - run: echo "${{ steps.pinship.outputs.cid }} is at ${{ steps.pinship.outputs.url }}"',
    '```',
    '',
    'Complete workflows: [`examples/workflows/`](examples/workflows/) (deploy on push to main, production deployments,',
    'PR previews, PR previews removed when the pull request closes, fork PR previews with the two-workflow',
    '`workflow_run` pattern and their clean-up, several services at once). Pull requests from forks get no secrets: there the action',
    'computes the CID and the CAR, skips the upload and says so in the job summary. The action runs on Node 24',
    '(`using: node24`).',
    '',
    '### Inputs',
    '',
    '| Input | Required | Default | Description |',
    '|---|---|---|---|'
  ]
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const fallback = input.default === undefined ? '' : `\`${cell(input.default)}\``
    lines.push(`| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${fallback} | ${cell(input.description ?? '')} |`)
  }
  lines.push('', '### Outputs', '', '| Output | Description |', '|---|---|')
  for (const [name, output] of Object.entries(action.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${cell(output.description ?? '')} |`)
  }
  return lines.join('\n')
}

/** README text with the section between the markers replaced (markers appended under a heading if absent). */
export function updateReadme (readme, docs) {
  let text = readme
  if (!text.includes(START) || !text.includes(END)) {
    text = text.replace(/\n*$/, '\n\n') + `## GitHub Action\n\n${START}\n${END}\n`
  }
  const before = text.slice(0, text.indexOf(START) + START.length)
  const after = text.slice(text.indexOf(END))
  return `${before}\n${docs}\n${after}`
}

function main (argv) {
  const actionYml = readFileSync(new URL('action.yml', root), 'utf8')
  const readmeUrl = new URL('README.md', root)
  let readme = ''
  try { readme = readFileSync(readmeUrl, 'utf8') } catch { /* created below */ }
  const next = updateReadme(readme, renderActionDocs(actionYml))
  if (argv.includes('--check')) {
    if (next !== readme) {
      process.stderr.write('README.md action section is out of date with action.yml: run `npm run docs:action` and commit README.md.\n')
      return 1
    }
    return 0
  }
  if (next !== readme) writeFileSync(readmeUrl, next)
  return 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2))
