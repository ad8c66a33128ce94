/** The preview ledger in the PR comment, preview names, and the comment once the pull request closed. */
import { expect, test } from 'vitest'
import { closeMarkdown } from '../../src/action/close.js'
import { endpointId, ledgerLine, MAX_LEDGER_ENTRIES, mergeLedgers, readLedger } from '../../src/action/ledger.js'
import type { PreviewEntry } from '../../src/action/ledger.js'
import { MAX_PIN_NAME_LENGTH } from '../../src/action/pin-name.js'
import { mergeEntries, previewName, removePreviews } from '../../src/action/previews.js'

const cid = 'bafybeidoc7vs3nczqnirm4ciikwzgcormjm6kjl2qfkcar2yp2hcvdnz7a'
const entry = (over: Partial<PreviewEntry> = {}): PreviewEntry => ({
  service: 'local', endpoint: endpointId('http://127.0.0.1:8787'), cid, name: 'octo-site-1111111-preview-pr5', sha: '1'.repeat(40), held: false, removed: false, ...over
})

test('the ledger round-trips through a comment body, and a name cannot end the HTML comment early', () => {
  const tricky = entry({ name: 'a --> <script>alert(1)</script> -preview-pr5' })
  const body = `<!-- pinship:preview 0123456789abcdef -->\n### pinship\n\n${ledgerLine([tricky, entry({ service: 'psa', requestId: 'r-1' })])}\n`
  expect(body.split('-->').length).toBe(3)
  expect(readLedger(body)).toEqual([tricky, entry({ service: 'psa', requestId: 'r-1' })])
})

test('no ledger, a damaged one or entries of the wrong shape read as nothing', () => {
  expect(readLedger(undefined)).toEqual([])
  expect(readLedger('just a comment')).toEqual([])
  expect(readLedger('<!-- pinship:previews not-base64!! -->')).toEqual([])
  const odd = Buffer.from(JSON.stringify([{ service: 'local' }, entry()])).toString('base64url')
  expect(readLedger(`<!-- pinship:previews ${odd} -->`)).toEqual([entry()])
})

test('endpoints are hashed, the same with or without a trailing slash', () => {
  expect(endpointId('https://api.example.com/psa/')).toBe(endpointId('https://api.example.com/psa'))
  expect(endpointId('https://api.example.com/psa')).toMatch(/^[0-9a-f]{16}$/)
  expect(ledgerLine([entry()])).not.toContain('127.0.0.1')
})

test('the ledger stays within a comment: past the cap, removed entries go first, then the oldest', () => {
  const many = Array.from({ length: MAX_LEDGER_ENTRIES + 2 }, (_, i) => entry({ sha: String(i).padStart(40, '0'), name: `n${i}-preview-pr5`, removed: i === 7 }))
  const kept = readLedger(ledgerLine(many))
  expect(kept).toHaveLength(MAX_LEDGER_ENTRIES)
  expect(kept.map(e => e.name)).not.toContain('n7-preview-pr5')
  expect(kept.map(e => e.name)).not.toContain('n0-preview-pr5')
  expect(kept[0].name).toBe('n1-preview-pr5')
})

test('merging: each entry once, the later word wins, held is never cleared by a merge', () => {
  const a = entry()
  const removed = { ...a, removed: true }
  expect(mergeLedgers([a], [removed])).toEqual([removed])
  // A redeploy after a reopen stores it again: not removed any more.
  expect(mergeLedgers([removed], [a])).toEqual([a])
  expect(mergeLedgers([{ ...a, held: true }], [a])[0].held).toBe(true)
  expect(mergeLedgers([a], [entry({ name: 'other-preview-pr5' })])).toHaveLength(2)
})

test('a record this pull request created earlier is not held by someone else; one it found is', () => {
  const first = entry()
  const again = entry({ name: 'octo-site-2222222-preview-pr5', held: true })
  expect(mergeEntries([first], [again])[0].held).toBe(false)
  expect(mergeEntries([{ ...first, held: true }], [again])[0].held).toBe(true)
  expect(mergeEntries([{ ...first, removed: true }], [again])[0].held).toBe(true)
  expect(mergeEntries([], [again])[0].held).toBe(true)
})

test('preview names carry the pull request and stay within the services\' limit', () => {
  expect(previewName('octo-site-1111111', 5)).toBe('octo-site-1111111-preview-pr5')
  const long = previewName('x'.repeat(300), 1234)
  expect(long).toHaveLength(MAX_PIN_NAME_LENGTH)
  expect(long.endsWith('-preview-pr1234')).toBe(true)
})

test('the closing comment lists what went and what stayed, escaped', () => {
  const md = closeMarkdown({
    removed: [{ service: 'psa', cid, name: 'a-preview-pr5' }],
    kept: [{ service: 'local', cid, name: 'a|b', reason: 'held <by> main' }],
    failed: [],
    ledger: []
  }, 5, 'https://github.example/run/1')
  expect(md).toContain('### 🧹 pinship: #5 closed — previews removed')
  expect(md).toContain(`| psa | \`${cid}\` | a-preview-pr5 | — |`)
  expect(md).toContain(`| local | \`${cid}\` | a\\|b | held &lt;by&gt; main |`)
  expect(md).not.toContain('Not removed')
  expect(closeMarkdown({ removed: [], kept: [], failed: [], ledger: [] }, 5, undefined, true)).toContain('dry run, nothing removed')
})

test('close: services whose records cannot be told apart, services not configured, held and foreign names are kept without a request', async () => {
  // Nothing listens on port 1: any request would fail the removal instead of keeping the entry.
  const kubo = { service: 'kubo', endpoint: 'http://127.0.0.1:1' }
  const local = { service: 'local', endpoint: 'http://127.0.0.1:1', token: 't' }
  const ledger = [
    entry({ service: 'kubo', endpoint: endpointId('http://127.0.0.1:1') }),
    entry({ service: 'psa', requestId: 'r1', endpoint: endpointId('https://elsewhere.example') }),
    entry({ endpoint: endpointId('http://127.0.0.1:1'), held: true }),
    entry({ endpoint: endpointId('http://127.0.0.1:1'), cid: 'bafkqaaa', name: 'octo-site-main' }),
    entry({ endpoint: endpointId('http://127.0.0.1:1'), cid: 'bafkqaab', removed: true })
  ]
  const out = await removePreviews(ledger, [kubo, local], { dryRun: false, pullRequest: 5 })
  expect(out.failed).toEqual([])
  expect(out.removed).toEqual([])
  expect(out.kept.map(o => [o.service, o.reason])).toEqual([
    ['kubo', expect.stringMatching(/^kubo keeps one record per CID that pinship cannot tell apart/)],
    ['psa', expect.stringMatching(/^psa \(at this endpoint\) is not among this run's services/)],
    ['local', expect.stringMatching(/already held this CID/)],
    ['local', expect.stringMatching(/not named as a preview of #5/)]
  ])
  const dry = await removePreviews(ledger, [kubo, local], { dryRun: true, pullRequest: 5 })
  expect(dry.kept.every(o => /dry run/.test(o.reason ?? ''))).toBe(true)
  expect(dry.kept).toHaveLength(4)
})
