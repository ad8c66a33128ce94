/**
 * Pull request previews over their whole life, the action run as the runner runs it against the embedded service
 * (its web3.storage face through `local`, its Pinning Service API through `psa`) and the fake GitHub API: deploys
 * recorded in the comment's ledger, GitHub deployments, two jobs racing to create the comment, and the run on
 * `pull_request: closed` that removes the previews and nothing anyone else holds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startServer } from '../../src/server/index.js'
import type { RunningServer } from '../../src/server/index.js'
import { commentMarker } from '../../src/action/comment.js'
import { endpointId, ledgerLine, readLedger } from '../../src/action/ledger.js'
import { deploy } from '../../src/core/index.js'
import { startFakeGitHub } from './fake-github.js'
import type { FakeGitHub } from './fake-github.js'
import { cleanupRun, runAction } from './run-action.js'
import type { RunOptions, RunResult } from './run-action.js'

const OWNER = 'octo'
const REPO = 'site'
const GITHUB_TOKEN = 'ghs_fakeGitHubToken0123456789'
const SERVICE_TOKEN = 'svc-token-Zq8v3LmN5pX1'
const MAIN_SHA = 'a000000000000000000000000000000000000000'
const H1 = 'b100000000000000000000000000000000000000'
const H2 = 'b200000000000000000000000000000000000000'
const H3 = 'b300000000000000000000000000000000000000'
const OTHER = 'c100000000000000000000000000000000000000'

let tmp: string
let server: RunningServer
let github: FakeGitHub
const runs: RunResult[] = []

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pinship-previews-'))
  server = await startServer({ port: 0, dataDir: join(tmp, 'data'), tokens: [SERVICE_TOKEN] })
  github = await startFakeGitHub({ owner: OWNER, repo: REPO, token: GITHUB_TOKEN })
})

afterAll(async () => {
  for (const r of runs) cleanupRun(r)
  await github?.close()
  await server?.close()
  rmSync(tmp, { recursive: true, force: true })
})

function writeSite (name: string, page: string): void {
  const dir = join(tmp, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'about'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), `<!doctype html><h1>${page}</h1>\n`)
  writeFileSync(join(dir, 'about', 'index.html'), '<!doctype html><p>about</p>\n')
}

async function run (options: Partial<RunOptions> & Pick<RunOptions, 'with' | 'event'>): Promise<RunResult> {
  const result = await runAction({ workspace: tmp, apiUrl: github.url, githubToken: GITHUB_TOKEN, repository: `${OWNER}/${REPO}`, sha: MAIN_SHA, ...options })
  runs.push(result)
  if (process.env.SHOW_ACTION_LOG !== undefined) console.log(result.stdout, result.stderr, result.summary)
  return result
}

/** Two services on the one embedded service: uploads (`local`) and pin requests (`psa`). */
function inputs (path: string, extra: Record<string, string> = {}): Record<string, string> {
  return { path, service: 'local,psa', endpoint: server.url, token: SERVICE_TOKEN, 'timeout-minutes': '1', ...extra }
}

function pr (number: number, sha: string, action: string, headRepo = `${OWNER}/${REPO}`): RunOptions['event'] {
  return {
    name: 'pull_request',
    payload: { action, number, repository: { full_name: `${OWNER}/${REPO}` }, pull_request: { number, merged: false, head: { sha, ref: `feature-${number}`, repo: { full_name: headRepo } }, base: { ref: 'main' } } }
  }
}

async function uploads (): Promise<Array<{ cid: string, name: string }>> {
  const res = await fetch(`${server.url}/user/uploads?size=1000`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })
  return await res.json() as Array<{ cid: string, name: string }>
}

async function pins (): Promise<Array<{ requestid: string, pin: { cid: string, name?: string } }>> {
  const res = await fetch(`${server.url}/pins?status=queued,pinning,pinned,failed&limit=1000`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })
  return (await res.json() as { results: Array<{ requestid: string, pin: { cid: string, name?: string } }> }).results
}

function comments (issue: number): FakeGitHub['comments'] {
  return github.comments.filter(c => c.issue === issue && c.body.startsWith('<!-- pinship:preview '))
}

describe('open → two pushes → close', () => {
  const cids: Record<'main' | 'b' | 'c', string> = { main: '', b: '', c: '' }
  let mainRun: RunResult
  let opened: RunResult
  let pushed: RunResult
  let close: RunResult

  beforeAll(async () => {
    // The default branch deploys the site; the pull request opens with the same content (so the same CID).
    writeSite('life', 'main page')
    mainRun = await run({ with: inputs('life', { deployments: 'true' }), event: { name: 'push', payload: { ref: 'refs/heads/main' } }, sha: MAIN_SHA })
    cids.main = mainRun.outputs.cid
    opened = await run({ with: inputs('life'), event: pr(40, H1, 'opened') })
    writeSite('life', 'second push')
    const second = await run({ with: inputs('life'), event: pr(40, H2, 'synchronize') })
    cids.b = second.outputs.cid
    writeSite('life', 'third push')
    pushed = await run({ with: inputs('life'), event: pr(40, H3, 'synchronize') })
    cids.c = pushed.outputs.cid
    // Another pull request's preview of the third push's content, and a pin of the second made by hand.
    await run({ with: inputs('life'), event: pr(41, OTHER, 'opened') })
    const hand = await fetch(`${server.url}/pins`, {
      method: 'POST', headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ cid: cids.b, name: 'kept by hand' })
    })
    expect(hand.status).toBe(202)
    // The workflow runs on closed without building: `path` need not exist.
    rmSync(join(tmp, 'life'), { recursive: true })
    close = await run({ with: inputs('life'), event: pr(40, H3, 'closed') })
  })

  test('every run succeeded, with three different CIDs', () => {
    for (const r of [mainRun, opened, pushed, close]) expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(new Set(Object.values(cids)).size).toBe(3)
    expect(opened.outputs.cid).toBe(cids.main)
  })

  test('the comment recorded each preview under its preview name, the first one as held (main had it already)', () => {
    const ledger = readLedger(comments(40)[0].body)
    const local = ledger.filter(e => e.service === 'local')
    expect(local.map(e => [e.cid, e.name, e.held])).toEqual([
      [cids.main, `${OWNER}-${REPO}-${H1.slice(0, 7)}-preview-pr40`, true],
      [cids.b, `${OWNER}-${REPO}-${H2.slice(0, 7)}-preview-pr40`, false],
      [cids.c, `${OWNER}-${REPO}-${H3.slice(0, 7)}-preview-pr40`, false]
    ])
    expect(ledger.filter(e => e.service === 'psa').every(e => typeof e.requestId === 'string' && !e.held)).toBe(true)
    // The ledger names no endpoint in the clear.
    expect(JSON.stringify(ledger)).not.toContain('127.0.0.1')
  })

  test('close leaves none of the pull request\'s previews on the service', async () => {
    const pinList = await pins()
    expect(pinList.filter(p => p.pin.name?.endsWith('-preview-pr40') === true)).toEqual([])
    const uploadList = await uploads()
    expect(uploadList.find(u => u.cid === cids.b)).toBeUndefined()
  })

  test('and keeps the default branch\'s deploy of the same CID, another pull request\'s preview and the pin made by hand', async () => {
    const uploadList = await uploads()
    expect(uploadList.map(u => u.cid)).toContain(cids.main)
    expect(uploadList.find(u => u.cid === cids.c)?.name).toBe(`${OWNER}-${REPO}-${OTHER.slice(0, 7)}-preview-pr41`)
    const pinList = await pins()
    expect(pinList.filter(p => p.pin.cid === cids.main).map(p => p.pin.name)).toEqual([`${OWNER}-${REPO}-${MAIN_SHA.slice(0, 7)}`])
    expect(pinList.filter(p => p.pin.cid === cids.b).map(p => p.pin.name)).toEqual(['kept by hand'])
    expect(pinList.filter(p => p.pin.cid === cids.c).map(p => p.pin.name)).toEqual([`${OWNER}-${REPO}-${OTHER.slice(0, 7)}-preview-pr41`])
    const page = await fetch(`${server.gatewayUrl}/ipfs/${cids.main}/index.html`)
    expect(await page.text()).toContain('main page')
  })

  test('outputs list what went and what stayed, with reasons', () => {
    const removed = JSON.parse(close.outputs['previews-removed']) as Array<{ service: string, cid: string }>
    const kept = JSON.parse(close.outputs['previews-kept']) as Array<{ service: string, cid: string, reason: string }>
    expect(removed.map(o => `${o.service} ${o.cid}`).sort()).toEqual([`local ${cids.b}`, `psa ${cids.main}`, `psa ${cids.b}`, `psa ${cids.c}`].sort())
    expect(kept.map(o => `${o.service} ${o.cid}`).sort()).toEqual([`local ${cids.main}`, `local ${cids.c}`].sort())
    expect(kept.find(o => o.cid === cids.main)?.reason).toMatch(/already held this CID/)
    expect(kept.find(o => o.cid === cids.c)?.reason).toMatch(/now named .*preview-pr41/)
    expect(close.outputs.cid).toBeUndefined()
    expect(close.stdout).toContain('::group::Remove previews')
    expect(close.stdout).not.toContain('::group::Pack into CAR')
  })

  test('the comment says the previews were removed and what was kept; its ledger marks them removed', () => {
    expect(comments(40)).toHaveLength(1)
    const body = comments(40)[0].body
    expect(body).toContain('#40 closed — previews removed')
    expect(body).toContain('**Kept**')
    expect(body).toContain(cids.c)
    const ledger = readLedger(body)
    expect(ledger.filter(e => e.removed === true).map(e => `${e.service} ${e.cid}`).sort()).toEqual([`local ${cids.b}`, `psa ${cids.main}`, `psa ${cids.b}`, `psa ${cids.c}`].sort())
    expect(body).not.toContain(SERVICE_TOKEN)
  })

  test('GitHub deployments: one per preview run in preview/pr-40 linking the first gateway, all inactive after close', () => {
    const previews = github.deployments.filter(d => d.environment === 'preview/pr-40')
    expect(previews.map(d => d.ref)).toEqual([H1, H2, H3])
    expect(previews.every(d => d.transient_environment === true && d.production_environment === false)).toBe(true)
    const urls = JSON.parse(pushed.outputs.urls) as string[]
    expect(previews[2].statuses[0]).toMatchObject({ state: 'success', environment_url: urls[0], log_url: 'https://github.example/octo/site/actions/runs/4242' })
    expect(previews.map(d => d.statuses.at(-1)?.state)).toEqual(['inactive', 'inactive', 'inactive'])
    // Another pull request's environment is left alone.
    expect(github.deployments.filter(d => d.environment === 'preview/pr-41').map(d => d.statuses.at(-1)?.state)).toEqual(['success'])
  })

  test('deployments: true on a push deploys to production', () => {
    const production = github.deployments.filter(d => d.environment === 'production')
    expect(production).toHaveLength(1)
    expect(production[0]).toMatchObject({ ref: MAIN_SHA, production_environment: true, transient_environment: false, payload: { cid: cids.main } })
    expect(production[0].statuses[0]).toMatchObject({ state: 'success', environment_url: JSON.parse(mainRun.outputs.urls)[0] })
  })

  test('closing again removes nothing more and keeps the same', async () => {
    const again = await run({ with: inputs('life'), event: pr(40, H3, 'closed') })
    expect(again.code, again.stdout).toBe(0)
    expect(JSON.parse(again.outputs['previews-removed'])).toEqual([])
    expect((JSON.parse(again.outputs['previews-kept']) as unknown[]).length).toBe(2)
    expect(again.stdout).toContain('0 deployments of preview/pr-40 marked inactive')
    expect(github.deployments.filter(d => d.environment === 'preview/pr-40').map(d => d.statuses.filter(s => s.state === 'inactive').length)).toEqual([1, 1, 1])
  })
})

describe('NFT.Storage (one upload per CID, like web3.storage)', () => {
  test('its previews are removed too', async () => {
    const nft = { service: 'nftstorage', endpoint: `${server.url}/nft`, deployments: 'false' }
    writeSite('nft', 'nft one')
    const one = await run({ with: inputs('nft', nft), event: pr(45, H1, 'opened') })
    expect(one.code, one.stdout + one.stderr).toBe(0)
    expect((await uploads()).find(u => u.cid === one.outputs.cid)?.name).toBe(`${OWNER}-${REPO}-${H1.slice(0, 7)}-preview-pr45`)
    const closed = await run({ with: inputs('nft', nft), event: pr(45, H1, 'closed') })
    expect(closed.code, closed.stdout + closed.stderr).toBe(0)
    expect(JSON.parse(closed.outputs['previews-removed'])).toEqual([{ service: 'nftstorage', cid: one.outputs.cid, name: `${OWNER}-${REPO}-${H1.slice(0, 7)}-preview-pr45` }])
    expect(closed.outputs['previews-kept']).toBe('[]')
    expect((await uploads()).find(u => u.cid === one.outputs.cid)).toBeUndefined()
  })
})

describe('a service that stops answering when the pull request closes', () => {
  test('the clean-up gives up at timeout-minutes, fails the step saying what stays, and keeps it on record for a re-run', async () => {
    // A proxy in front of the service that can be made to swallow requests.
    let hang = false
    const proxy = createServer((req, res) => {
      if (hang) return
      void (async () => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>
        const body = Buffer.concat(chunks)
        const upstream = await fetch(`${server.url}${req.url ?? '/'}`, { method: req.method, headers, ...(body.length > 0 ? { body } : {}) })
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
        res.end(Buffer.from(await upstream.arrayBuffer()))
      })().catch(err => { res.writeHead(502); res.end(String(err)) })
    })
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    try {
      writeSite('stall', 'stalling service')
      // The upload goes straight to the service; the pin request through the proxy.
      const withProxy = { 'service-options': `psa.endpoint=${proxyUrl}`, deployments: 'false' }
      const opened = await run({ with: inputs('stall', withProxy), event: pr(46, H1, 'opened') })
      expect(opened.code, opened.stdout + opened.stderr).toBe(0)
      hang = true
      const started = Date.now()
      const closed = await run({ with: inputs('stall', { ...withProxy, 'timeout-minutes': '0.05' }), event: pr(46, H1, 'closed') })
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(closed.code).toBe(1)
      const errors = closed.stdout.split('\n').filter(l => l.startsWith('::error::'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/Could not remove every preview of #46: psa /)
      expect(errors[0]).toMatch(/re-run the job/)
      expect(errors[0]).not.toContain(SERVICE_TOKEN)
      expect(comments(46)[0].body).toContain('**Not removed (errors)**')
      expect(JSON.parse(closed.outputs['previews-removed'])).toEqual([expect.objectContaining({ service: 'local', cid: opened.outputs.cid })])
      expect(readLedger(comments(46)[0].body).filter(e => e.removed !== true).map(e => e.service)).toEqual(['psa'])
      // The re-run once the service answers again removes it.
      hang = false
      const again = await run({ with: inputs('stall', withProxy), event: pr(46, H1, 'closed') })
      expect(again.code, again.stdout).toBe(0)
      expect(JSON.parse(again.outputs['previews-removed'])).toEqual([{ service: 'psa', cid: opened.outputs.cid, name: `${OWNER}-${REPO}-${H1.slice(0, 7)}-preview-pr46` }])
    } finally {
      proxy.closeAllConnections()
      await new Promise(resolve => proxy.close(resolve))
    }
  })
})

describe('a fork\'s previews (workflow_run deploys, pull_request_target removes)', () => {
  test('the deploy finds the pull request first, so its preview is named and recorded; the closing run removes it', async () => {
    const head = 'f800000000000000000000000000000000000000'
    github.pulls.push({ number: 80, head: { sha: head, label: 'someone:feature' } })
    writeSite('fork-site', 'from a fork')
    const deployed = await run({
      with: inputs('fork-site', { deployments: 'false' }),
      event: { name: 'workflow_run', payload: { workflow_run: { head_sha: head, head_branch: 'feature', event: 'pull_request', pull_requests: [], head_repository: { full_name: 'someone/site', owner: { login: 'someone' } } } } }
    })
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0)
    const name = `${OWNER}-${REPO}-${head.slice(0, 7)}-preview-pr80`
    expect((await uploads()).find(u => u.cid === deployed.outputs.cid)?.name).toBe(name)
    expect(readLedger(comments(80)[0].body).map(e => e.name)).toEqual([name, name])
    // pull_request_target runs with the base repository's secrets and checks nothing out: safe for a fork's pull request.
    const closed = await run({ with: inputs('fork-site', { deployments: 'false' }), event: { ...pr(80, head, 'closed', 'someone/site'), name: 'pull_request_target' } })
    expect(closed.code, closed.stdout + closed.stderr).toBe(0)
    expect((JSON.parse(closed.outputs['previews-removed']) as Array<{ service: string }>).map(o => o.service).sort()).toEqual(['local', 'psa'])
    expect((await uploads()).find(u => u.cid === deployed.outputs.cid)).toBeUndefined()
  })
})

describe('closing without removing', () => {
  test('remove-previews: false leaves the previews and the comment as they are', async () => {
    writeSite('keep', 'keep me')
    const opened = await run({ with: inputs('keep'), event: pr(43, H1, 'opened') })
    expect(opened.code, opened.stdout).toBe(0)
    const before = comments(43)[0].body
    const closed = await run({ with: inputs('keep', { 'remove-previews': 'false' }), event: pr(43, H1, 'closed') })
    expect(closed.code, closed.stdout).toBe(0)
    expect(closed.outputs['previews-removed']).toBe('[]')
    expect(comments(43)[0].body).toBe(before)
    expect((await uploads()).find(u => u.cid === opened.outputs.cid)?.name).toMatch(/-preview-pr43$/)
  })

  test('a fork\'s pull request closing is a dry run: nothing removed, nothing posted', async () => {
    const requests = github.requests.length
    const closed = await run({ with: { ...inputs('gone'), token: '' }, event: pr(44, H1, 'closed', 'someone/site') })
    expect(closed.code, closed.stdout + closed.stderr).toBe(0)
    expect(closed.outputs['previews-removed']).toBe('[]')
    expect(github.requests.slice(requests).filter(r => r.method !== 'GET')).toEqual([])
  })
})

describe('two jobs of one pull request racing to create the comment', () => {
  test('end with one comment, holding both runs\' previews', async () => {
    writeSite('race', 'racing')
    // Both jobs list the comments before either creates one.
    github.listBarriers.set(50, 2)
    const [a, b] = await Promise.all([
      run({ with: inputs('race', { deployments: 'false' }), event: pr(50, H1, 'synchronize') }),
      run({ with: inputs('race', { deployments: 'false' }), event: pr(50, H2, 'synchronize') })
    ])
    expect(a.code, a.stdout).toBe(0)
    expect(b.code, b.stdout).toBe(0)
    const creates = github.requests.filter(r => r.method === 'POST' && r.path.endsWith('/issues/50/comments'))
    expect(creates).toHaveLength(2)
    expect(github.requests.filter(r => r.method === 'DELETE' && r.path.includes('/issues/comments/'))).toHaveLength(1)
    expect(comments(50)).toHaveLength(1)
    const names = readLedger(comments(50)[0].body).filter(e => e.service === 'local').map(e => e.name).sort()
    expect(names).toEqual([`${OWNER}-${REPO}-${H1.slice(0, 7)}-preview-pr50`, `${OWNER}-${REPO}-${H2.slice(0, 7)}-preview-pr50`])
  })
})

describe('two jobs of one pull request editing the comment at once', () => {
  test('each reads the comment back and adds what the other overwrote: the record keeps all three previews', async () => {
    writeSite('edit', 'first')
    const first = await run({ with: inputs('edit', { deployments: 'false' }), event: pr(52, H1, 'opened') })
    expect(first.code, first.stdout).toBe(0)
    const id = comments(52)[0].id
    // Both list the comment before either edits it, and both edits land before either reads it back.
    github.listBarriers.set(52, 2)
    github.updateBarriers.set(id, 2)
    writeSite('edit', 'second')
    const [a, b] = await Promise.all([
      run({ with: inputs('edit', { deployments: 'false' }), event: pr(52, H2, 'synchronize') }),
      run({ with: inputs('edit', { deployments: 'false' }), event: pr(52, H3, 'synchronize') })
    ])
    expect(a.code, a.stdout).toBe(0)
    expect(b.code, b.stdout).toBe(0)
    expect(a.stdout + b.stdout).not.toMatch(/^::warning::/m)
    expect(comments(52)).toHaveLength(1)
    const names = readLedger(comments(52)[0].body).filter(e => e.service === 'local').map(e => e.name).sort()
    expect(names).toEqual([H1, H2, H3].map(h => `${OWNER}-${REPO}-${h.slice(0, 7)}-preview-pr52`))
    // One of them had to write a second time.
    expect(github.requests.filter(r => r.method === 'PATCH' && r.path.endsWith(`/issues/comments/${id}`))).toHaveLength(3)
  })
})

describe('who wrote the comment', () => {
  test('with a personal access token, the token\'s own comment keeps the record and close removes the previews', async () => {
    github.viewer = { login: 'deploy-user', type: 'User' }
    try {
      writeSite('pat', 'pat one')
      const one = await run({ with: inputs('pat', { deployments: 'false' }), event: pr(60, H1, 'opened') })
      writeSite('pat', 'pat two')
      const two = await run({ with: inputs('pat', { deployments: 'false' }), event: pr(60, H2, 'synchronize') })
      expect(comments(60)).toHaveLength(1)
      expect(comments(60)[0].user.login).toBe('deploy-user')
      expect(readLedger(comments(60)[0].body)).toHaveLength(4)
      const closed = await run({ with: inputs('pat', { deployments: 'false' }), event: pr(60, H2, 'closed') })
      expect(closed.code, closed.stdout).toBe(0)
      expect((JSON.parse(closed.outputs['previews-removed']) as unknown[]).length).toBe(4)
      const left = (await uploads()).map(u => u.cid)
      expect(left).not.toContain(one.outputs.cid)
      expect(left).not.toContain(two.outputs.cid)
    } finally {
      delete github.viewer
    }
  })

  test('a person\'s comment imitating the marker, with a made-up record, is neither believed nor edited', async () => {
    writeSite('forge', 'made by hand')
    // Someone uploads by hand under a name that looks like a preview of #61 …
    const hand = await deploy(join(tmp, 'forge'), { services: [{ service: 'local', endpoint: server.url, token: SERVICE_TOKEN }], name: 'mine-preview-pr61', timeoutMs: 30_000 })
    // … and the pull request's author posts a comment claiming it as a preview.
    const ledger = ledgerLine([{ service: 'local', endpoint: endpointId(server.url), cid: hand.cid, name: 'mine-preview-pr61', sha: H1, held: false, removed: false }])
    const forged = `${commentMarker('forge')}\nlooks like pinship\n${ledger}\n`
    github.comments.push({ id: 5000, issue: 61, body: forged, user: { login: 'author', type: 'User' } })
    const closed = await run({ with: inputs('forge'), event: pr(61, H1, 'closed') })
    expect(closed.code, closed.stdout).toBe(0)
    expect(closed.outputs['previews-removed']).toBe('[]')
    expect((await uploads()).find(u => u.cid === hand.cid)?.name).toBe('mine-preview-pr61')
    expect(github.comments.find(c => c.id === 5000)?.body).toBe(forged)
  })
})

describe('a token that may not create deployments', () => {
  test('auto: a log line, no warning; true: a warning naming the permission; the deploy stands either way', async () => {
    writeSite('nodeploy', 'no deployments here')
    github.failures.set(`/repos/${OWNER}/${REPO}/deployments`, 403)
    try {
      const auto = await run({ with: inputs('nodeploy'), event: pr(70, 'e100000000000000000000000000000000000000', 'opened') })
      expect(auto.code, auto.stdout).toBe(0)
      expect(auto.stdout).not.toMatch(/^::warning::/m)
      expect(auto.stdout).toMatch(/no deployment: the token may not \(`permissions: deployments: write`/)
      const forced = await run({ with: inputs('nodeploy', { deployments: 'true' }), event: { name: 'push', payload: {} }, sha: 'd000000000000000000000000000000000000000' })
      expect(forced.code, forced.stdout).toBe(0)
      const warnings = forced.stdout.split('\n').filter(l => l.startsWith('::warning::'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/Could not post the deployment[\s\S]*deployments: write/)
      expect(github.deployments.filter(d => d.ref.startsWith('e1000') || d.ref.startsWith('d0000'))).toEqual([])
    } finally {
      github.failures.clear()
    }
  })

  test('bad values of deployments and environment fail before anything is deployed', async () => {
    writeSite('badinput', 'bad input')
    const bad = await run({ with: inputs('badinput', { deployments: 'always' }), event: pr(71, H1, 'opened') })
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/::error::Input `deployments` must be one of auto, true, false; got "always"/)
    const env = await run({ with: inputs('badinput', { environment: 'preview/pr-3' }), event: { name: 'push', payload: {} } })
    expect(env.code).toBe(1)
    expect(env.stdout).toMatch(/::error::Input `environment` must be an environment name/)
    expect(github.comments.filter(c => c.issue === 71)).toEqual([])
  })
})
