/**
 * The action run exactly as the runner runs it (`node dist/index.js`, INPUT_* variables, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH), deploying to the real embedded service over HTTP and reporting to a
 * recording fake GitHub API on loopback.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startServer } from '../../src/server/index.js'
import type { RunningServer } from '../../src/server/index.js'
import { startFakeGitHub } from './fake-github.js'
import type { FakeGitHub } from './fake-github.js'
import { carPaths, carRoots, importerCid } from './oracle.js'
import { cleanupRun, runAction } from './run-action.js'
import type { RunOptions, RunResult } from './run-action.js'

const OWNER = 'octo'
const REPO = 'site'
const GITHUB_TOKEN = 'ghs_fakeGitHubToken0123456789'
const SERVICE_TOKEN = 'svc-token-Zq8v3LmN5pX1'
const SECOND_TOKEN = 'second-user-token-Hk4wT9'
const HEAD_1 = '1111111111111111111111111111111111111111'
const HEAD_2 = '2222222222222222222222222222222222222222'
const DEPS_HEAD = 'dddddddddddddddddddddddddddddddddddddddd'
const MERGE = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'

let tmp: string
let server: RunningServer
let github: FakeGitHub
const runs: RunResult[] = []

/** A small site: nested pages, a dot-folder that must ship, source maps to exclude. */
function makeSite (dir: string, extra: Record<string, string> = {}): string {
  const files: Record<string, string> = {
    'index.html': '<!doctype html><title>octo</title><h1>Hello from the action</h1>\n',
    'about/index.html': '<!doctype html><title>about</title>\n',
    'assets/app.js': 'console.log("app")\n',
    'assets/app.js.map': '{"version":3,"sources":[]}\n',
    '.well-known/security.txt': 'Contact: mailto:security@example.com\n',
    ...extra
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

/** The same site without the excluded files, for the oracle. */
function withoutMaps (dir: string, copy: string, extra: Record<string, string> = {}): string {
  makeSite(copy, extra)
  rmSync(join(copy, 'assets', 'app.js.map'))
  return copy
}

function prPayload (number: number, sha: string, headRepo: string): unknown {
  return {
    action: 'synchronize',
    number,
    repository: { full_name: `${OWNER}/${REPO}` },
    pull_request: { number, head: { sha, ref: 'feature', repo: { full_name: headRepo } }, base: { ref: 'main' } }
  }
}

async function run (options: Partial<RunOptions> & Pick<RunOptions, 'with' | 'event'>): Promise<RunResult> {
  const result = await runAction({
    workspace: tmp,
    apiUrl: github.url,
    githubToken: GITHUB_TOKEN,
    repository: `${OWNER}/${REPO}`,
    sha: MERGE,
    ...options
  })
  runs.push(result)
  // SHOW_ACTION_LOG=1 prints what a workflow log and job summary would show.
  if (process.env.SHOW_ACTION_LOG !== undefined) console.log(result.stdout, result.stderr, result.summary)
  return result
}

function deployInputs (path: string, extra: Record<string, string> = {}): Record<string, string> {
  return { path, service: 'local', endpoint: server.url, token: SERVICE_TOKEN, exclude: '**/*.map', 'timeout-minutes': '1', ...extra }
}

function markerComments (): FakeGitHub['comments'] {
  return github.comments.filter(c => c.body.includes('<!-- pinship:preview '))
}

/** The token may appear only in the runner's add-mask command, which comes before any other line. */
function expectMasked (result: RunResult, secret: string): void {
  const lines = result.stdout.split('\n')
  const mentions = lines.map((line, i) => ({ line, i })).filter(({ line }) => line.includes(secret))
  for (const { line } of mentions) expect(line).toBe(`::add-mask::${secret}`)
  const firstOther = lines.findIndex(line => line !== '' && !line.startsWith('::add-mask::'))
  for (const { i } of mentions) expect(i).toBeLessThan(firstOther === -1 ? Infinity : firstOther)
  expect(result.stderr).not.toContain(secret)
  expect(result.summary).not.toContain(secret)
  expect(JSON.stringify(result.outputs)).not.toContain(secret)
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pinship-action-'))
  server = await startServer({ port: 0, dataDir: join(tmp, 'data'), tokens: [SERVICE_TOKEN, SECOND_TOKEN] })
  github = await startFakeGitHub({ owner: OWNER, repo: REPO, token: GITHUB_TOKEN })
})

afterAll(async () => {
  for (const r of runs) cleanupRun(r)
  await github?.close()
  await server?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('push to main', () => {
  let result: RunResult
  let expectedCid: string
  beforeAll(async () => {
    makeSite(join(tmp, 'push-site'))
    expectedCid = await importerCid(withoutMaps(join(tmp, 'push-site'), join(tmp, 'push-oracle')))
    github.requests.length = 0
    result = await run({ with: deployInputs('push-site'), event: { name: 'push', payload: { ref: 'refs/heads/main', repository: { full_name: `${OWNER}/${REPO}` } } } })
  })

  test('succeeds with the CID the importer computes for the folder without the excluded files', () => {
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.outputs.cid).toBe(expectedCid)
  })

  test('outputs: url (subdomain on the first gateway), urls, status, size, deals, results', () => {
    const urls = JSON.parse(result.outputs.urls) as string[]
    expect(urls.length).toBeGreaterThanOrEqual(2)
    expect(urls[0]).toContain(`/ipfs/${expectedCid}`)
    expect(result.outputs.url).toBe(urls[1])
    expect(new URL(result.outputs.url).hostname.startsWith(`${expectedCid}.ipfs.`)).toBe(true)
    expect(result.outputs.status).toBe('pinned')
    const size = ['index.html', 'about/index.html', 'assets/app.js', '.well-known/security.txt']
      .reduce((sum, f) => sum + statSync(join(tmp, 'push-site', f)).size, 0)
    expect(result.outputs.size).toBe(String(size))
    expect(JSON.parse(result.outputs.deals)).toEqual([])
    const results = JSON.parse(result.outputs.results)
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({ service: 'local', status: 'pinned', error: null })
    // every key is one action.yml documents for `results`
    const documented = /results:\s*\n\s*description: (.*)/.exec(readFileSync(join(process.cwd(), 'action.yml'), 'utf8'))?.[1] ?? ''
    for (const key of Object.keys(results[0])) expect(documented, key).toContain(`\`${key}\``.replace(/^`(service|endpoint|status|deals|error)`$/, '$1'))
    expect(results[0].rawStatus).toBe('Pinned')
  })

  test('the service knows the root as pinned (its web3.storage status API)', async () => {
    const res = await fetch(`${server.url}/status/${expectedCid}`)
    expect(res.status).toBe(200)
    const body = await res.json() as { cid: string, pins: Array<{ status: string }> }
    expect(body.cid).toBe(expectedCid)
    expect(body.pins.map(p => p.status)).toContain('Pinned')
  })

  test('the content is really on the service: the gateway serves the page', async () => {
    const res = await fetch(`${server.gatewayUrl}/ipfs/${expectedCid}/index.html`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Hello from the action')
  })

  test('the CAR is kept at car-path with the root in its header, hidden files in, excluded files out', () => {
    const carPath = result.outputs['car-path']
    expect(existsSync(carPath)).toBe(true)
    expect(carPath.startsWith(result.runnerTemp)).toBe(true)
    expect(carRoots(carPath)).toEqual([expectedCid])
    const paths = carPaths(carPath).join('\n')
    expect(paths).toContain('.well-known/security.txt')
    expect(paths).toContain('assets/app.js')
    expect(paths).not.toContain('app.js.map')
  })

  test('job summary: CID, size, profile, per-service status and preview links', () => {
    expect(result.summary).toContain(expectedCid)
    expect(result.summary).toContain('unixfs-v1-2025')
    expect(result.summary).toMatch(/\| local \(127\.0\.0\.1:\d+\) \| ✅ pinned \|/)
    expect(result.summary).toMatch(/4 files/)
    for (const url of JSON.parse(result.outputs.urls) as string[]) expect(result.summary).toContain(url)
  })

  test('progress is logged in groups per phase', () => {
    expect(result.stdout).toContain('::group::Pack into CAR')
    expect(result.stdout).toContain('::group::Upload')
    expect(result.stdout).toContain('::group::Wait for pins')
    expect(result.stdout.split('::group::').length).toBe(result.stdout.split('::endgroup::').length)
    // Every pack line, the last one (the root) included, sits inside the Pack group.
    const lines = result.stdout.split('\n')
    const start = lines.indexOf('::group::Pack into CAR')
    const end = lines.indexOf('::endgroup::', start)
    expect(lines.findIndex(l => l.startsWith(`root ${expectedCid} `))).toBeGreaterThan(start)
    expect(lines.findIndex(l => l.startsWith(`root ${expectedCid} `))).toBeLessThan(end)
  })

  test('commit status on GITHUB_SHA linking to the first gateway; no comment outside pull requests', () => {
    expect(github.statuses.filter(s => s.sha === MERGE)).toEqual([
      expect.objectContaining({ state: 'success', context: 'pinship', target_url: JSON.parse(result.outputs.urls)[0] })
    ])
    expect(github.requests.filter(r => r.path.includes('/comments'))).toEqual([])
  })

  test('the service token and the GitHub token never appear in logs, summary or outputs', () => {
    expectMasked(result, SERVICE_TOKEN)
    expectMasked(result, GITHUB_TOKEN)
  })
})

describe('pull request previews', () => {
  const first: { result?: RunResult } = {}
  const second: { result?: RunResult } = {}
  beforeAll(async () => {
    // Other people's comments, enough that ours lands on the second page of the listing.
    for (let i = 0; i < 105; i++) github.comments.push({ id: i + 1, issue: 5, body: `comment ${i}`, user: { login: 'someone', type: 'User' } })
    makeSite(join(tmp, 'pr-site'))
    first.result = await run({ with: deployInputs('pr-site'), event: { name: 'pull_request', payload: prPayload(5, HEAD_1, `${OWNER}/${REPO}`) } })
    // The author pushes again: new content, new head.
    writeFileSync(join(tmp, 'pr-site', 'index.html'), '<!doctype html><h1>Second push</h1>\n')
    second.result = await run({ with: deployInputs('pr-site'), event: { name: 'pull_request', payload: prPayload(5, HEAD_2, `${OWNER}/${REPO}`) } })
  })

  test('the first run creates one comment with the CID, both link styles and the service status', () => {
    expect(first.result?.code, first.result?.stdout).toBe(0)
    const created = github.requests.filter(r => r.method === 'POST' && r.path.endsWith('/issues/5/comments'))
    expect(created).toHaveLength(1)
    const body = (created[0].body as { body: string }).body
    const cid = first.result!.outputs.cid
    expect(body).toContain(cid)
    const urls = JSON.parse(first.result!.outputs.urls) as string[]
    expect(body).toContain(urls[0])
    expect(body).toContain(urls[1])
    expect(body).toMatch(/local .*pinned/)
    expect(body).toContain(HEAD_1.slice(0, 7))
  })

  test('the second run updates that comment in place: never a second one', () => {
    expect(second.result?.code, second.result?.stdout).toBe(0)
    expect(second.result!.outputs.cid).not.toBe(first.result!.outputs.cid)
    expect(markerComments()).toHaveLength(1)
    const patches = github.requests.filter(r => r.method === 'PATCH')
    expect(patches).toHaveLength(1)
    expect(patches[0].path).toBe(`/repos/${OWNER}/${REPO}/issues/comments/${markerComments()[0].id}`)
    expect(markerComments()[0].body).toContain(second.result!.outputs.cid)
    expect(markerComments()[0].body).not.toContain(first.result!.outputs.cid)
    expect(github.comments.filter(c => c.issue === 5)).toHaveLength(106)
  })

  test('the second run sends only what changed: results carry uploadedBytes and skippedBytes, the log says so', () => {
    const [a] = JSON.parse(first.result!.outputs.results) as Array<{ uploadedBytes: number, skippedBytes: number }>
    const [b] = JSON.parse(second.result!.outputs.results) as Array<{ uploadedBytes: number, skippedBytes: number }>
    // (the first run too skipped what the push-to-main deploy of the same files had stored)
    expect(a.uploadedBytes).toBeGreaterThan(0)
    expect(b.skippedBytes).toBeGreaterThan(0)
    // the new index.html and the directories above it
    expect(b.uploadedBytes).toBeGreaterThan(0)
    expect(b.uploadedBytes).toBeLessThan(2048)
    expect(second.result!.stdout).toMatch(/local: already holds \d+ of \d+ blocks; only the others are sent/)
    expect(second.result!.stdout).toMatch(/local: uploaded 1 shard, [\d.]+ (B|KiB) \(skipped [\d.]+ (B|KiB|MiB) it already holds\)/)
  })

  test('commit statuses go to the pull request heads, not the merge commit', () => {
    expect(github.statuses.find(s => s.sha === HEAD_1)).toMatchObject({ state: 'success', context: 'pinship', target_url: JSON.parse(first.result!.outputs.urls)[0] })
    expect(github.statuses.find(s => s.sha === HEAD_2)).toMatchObject({ state: 'success', target_url: JSON.parse(second.result!.outputs.urls)[0] })
  })

  test('the pin name defaults to owner-repo-sha7 of the head, with the preview suffix of the pull request', () => {
    expect(second.result!.summary).toContain(`${OWNER}-${REPO}-${HEAD_2.slice(0, 7)}-preview-pr5`)
  })

  test('no token in the comments or statuses', () => {
    for (const c of github.comments) {
      expect(c.body).not.toContain(SERVICE_TOKEN)
      expect(c.body).not.toContain(GITHUB_TOKEN)
    }
    expect(JSON.stringify(github.statuses)).not.toContain(SERVICE_TOKEN)
    expectMasked(first.result!, SERVICE_TOKEN)
  })
})

describe('a person\'s comment that quotes the marker', () => {
  test('is left alone: the action finds only its own comment, which starts with the marker', async () => {
    makeSite(join(tmp, 'quote-site'), { 'quote.txt': 'quoted\n' })
    const inputs = deployInputs('quote-site')
    const first = await run({ with: inputs, event: { name: 'pull_request', payload: prPayload(30, HEAD_1, `${OWNER}/${REPO}`) } })
    expect(first.code, first.stdout).toBe(0)
    const ours = github.comments.filter(c => c.issue === 30)
    expect(ours).toHaveLength(1)
    const marker = ours[0].body.split('\n')[0]
    expect(marker).toMatch(/^<!-- pinship:preview [0-9a-f]{16} -->$/)
    // Someone pastes the raw comment into theirs, ahead of ours in the listing.
    const quote = `Why did this change?\n\n${ours[0].body}`
    github.comments.unshift({ id: 900, issue: 30, body: quote, user: { login: 'maintainer', type: 'User' } })
    const second = await run({ with: inputs, event: { name: 'pull_request', payload: prPayload(30, HEAD_2, `${OWNER}/${REPO}`) } })
    expect(second.code, second.stdout).toBe(0)
    expect(github.comments.find(c => c.id === 900)?.body).toBe(quote)
    expect(github.comments.filter(c => c.issue === 30)).toHaveLength(2)
    expect(github.comments.find(c => c.id === ours[0].id)?.body).toContain(HEAD_2.slice(0, 7))
  })
})

describe('fork pull request (no secrets)', () => {
  let result: RunResult
  let expectedCid: string
  let before: number
  beforeAll(async () => {
    const extra = { 'fork.txt': 'only in the fork\n' }
    makeSite(join(tmp, 'fork-site'), extra)
    expectedCid = await importerCid(withoutMaps(join(tmp, 'fork-site'), join(tmp, 'fork-oracle'), extra))
    before = github.requests.length
    // Secrets are empty on fork pull requests: the token input expands to nothing.
    result = await run({ with: { ...deployInputs('fork-site'), token: '' }, event: { name: 'pull_request', payload: prPayload(6, HEAD_1, 'someone/site') } })
  })

  test('computes the CID and the CAR, uploads nothing, and does not fail', async () => {
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.outputs.cid).toBe(expectedCid)
    expect(result.outputs.status).toBe('packed')
    expect(result.outputs.url).toBe('')
    expect(result.outputs.urls).toBe('[]')
    expect(carRoots(result.outputs['car-path'])).toEqual([expectedCid])
    const status = await fetch(`${server.url}/status/${expectedCid}`)
    expect(status.status).toBe(404)
  })

  test('says so in the summary, and posts nothing to GitHub', () => {
    expect(result.summary).toContain('Upload skipped')
    expect(result.summary).toContain('fork')
    expect(result.summary).toContain(expectedCid)
    expect(github.requests.length).toBe(before)
  })
})

function dependabotPayload (number: number, sha: string): unknown {
  const payload = prPayload(number, sha, `${OWNER}/${REPO}`) as { pull_request: Record<string, unknown> }
  return { ...payload, pull_request: { ...payload.pull_request, user: { login: 'dependabot[bot]', type: 'Bot' } } }
}

describe('Dependabot pull request without the token in Dependabot secrets', () => {
  let result: RunResult
  let expectedCid: string
  let before: number
  beforeAll(async () => {
    const extra = { 'deps.txt': 'bumped by dependabot\n' }
    makeSite(join(tmp, 'deps-site'), extra)
    expectedCid = await importerCid(withoutMaps(join(tmp, 'deps-site'), join(tmp, 'deps-oracle'), extra))
    before = github.requests.length
    // Not a fork, but Actions secrets are not given to Dependabot runs: the token input expands to nothing.
    result = await run({
      with: { ...deployInputs('deps-site'), token: '' },
      event: { name: 'pull_request', payload: dependabotPayload(12, HEAD_1) },
      env: { GITHUB_ACTOR: 'dependabot[bot]' }
    })
  })

  test('computes the CID and the CAR, uploads nothing, and does not fail', async () => {
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).not.toContain('::error::')
    expect(result.outputs.cid).toBe(expectedCid)
    expect(result.outputs.status).toBe('packed')
    expect(result.outputs.url).toBe('')
    expect(carRoots(result.outputs['car-path'])).toEqual([expectedCid])
    const status = await fetch(`${server.url}/status/${expectedCid}`)
    expect(status.status).toBe(404)
  })

  test('the summary says why and what to do (Dependabot secrets); nothing is posted to GitHub', () => {
    expect(result.summary).toContain('Upload skipped')
    expect(result.summary).toContain('Dependabot pull request')
    expect(result.summary).toContain('Dependabot secrets')
    expect(result.summary).not.toContain('fork')
    expect(result.summary).toContain(expectedCid)
    expect(github.requests.length).toBe(before)
  })
})

describe('Dependabot pull request with the token in Dependabot secrets', () => {
  test('deploys as usual: pinned on the service, with the comment and the status', async () => {
    const extra = { 'deps.txt': 'bumped, with a token\n' }
    makeSite(join(tmp, 'deps-token-site'), extra)
    const expectedCid = await importerCid(withoutMaps(join(tmp, 'deps-token-site'), join(tmp, 'deps-token-oracle'), extra))
    // Only the pull request's author says Dependabot here (a re-run by a person changes the actor).
    const result = await run({ with: deployInputs('deps-token-site'), event: { name: 'pull_request', payload: dependabotPayload(13, DEPS_HEAD) } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.outputs.cid).toBe(expectedCid)
    expect(result.outputs.status).toBe('pinned')
    expect(result.summary).not.toContain('Upload skipped')
    const status = await fetch(`${server.url}/status/${expectedCid}`)
    expect(status.status).toBe(200)
    expect(github.comments.filter(c => c.issue === 13 && c.body.includes(expectedCid))).toHaveLength(1)
    expect(github.statuses.find(s => s.sha === DEPS_HEAD)).toMatchObject({ state: 'success', context: 'pinship' })
    expectMasked(result, SERVICE_TOKEN)
  })
})

describe('service: none', () => {
  test('is a dry run on push: CID and CAR, no upload, no commit status; hidden: false leaves dot-files out', async () => {
    makeSite(join(tmp, 'none-site'), { 'none.txt': 'dry\n' })
    const before = github.requests.length
    const result = await run({ with: { path: 'none-site', service: 'none', hidden: 'false' }, event: { name: 'push', payload: {} } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.outputs.status).toBe('packed')
    expect(carRoots(result.outputs['car-path'])).toEqual([result.outputs.cid])
    const oracle = join(tmp, 'none-oracle')
    makeSite(oracle, { 'none.txt': 'dry\n' })
    rmSync(join(oracle, '.well-known'), { recursive: true })
    expect(result.outputs.cid).toBe(await importerCid(oracle))
    expect(carPaths(result.outputs['car-path']).join('\n')).not.toContain('.well-known')
    expect(result.summary).toContain('`service` is `none`')
    expect(github.requests.length).toBe(before)
  })
})

describe('several services at once', () => {
  let result: RunResult
  beforeAll(async () => {
    makeSite(join(tmp, 'multi-site'), { 'multi.txt': 'two services\n' })
    result = await run({
      with: {
        path: 'multi-site',
        service: 'local,web3storage',
        endpoint: server.url,
        token: SERVICE_TOKEN,
        'service-options': `web3storage.token=${SECOND_TOKEN}`,
        gateways: 'https://dweb.link, https://inbrowser.link',
        'pin-name': '{repo}-multi-{sha7}',
        'timeout-minutes': '1'
      },
      event: { name: 'push', payload: {} },
      sha: '5555555555555555555555555555555555555555'
    })
  })

  test('one CID, one result per service, each pinned with its own credentials', async () => {
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const results = JSON.parse(result.outputs.results) as Array<{ service: string, status: string, error: unknown }>
    expect(results.map(r => [r.service, r.status, r.error])).toEqual([['local', 'pinned', null], ['web3storage', 'pinned', null]])
    // Each user (token) sees the upload in its own list.
    for (const token of [SERVICE_TOKEN, SECOND_TOKEN]) {
      const res = await fetch(`${server.url}/user/uploads`, { headers: { authorization: `Bearer ${token}` } })
      const uploads = await res.json() as Array<{ cid: string, name?: string }>
      expect(uploads.find(u => u.cid === result.outputs.cid)?.name).toBe('site-multi-5555555')
    }
  })

  test('links use the gateways given, the first one for url and the commit status', () => {
    const cid = result.outputs.cid
    expect(JSON.parse(result.outputs.urls)).toEqual([
      `https://dweb.link/ipfs/${cid}/`, `https://${cid}.ipfs.dweb.link/`,
      `https://inbrowser.link/ipfs/${cid}/`, `https://${cid}.ipfs.inbrowser.link/`
    ])
    expect(result.outputs.url).toBe(`https://${cid}.ipfs.dweb.link/`)
    expect(github.statuses.find(s => s.sha === '5555555555555555555555555555555555555555')?.target_url).toBe(`https://dweb.link/ipfs/${cid}/`)
    expect(result.summary).toMatch(/\| web3storage \(127\.0\.0\.1:\d+\) \| ✅ pinned \|/)
  })

  test('a token given in service-options is masked too', () => {
    expectMasked(result, SECOND_TOKEN)
    expectMasked(result, SERVICE_TOKEN)
  })
})

describe('verify: true', () => {
  test('fetches the root back through the first gateway and says so in the summary', async () => {
    makeSite(join(tmp, 'verify-site'), { 'verify.txt': 'check me\n' })
    const result = await run({ with: deployInputs('verify-site', { verify: 'true' }), event: { name: 'push', payload: {} } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain('::group::Verify through the gateway')
    expect(result.summary).toMatch(/Verified through http:\/\/127\.0\.0\.1:\d+: \d+ blocks/)
  })
})

describe('a rate-limited service (HTTP 429 with Retry-After)', () => {
  test('the action waits as asked and still ends pinned, saying so in the log', async () => {
    const limited = await startServer({ port: 0, dataDir: join(tmp, 'limited-data'), tokens: [SERVICE_TOKEN], rateLimit: { requests: 1, windowMs: 4000 } })
    try {
      makeSite(join(tmp, 'limited-site'), { 'limited.txt': 'slow down\n' })
      // Use up the token's one request of this window (4 s, far longer than the action takes to start), so the
      // action's upload is answered 429 first.
      const used = await fetch(`${limited.url}/user/uploads`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })
      expect(used.status).toBe(200)
      expect((await fetch(`${limited.url}/user/uploads`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })).status).toBe(429)
      const result = await run({ with: deployInputs('limited-site', { endpoint: limited.url }), event: { name: 'push', payload: {} } })
      expect(result.code, result.stdout + result.stderr).toBe(0)
      expect(result.outputs.status).toBe('pinned')
      const retries = result.stdout.split('\n').filter(l => /HTTP 429/.test(l))
      expect(retries.length).toBeGreaterThan(0)
      expect(retries[0]).toMatch(/service asked to wait \d+ s/)
      expect(result.stdout).not.toMatch(/^::(error|warning)::/m)
    } finally {
      await limited.close()
    }
  })
})

describe('shard-size', () => {
  /** A site with a 7 MB file of random bytes (no two blocks alike), so a few MB per shard means several shards. */
  async function bigSite (name: string): Promise<{ dir: string, cid: string }> {
    const extra = { 'media/video.bin': '' }
    const dir = makeSite(join(tmp, name), extra)
    writeFileSync(join(dir, 'media', 'video.bin'), randomBytes(7_000_000))
    const oracle = withoutMaps(dir, join(tmp, `${name}-oracle`), extra)
    writeFileSync(join(oracle, 'media', 'video.bin'), readFileSync(join(dir, 'media', 'video.bin')))
    return { dir, cid: await importerCid(oracle) }
  }

  test('a small shard size uploads several shards and ends pinned with the importer\'s CID', async () => {
    const { cid } = await bigSite('shard-site')
    const result = await run({ with: deployInputs('shard-site', { 'shard-size': '3000000' }), event: { name: 'push', payload: {} } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.outputs.cid).toBe(cid)
    expect(result.outputs.status).toBe('pinned')
    expect(result.stdout).toMatch(/shards up to 2\.86 MiB/)
    const uploaded = /local: uploaded (\d+) shards/.exec(result.stdout)
    expect(Number(uploaded?.[1])).toBeGreaterThanOrEqual(3)
    const status = await (await fetch(`${server.url}/status/${cid}`)).json() as { pins: Array<{ status: string }> }
    expect(status.pins.map(p => p.status)).toContain('Pinned')
    expect(carRoots(result.outputs['car-path'])).toEqual([cid])
  })

  test('a service that answers 413 fails with advice naming the input; following it (a unit form) deploys', async () => {
    // A proxy with a 2 MB request limit in front of the service: it reads the whole body, then answers 413 as
    // web3.storage does, and passes everything else through.
    const LIMIT = 2_000_000
    const proxy = createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        const body = Buffer.concat(chunks)
        if (body.length > LIMIT) {
          res.writeHead(413, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large' }))
          return
        }
        const headers = Object.fromEntries(Object.entries(req.headers)
          .filter(([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>
        const upstream = await fetch(`${server.url}${req.url ?? '/'}`, { method: req.method, headers, ...(body.length > 0 ? { body } : {}) })
        const answer = Buffer.from(await upstream.arrayBuffer())
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' })
        res.end(answer)
      })().catch(err => { res.writeHead(502); res.end(String(err)) })
    })
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    try {
      const { cid } = await bigSite('small-site')
      const sha = '7777777777777777777777777777777777777777'
      const refused = await run({ with: deployInputs('small-site', { endpoint: proxyUrl }), event: { name: 'push', payload: {} }, sha })
      expect(refused.code).toBe(1)
      const errors = refused.stdout.split('\n').filter(l => l.startsWith('::error::'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/HTTP 413: Request body too large\)\. Use a smaller `shard-size`/)
      expect(refused.stdout + refused.summary).not.toContain('--shard-size')
      expect(refused.summary).toContain('Use a smaller `shard-size`')
      expect(github.statuses.find(s => s.sha === sha)?.state).toMatch(/failure|error/)
      const accepted = await run({ with: deployInputs('small-site', { endpoint: proxyUrl, 'shard-size': '1.5MB' }), event: { name: 'push', payload: {} } })
      expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0)
      expect(accepted.outputs.cid).toBe(cid)
      expect(accepted.outputs.status).toBe('pinned')
      expect(Number(/local: uploaded (\d+) shards/.exec(accepted.stdout)?.[1])).toBeGreaterThanOrEqual(5)
    } finally {
      await new Promise(resolve => proxy.close(resolve))
    }
  })
})

describe('pr-comment, commit-status, deployments and job-summary set to false', () => {
  test('deploy on a pull request without touching GitHub or the summary', async () => {
    makeSite(join(tmp, 'quiet-site'), { 'quiet.txt': 'quiet\n' })
    const before = github.requests.length
    const result = await run({
      with: deployInputs('quiet-site', { 'pr-comment': 'false', 'commit-status': 'False', 'job-summary': 'FALSE', deployments: 'false' }),
      event: { name: 'pull_request', payload: prPayload(22, HEAD_1, `${OWNER}/${REPO}`) }
    })
    expect(result.code, result.stdout).toBe(0)
    expect(result.outputs.status).toBe('pinned')
    expect(github.requests.length).toBe(before)
    expect(result.summary).toBe('')
  })
})

describe('GitHub refuses the comment (missing permissions)', () => {
  test('the deploy still succeeds, with a warning that names the permission', async () => {
    makeSite(join(tmp, 'perm-site'), { 'perm.txt': 'no permission\n' })
    github.failures.set(`/repos/${OWNER}/${REPO}/issues/21/comments`, 403)
    try {
      const result = await run({ with: deployInputs('perm-site'), event: { name: 'pull_request', payload: prPayload(21, HEAD_1, `${OWNER}/${REPO}`) } })
      expect(result.code, result.stdout).toBe(0)
      const warnings = result.stdout.split('\n').filter(l => l.startsWith('::warning::'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/pull request comment[\s\S]*pull-requests: write/)
      expect(github.comments.filter(c => c.issue === 21)).toEqual([])
    } finally {
      github.failures.clear()
    }
  })
})

describe('workflow_run for a fork (the two-workflow pattern)', () => {
  test('finds the pull request by head label and sha, comments on it and sets the status on the head', async () => {
    makeSite(join(tmp, 'wr-site'), { 'wr.txt': 'from a fork, deployed by workflow_run\n' })
    const head = '3333333333333333333333333333333333333333'
    github.pulls.push({ number: 12, head: { sha: head, label: 'someone:feature' } })
    const result = await run({
      with: deployInputs('wr-site'),
      event: { name: 'workflow_run', payload: { workflow_run: { head_sha: head, head_branch: 'feature', event: 'pull_request', pull_requests: [], head_repository: { full_name: 'someone/site', owner: { login: 'someone' } } } } }
    })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const comments = github.comments.filter(c => c.issue === 12)
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain(result.outputs.cid)
    expect(github.statuses.find(s => s.sha === head)).toMatchObject({ state: 'success' })
  })
})

describe('a deploy that fails', () => {
  test('a wrong token ends in one failure that says what to do, marks the commit, and leaks nothing', async () => {
    makeSite(join(tmp, 'bad-token-site'), { 'bad.txt': 'wrong token\n' })
    const wrong = 'wrong-token-Qm7Yx2'
    const sha = '4444444444444444444444444444444444444444'
    const result = await run({ with: { ...deployInputs('bad-token-site'), token: wrong }, event: { name: 'push', payload: {} }, sha })
    expect(result.code).toBe(1)
    const errors = result.stdout.split('\n').filter(l => l.startsWith('::error::'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/local/)
    expect(errors[0]).toMatch(/token/i)
    const status = github.statuses.find(s => s.sha === sha)
    expect(status === undefined ? undefined : ['failure', 'error'].includes(status.state)).toBe(true)
    expectMasked(result, wrong)
    expect(JSON.stringify(github.statuses)).not.toContain(wrong)
    // nothing was stored: no links that would 404 (action.yml: "Empty when nothing was uploaded")
    expect(result.outputs.url).toBe('')
    expect(result.outputs.urls).toBe('[]')
    expect(result.outputs.cid).toMatch(/^bafy/)
    expect(JSON.parse(result.outputs.results)[0]).toMatchObject({ service: 'local', status: null, error: { code: 'ERR_AUTH' } })
    expect(result.summary).not.toMatch(/\/ipfs\/bafy/)
  })
})

describe('a deploy that throws', () => {
  test('the packer\'s error becomes the one failure, an error commit status and a summary line; no CAR is left', async () => {
    const dir = makeSite(join(tmp, 'symlink-site'), { 'ok.txt': 'fine\n' })
    writeFileSync(join(tmp, 'outside.txt'), 'not part of the site\n')
    symlinkSync(join(tmp, 'outside.txt'), join(dir, 'escape.txt'))
    const sha = '6666666666666666666666666666666666666666'
    const result = await run({ with: deployInputs('symlink-site'), event: { name: 'push', payload: {} }, sha })
    expect(result.code).toBe(1)
    const errors = result.stdout.split('\n').filter(l => l.startsWith('::error::'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/escape\.txt.*outside/)
    expect(github.statuses.find(s => s.sha === sha)).toMatchObject({ state: 'error', context: 'pinship' })
    expect(result.summary).toContain('pinship failed')
    expect(result.outputs).toEqual({})
    expect(readdirSync(join(result.runnerTemp, 'pinship'))).toEqual([])
  })
})

describe('bad inputs fail clearly before anything is packed or posted', () => {
  test.each([
    ['missing path', { path: '' }, /`path` is required/],
    ['path that does not exist', { path: 'no-such-dir' }, /`path`: "no-such-dir" does not exist/],
    ['unknown service', { service: 'ipfs-magic' }, /unknown service "ipfs-magic"/],
    ['bad boolean', { 'pr-comment': 'yes' }, /`pr-comment` must be true or false, got "yes"/],
    ['bad timeout', { 'timeout-minutes': 'soon' }, /`timeout-minutes` must be a number of minutes/],
    ['zero timeout', { 'timeout-minutes': '0' }, /`timeout-minutes` must be a number of minutes/],
    ['unknown profile', { 'cid-profile': 'v2' }, /`cid-profile` must be one of/],
    ['shard size that is not a size', { 'shard-size': 'big' }, /Input `shard-size` must be a positive whole number of bytes[^"]*; got "big"/],
    ['zero shard size', { 'shard-size': '0' }, /Input `shard-size` must be a positive whole number of bytes[^"]*; got "0"/],
    ['fractional shard size', { 'shard-size': '1.5' }, /Input `shard-size` must be a positive whole number of bytes[^"]*; got "1\.5"/],
    ['negative shard size', { 'shard-size': '-3000000' }, /Input `shard-size` must be a positive whole number of bytes/],
    ['shard size above the service\'s limit', { 'shard-size': '200MB' }, /larger than local accepts[\s\S]*`shard-size: 100000000` or less/],
    ['missing token', { token: '' }, /local needs a token[\s\S]*secrets/]
  ])('%s', async (_, inputs, message) => {
    makeSite(join(tmp, 'input-site'))
    const before = github.requests.length
    const result = await run({ with: { ...deployInputs('input-site'), ...inputs }, event: { name: 'pull_request', payload: prPayload(7, HEAD_1, `${OWNER}/${REPO}`) } })
    expect(result.code).toBe(1)
    const errors = result.stdout.split('\n').filter(l => l.startsWith('::error::'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(github.requests.length).toBe(before)
    expect(result.outputs).toEqual({})
    const carDir = join(result.runnerTemp, 'pinship')
    expect(existsSync(carDir) ? readdirSync(carDir) : []).toEqual([])
  })
})
