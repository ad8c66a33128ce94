// The account page in real headless Chromium: sign in through the form, watch an upload's Status go Queuing → Pinned
// and its Storage Providers fill in (the page refreshes itself while something changes; no script), see a
// pin-by-CID job in Pinata's words, and keep a screenshot as a test artifact (.tmp/artifacts/account-page.png).
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { humanBytes } from '../../src/server/api/account-view.js'
import { launchBrowser } from './browser.js'
import { encodeCar, importFiles, rawBlock, ROOT, startTestServer, type TestServer } from './helpers.js'

const ARTIFACTS = join(ROOT, '.tmp/artifacts')
let server: TestServer
let browser: Awaited<ReturnType<typeof launchBrowser>>

beforeAll(async () => {
  server = await startTestServer({ batchIntervalMs: 1000, dealDelayMs: 1000, searchTimeoutMs: 60_000, searchIntervalMs: 200 })
  browser = await launchBrowser()
}, 60_000)
afterAll(async () => { await browser?.close(); await server?.stop() })

async function rowOf (page: Page, cid: string): Promise<{ status: string, providers: string, title: string | null }> {
  const row = page.locator('#files ~ table tbody tr, section[aria-labelledby="files"] tbody tr').filter({ hasText: cid }).first()
  const cells = row.locator('td')
  return {
    status: (await cells.nth(4).innerText()).trim(),
    providers: (await cells.nth(5).innerText()).trim(),
    title: await cells.nth(4).locator('.badge').getAttribute('title')
  }
}

describe('account page in Chromium', () => {
  it('signs in, shows Queuing then Pinned, fills in Storage Providers live, lists pin-by-CID jobs', async () => {
    const page = await browser.context.newPage()
    const errors: string[] = []
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()) })
    try {
      await page.goto(`${server.url}/account`)
      await page.getByLabel('API token').fill(server.tokens[0])
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL(`${server.url}/account`)
      await expect.poll(async () => await page.getByRole('heading', { level: 1 }).innerText()).toBe('pinship account')

      // an upload whose CAR lacks a block: Queuing until the rest arrives
      const { root, blocks } = await importFiles([{ path: 'site/index.html', content: Buffer.from('<h1>account</h1>') }, { path: 'site/app.js', content: Buffer.alloc(300_000, 7) }], { wrap: false })
      const cid = root.toString()
      const rootBlock = blocks.find(b => b.cid.equals(root))
      if (rootBlock === undefined) throw new Error('no root block')
      expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], [rootBlock]), headers: { ...server.auth(), 'x-name': 'my site' } })).status).toBe(200)
      await page.reload()
      const queued = await rowOf(page, cid)
      expect(queued.status).toBe('Queuing')
      expect(queued.title).toMatch(/queued/i)
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(1)

      // a pin-by-CID job with nowhere reachable to look: Pinata's words in its own table
      const missing = (await rawBlock(Buffer.from('account page job'))).cid.toString()
      await fetch(`${server.url}/pinning/pinByHash`, { method: 'POST', headers: { ...server.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ hashToPin: missing, pinataMetadata: { name: 'wanted' }, pinataOptions: { hostNodes: ['/ip4/127.0.0.1/tcp/1/http'] } }) })

      // the rest of the DAG: the page (refreshing itself) turns Pinned, then the providers fill in
      expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: server.auth() })).status).toBe(200)
      await expect.poll(async () => (await rowOf(page, cid)).status, { timeout: 15_000 }).toBe('Pinned')
      const seenProviders = new Set<string>()
      await expect.poll(async () => {
        const p = (await rowOf(page, cid)).providers
        seenProviders.add(p)
        return (p.match(/Active/g) ?? []).length
      }, { timeout: 20_000, intervals: [250] }).toBe(5)
      // it went through intermediate states on the way (Queuing aggregation, Pending or Published deals)
      expect([...seenProviders].some(p => /Queuing|Pending|Published/.test(p))).toBe(true)
      const row = await rowOf(page, cid)
      for (const id of ['f01000', 'f01001', 'f01002', 'f01003', 'f01004']) expect(row.providers).toContain(id)

      // name, human size, a link to the content's own origin, totals, the job
      const tr = page.locator('section[aria-labelledby="files"] tbody tr').filter({ hasText: cid }).first()
      expect(await tr.locator('td').nth(0).innerText()).toBe('my site')
      const size = Number(await tr.locator('td').nth(2).getAttribute('title').then(t => t?.replace(/ bytes$/, '')))
      expect(await tr.locator('td').nth(2).innerText()).toBe(humanBytes(size))
      expect(await tr.locator('a').getAttribute('href')).toMatch(new RegExp(`^http://${root.toV1().toString()}\\.ipfs\\.localhost:${server.port}/$`))
      expect(await page.locator('dl.totals').innerText()).toMatch(/Files\s+1/)
      const job = page.locator('section[aria-labelledby="jobs"] tbody tr').filter({ hasText: missing })
      await expect.poll(async () => await job.locator('.badge').innerText(), { timeout: 15_000 }).toBe('bad_host_node')
      expect(await job.locator('.badge').getAttribute('title')).toMatch(/host node/)
      // a Pinata pin of content stored here is pinned at once and listed with the pins by CID
      await fetch(`${server.url}/pinning/pinByHash`, { method: 'POST', headers: { ...server.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ hashToPin: cid, pinataMetadata: { name: 'pinned too' } }) })
      // nothing is changing any more, so the page no longer refreshes itself: reload
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0)
      await page.reload()
      const pinRow = page.locator('section[aria-labelledby="pins"] tbody tr').filter({ hasText: 'pinned too' })
      expect(await pinRow.count()).toBe(1)
      expect(await pinRow.locator('td').nth(1).innerText()).toBe('Pinata')
      expect(await pinRow.locator('.badge').first().innerText()).toBe('Pinned')
      // accessible tables: column headers are scoped, every table has a caption
      expect(await page.locator('th:not([scope="col"])').count()).toBe(0)
      expect(await page.locator('table').count()).toBe(await page.locator('table > caption').count())

      await mkdir(ARTIFACTS, { recursive: true })
      const shot = join(ARTIFACTS, 'account-page.png')
      await page.screenshot({ path: shot, fullPage: true })
      expect((await stat(shot)).size).toBeGreaterThan(10_000)
      // no script, no CSP violation reported by the browser
      expect(await page.locator('script').count()).toBe(0)
      expect(errors.filter(e => /Content Security Policy/i.test(e))).toEqual([])
    } finally {
      await page.close()
    }
  }, 90_000)
})
