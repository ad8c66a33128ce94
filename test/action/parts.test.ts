/** The action's pure parts, in-process: exclude patterns, service lists, pin names, the run context. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { readRunContext } from '../../src/action/context.js'
import { excludeMatcher } from '../../src/action/exclude.js'
import { checkPinNameTemplate, expandPinName } from '../../src/action/pin-name.js'
import { parseServices } from '../../src/action/services.js'
import { overallStatus, previewLinks, primaryUrl } from '../../src/action/report.js'
import { gatewayUrls } from '../../src/core/gateway-urls.js'
import { createService } from '../../src/core/services/index.js'
import { preflight } from '../../src/core/deploy/preflight.js'
import { pack } from '../../src/core/pack/index.js'
import { inWorkflowTerms } from '../../src/action/format.js'
import { parseShardSize } from '../../src/action/inputs.js'
import { statusError } from '../../src/core/http.js'
import { reportMarkdown } from '../../src/action/markdown.js'
import { setOutputs } from '../../src/action/outputs.js'
import { reportFromDeploy } from '../../src/action/report.js'
import { parseOutputFile } from './run-action.js'

const tmp = mkdtempSync(join(tmpdir(), 'pinship-action-parts-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('exclude (@actions/glob patterns rooted at path)', () => {
  // A root whose own name holds glob characters must still match literally.
  const root = join(tmp, 'site [v1]*')
  for (const file of ['index.html', 'app.js', 'app.js.map', 'a/b/deep.js.map', 'a/keep.js.map', '.well-known/x', 'drafts/one.md', 'drafts/two.md']) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), file)
  }

  test('** matches at any depth, ! keeps, a directory match is reported for the directory', async () => {
    const { ignore, matches } = await excludeMatcher(root, ['**/*.map', '!a/keep.js.map', 'drafts'])
    expect(ignore('app.js.map', false)).toBe(true)
    expect(ignore('a/b/deep.js.map', false)).toBe(true)
    expect(ignore('a/keep.js.map', false)).toBe(false)
    expect(ignore('drafts', true)).toBe(true)
    expect(ignore('index.html', false)).toBe(false)
    expect(ignore('app.js', false)).toBe(false)
    expect(ignore('.well-known/x', false)).toBe(false)
    expect(matches).toBe(3)
  })

  test('a pattern without ** only matches at the top, and dot files match like any other', async () => {
    const { ignore } = await excludeMatcher(root, ['*.map', '.well-known'])
    expect(ignore('app.js.map', false)).toBe(true)
    expect(ignore('a/b/deep.js.map', false)).toBe(false)
    expect(ignore('.well-known', true)).toBe(true)
  })
})

describe('service lists', () => {
  test('`token` and `endpoint` apply to every service; service-options override per service and add extras', () => {
    const secrets: string[] = []
    const configs = parseServices('local, pinata,filebase', {
      endpoint: 'http://127.0.0.1:1234',
      token: 'shared',
      options: ['pinata.token=pin-jwt', 'filebase.bucket=site', 'filebase.secret-key=s3cr3t', '# comment', 'filebase.endpoint=https://s3.example'],
      onSecret: v => secrets.push(v)
    })
    expect(configs).toEqual([
      { service: 'local', endpoint: 'http://127.0.0.1:1234', token: 'shared' },
      { service: 'pinata', endpoint: 'http://127.0.0.1:1234', token: 'pin-jwt' },
      { service: 'filebase', endpoint: 'https://s3.example', token: 'shared', extras: { bucket: 'site', 'secret-key': 's3cr3t' } }
    ])
    expect(secrets).toEqual(['pin-jwt', 's3cr3t'])
  })

  test('`none` means pack only', () => {
    expect(parseServices('none')).toEqual([])
  })

  test.each([
    ['', /`service` is required/],
    ['ipfs-magic', /unknown service "ipfs-magic"/],
    ['none,local', /cannot be combined/],
    ['local,local', /twice/]
  ])('%j is refused', (value, message) => {
    expect(() => parseServices(value)).toThrow(message)
  })

  test('options for a service not listed, malformed lines and bad endpoints are refused without echoing values', () => {
    expect(() => parseServices('local', { options: ['pinata.token=abc'] })).toThrow(/"pinata" is not in `service`/)
    expect(() => parseServices('local', { options: ['local token hunter2'] })).toThrow(/<service>\.<key>=<value>/)
    expect(() => parseServices('local', { options: ['local token hunter2'] })).not.toThrow(/hunter2/)
    expect(() => parseServices('kubo', { endpoint: 'ftp://user:pw@host' })).toThrow(/not an http\(s\) URL/)
    expect(() => parseServices('kubo', { endpoint: 'ftp://user:pw@host' })).not.toThrow(/pw/)
  })
})

describe('pin names', () => {
  test('the default template gives owner-repo-sha7', () => {
    expect(expandPinName('{owner}-{repo}-{sha7}', { owner: 'octo', repo: 'site', sha: '0123456789abcdef0123456789abcdef01234567', pr: '' })).toBe('octo-site-0123456')
    expect(expandPinName('{repo}-pr{pr}', { owner: 'o', repo: 'site', sha: 'x', pr: '12' })).toBe('site-pr12')
  })
  test('an unknown placeholder is refused', () => {
    expect(() => checkPinNameTemplate('{owner}-{branch}')).toThrow(/unknown placeholder \{branch\}/)
  })
})

describe('run context', () => {
  const head = 'a'.repeat(40)
  const merge = 'b'.repeat(40)
  const env = (name: string, payload: unknown): NodeJS.ProcessEnv => {
    const path = join(tmp, `${name}-${Math.random()}.json`)
    writeFileSync(path, JSON.stringify(payload))
    return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'octo/site', GITHUB_SHA: merge }
  }

  test('push: GITHUB_SHA, no pull request', () => {
    const ctx = readRunContext(env('push', { repository: { full_name: 'octo/site' } }))
    expect(ctx).toMatchObject({ owner: 'octo', repo: 'site', sha: merge, fork: false })
    expect(ctx.pullRequest).toBeUndefined()
  })
  test('pull_request from the same repository: head sha and number, not a fork', () => {
    const ctx = readRunContext(env('pull_request', { pull_request: { number: 7, head: { sha: head, repo: { full_name: 'octo/site' } } } }))
    expect(ctx).toMatchObject({ sha: head, pullRequest: 7, fork: false })
  })
  test('pull_request from a fork (or a deleted fork) is a fork run; pull_request_target is not', () => {
    expect(readRunContext(env('pull_request', { pull_request: { number: 8, head: { sha: head, repo: { full_name: 'someone/site' } } } })).fork).toBe(true)
    expect(readRunContext(env('pull_request', { pull_request: { number: 8, head: { sha: head, repo: null } } })).fork).toBe(true)
    expect(readRunContext(env('pull_request_target', { pull_request: { number: 8, head: { sha: head, repo: { full_name: 'someone/site' } } } })).fork).toBe(false)
  })
  test('a Dependabot pull request (by actor or by author) is a Dependabot run, not a fork; only on pull_request', () => {
    const payload = (login: string, repo = 'octo/site'): unknown => ({ pull_request: { number: 10, user: { login }, head: { sha: head, repo: { full_name: repo } } } })
    expect(readRunContext(env('pull_request', payload('dependabot[bot]')))).toMatchObject({ dependabot: true, fork: false })
    expect(readRunContext({ ...env('pull_request', payload('octocat')), GITHUB_ACTOR: 'dependabot[bot]' }).dependabot).toBe(true)
    expect(readRunContext({ ...env('pull_request', payload('octocat')), GITHUB_ACTOR: 'octocat' }).dependabot).toBe(false)
    expect(readRunContext(env('pull_request_target', payload('dependabot[bot]'))).dependabot).toBe(false)
    expect(readRunContext(env('push', {})).dependabot).toBe(false)
  })
  test('a pull request closing (merged or not) is a closing run, on pull_request and pull_request_target; nothing else is', () => {
    const payload = (action: string, merged = false): unknown => ({ action, pull_request: { number: 9, merged, head: { sha: head, repo: { full_name: 'octo/site' } } } })
    expect(readRunContext(env('pull_request', payload('closed'))).closed).toBe(true)
    expect(readRunContext(env('pull_request', payload('closed', true))).closed).toBe(true)
    expect(readRunContext(env('pull_request_target', payload('closed'))).closed).toBe(true)
    expect(readRunContext(env('pull_request', payload('synchronize'))).closed).toBe(false)
    expect(readRunContext(env('pull_request', payload('reopened'))).closed).toBe(false)
    expect(readRunContext(env('issues', { action: 'closed', issue: { number: 9 } })).closed).toBe(false)
    expect(readRunContext(env('pull_request', { action: 'closed' })).closed).toBe(false)
  })
  test('workflow_run: the head sha, and a head label to find a fork\'s pull request', () => {
    const ctx = readRunContext(env('workflow_run', { workflow_run: { head_sha: head, head_branch: 'fix', event: 'pull_request', pull_requests: [], head_repository: { owner: { login: 'someone' } } } }))
    expect(ctx).toMatchObject({ sha: head, headLabel: 'someone:fix' })
    expect(ctx.pullRequest).toBeUndefined()
    const same = readRunContext(env('workflow_run', { workflow_run: { head_sha: head, event: 'pull_request', pull_requests: [{ number: 9 }] } }))
    expect(same.pullRequest).toBe(9)
    expect(same.headLabel).toBeUndefined()
  })
})

test('overall status is the weakest service state', () => {
  const r = (status: 'pinned' | 'queued' | 'failed' | null) => ({ service: 's', endpoint: 'e', status, deals: [], error: null })
  expect(overallStatus([r('pinned'), r('pinned')])).toBe('pinned')
  expect(overallStatus([r('pinned'), r('queued')])).toBe('queued')
  expect(overallStatus([r('pinned'), r(null)])).toBe('failed')
  expect(overallStatus([])).toBe('packed')
})

describe('preview links from the core\'s URL list', () => {
  const cid = 'bafybeidoc7vs3nczqnirm4ciikwzgcormjm6kjl2qfkcar2yp2hcvdnz7a'

  test('regrouped per gateway, whether or not a gateway has a subdomain form', () => {
    const urls = gatewayUrls(cid, ['https://dweb.link', 'https://gw.example/prefix', 'http://127.0.0.1:8080'])
    expect(previewLinks(urls)).toEqual([
      { gateway: 'dweb.link', path: `https://dweb.link/ipfs/${cid}/`, subdomain: `https://${cid}.ipfs.dweb.link/` },
      { gateway: 'gw.example/prefix', path: `https://gw.example/prefix/ipfs/${cid}/` },
      { gateway: '127.0.0.1:8080', path: `http://127.0.0.1:8080/ipfs/${cid}/`, subdomain: `http://${cid}.ipfs.localhost:8080/` }
    ])
  })

  test('the url output is the first gateway\'s subdomain link, else its path link, else empty', () => {
    expect(primaryUrl(gatewayUrls(cid, ['https://dweb.link', 'https://gw.example/p']))).toBe(`https://${cid}.ipfs.dweb.link/`)
    expect(primaryUrl(gatewayUrls(cid, ['https://gw.example/p', 'https://dweb.link']))).toBe(`https://gw.example/p/ipfs/${cid}/`)
    expect(primaryUrl([])).toBe('')
  })
})

describe('core advice in workflow terms', () => {
  test('the core\'s own messages name inputs, not CLI flags or environment variables', () => {
    const messages: string[] = []
    for (const config of [{ service: 'local', endpoint: 'http://127.0.0.1:1' }, { service: 'psa' }, { service: 'filebase' }, { service: 'local', endpoint: 'http://u:p@127.0.0.1:1', token: 't' }]) {
      try { createService(config) } catch (err) { messages.push((err as Error).message) }
    }
    expect(messages).toHaveLength(4)
    messages.push('timed out after 6 s waiting for local to an active Filecoin deal bafy: last state pinned (Pinned). Raise --timeout to wait longer, or check later with `pinship status bafy`.')
    messages.push('--wait deal needs services that report Filecoin deals; local report none. Use --wait pinned for it.')
    const rewritten = messages.map(inWorkflowTerms)
    for (const m of rewritten) expect(m).not.toMatch(/--(token|endpoint|timeout|wait|service|profile|verify)\b|PINSHIP_(TOKEN|ENDPOINT)/)
    expect(rewritten[0]).toBe('service local needs a token: pass `token`')
    expect(rewritten[4]).toContain('Raise `timeout-minutes` to wait longer')
    expect(rewritten[5]).toBe('`wait-for: deal` needs services that report Filecoin deals; local report none. Use `wait-for: pinned` for it.')
  })
  test('pack and endpoint advice names the `exclude`, `path` and `endpoint` inputs; no flag the Action lacks', async () => {
    const root = join(tmp, 'advice')
    mkdirSync(join(root, 'sub'), { recursive: true })
    writeFileSync(join(root, 'sub', 'a.txt'), 'a')
    symlinkSync('/etc/hostname', join(root, 'sub', 'host'))
    const outside = await pack(root).catch((e: Error) => e)
    const empty = join(tmp, 'advice-empty')
    mkdirSync(empty, { recursive: true })
    const nothing = await pack(empty).catch((e: Error) => e)
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>(resolve => closed.close(() => resolve()))
    const refused = await preflight({ service: 'local', endpoint: `http://127.0.0.1:${port}`, token: 't' }).catch((e: Error) => e)
    const badPort = await preflight({ service: 'local', endpoint: 'http://127.0.0.1:9', token: 't' }).catch((e: Error) => e)
    const rewritten = [outside, nothing, refused, badPort].map(e => inWorkflowTerms((e as Error).message))
    for (const m of rewritten) expect(m).not.toMatch(/--[a-z]|PINSHIP_/)
    expect(rewritten[0]).toMatch(/or leave it out with a line `sub\/host` in `exclude`\.$/)
    expect(rewritten[1]).toMatch(/holds no files to pack\. Check the path \(and any `exclude` patterns\)\.$/)
    expect(rewritten[2]).toMatch(/connection refused: .* Check `endpoint`: it must be the API root of a running local service\.$/)
    expect(rewritten[3]).toMatch(/port 9 is reserved for another protocol .*; check `endpoint`/)
  })
})

describe('shard-size', () => {
  test('takes the CLI\'s --shard-size forms: bytes, or decimal and binary units', () => {
    expect(parseShardSize('')).toBeUndefined()
    expect(parseShardSize('3000000')).toBe(3_000_000)
    expect(parseShardSize('100MB')).toBe(100_000_000)
    expect(parseShardSize('1.5 mb')).toBe(1_500_000)
    expect(parseShardSize('95MiB')).toBe(95 * 1024 ** 2)
    expect(parseShardSize('2KiB')).toBe(2048)
    expect(parseShardSize('1GB')).toBe(1e9)
  })

  test.each(['0', '-1', '1.5', '0.0001KB', '10 TB', 'ten', '3e6', '1,000,000', '99999999999999999999'])('%j is refused, naming the input', value => {
    expect(() => parseShardSize(value)).toThrow(/^Input `shard-size` must be a positive whole number of bytes/)
  })

  test('a 413 from a service, and the core\'s limit check, are advice about the input', () => {
    const tooLarge = statusError({ service: 'web3storage' }, new URL('https://api.web3.storage/car'), 413, 'Payload Too Large', new Headers())
    expect(tooLarge.message).toContain('--shard-size')
    expect(inWorkflowTerms(tooLarge.message)).toMatch(/HTTP 413: Payload Too Large\). Use a smaller `shard-size`\.$/)
    expect(inWorkflowTerms('shard size 200000000 is larger than web3storage accepts in one request (100000000 bytes); use --shard-size 100000000 or less'))
      .toBe('shard size 200000000 is larger than web3storage accepts in one request (100000000 bytes); use `shard-size: 100000000` or less')
  })
})

describe('report rendering (summary and comment body, outputs)', () => {
  const cid = 'bafybeidoc7vs3nczqnirm4ciikwzgcormjm6kjl2qfkcar2yp2hcvdnz7a'
  const base = { carPath: '/tmp/x.car', waitFor: 'deal' as const, pinName: 'octo-site-1234567', sha: '1'.repeat(40) }
  const pack = { cid, profile: 'unixfs-v1-2025' as const, files: 3, bytes: 2048, carBytes: 2500 }
  const deals = [{ status: 'active' as const, storageProvider: 'f01234', dealId: 42 }, { status: 'queued' as const }]

  function deployResult (ok: boolean, error: { code: string, message: string } | null): any {
    return {
      cid, ok, pack, urls: gatewayUrls(cid, ['https://dweb.link']),
      results: [{ service: 'web3storage', endpoint: 'https://user:pw@api.example', status: 'pinned', deals, error }]
    }
  }

  test('deals appear per service in the table; endpoint credentials never do', () => {
    const md = reportMarkdown(reportFromDeploy(deployResult(true, null), base))
    expect(md).toMatch(/^### ✅ pinship: deployed \(pinned\)/)
    expect(md).toContain('| web3storage (api.example) | ✅ pinned | active f01234 deal 42<br>queued |')
    expect(md).toContain(`| dweb.link | https://dweb.link/ipfs/${cid}/ | https://${cid}.ipfs.dweb.link/ |`)
    expect(md).not.toContain('pw')
  })

  test('a failed deploy is never shown with a green tick, and its advice names inputs', () => {
    const report = reportFromDeploy(deployResult(false, { code: 'ERR_WAIT_TIMEOUT', message: 'timed out waiting for a deal. Raise --timeout to wait longer' }), base)
    const md = reportMarkdown(report)
    expect(md).toMatch(/^### ❌ pinship: deploy failed \(pinned\)/)
    expect(md).not.toContain('✅ pinship')
    expect(md).toContain('Raise `timeout-minutes` to wait longer')
  })

  test('deals and results outputs carry the deals with their service, and no known secret', () => {
    const file = join(tmp, 'github-output')
    writeFileSync(file, '')
    const saved = process.env.GITHUB_OUTPUT
    process.env.GITHUB_OUTPUT = file
    try {
      const report = reportFromDeploy(deployResult(false, { code: 'ERR_X', message: 'service echoed tok-SECRET-99 back' }), base)
      setOutputs(report, ['tok-SECRET-99'])
    } finally {
      if (saved === undefined) delete process.env.GITHUB_OUTPUT
      else process.env.GITHUB_OUTPUT = saved
    }
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain('tok-SECRET-99')
    const outputs = parseOutputFile(text)
    expect(JSON.parse(outputs.deals)).toEqual(deals.map(d => ({ service: 'web3storage', ...d })))
    expect(JSON.parse(outputs.results)[0].error.message).toBe('service echoed *** back')
    expect(outputs.cid).toBe(cid)
    expect(outputs.url).toBe(`https://${cid}.ipfs.dweb.link/`)
  })
})
