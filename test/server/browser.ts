// Real headless Chromium (Debian's `chromium`) driven by playwright-core, for tests of what a browser lets pages do.
import { createServer, type Server } from 'node:http'
import { chromium, type BrowserContext } from 'playwright-core'
import { tempDir } from './helpers.js'

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A browser with a fresh profile (its own cookies); close() ends it and removes the profile. */
export async function launchBrowser (): Promise<{ context: BrowserContext, close: () => Promise<void> }> {
  const profile = await tempDir('pinship-chromium-')
  const context = await chromium.launchPersistentContext(profile.path, { executablePath: CHROMIUM, args: ARGS, headless: true })
  return { context, close: async () => { await context.close(); await profile.remove() } }
}

/**
 * The attacker's own server on another origin: serves the probe script that evil pages load, and collects the
 * reports they send back (what a real attacker would exfiltrate).
 */
export interface Collector {
  url: string
  reports: Array<Record<string, any>>
  /** HTML pages served at these paths (the attacker's own site). */
  pages: Record<string, string>
  /** Waits for a report whose `where` contains `fragment`. */
  reportFrom: (fragment: string, timeoutMs?: number) => Promise<Record<string, any>>
  close: () => Promise<void>
}

export async function startCollector (probe: (collectorUrl: string) => string): Promise<Collector> {
  const reports: Array<Record<string, any>> = []
  const pages: Record<string, string> = {}
  let url = ''
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/probe.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' })
      res.end(probe(url))
      return
    }
    if (req.method === 'GET' && pages[req.url ?? ''] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(pages[req.url ?? ''])
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/report') {
        try { reports.push(JSON.parse(Buffer.concat(chunks).toString('utf8'))) } catch { /* not a report */ }
      }
      res.writeHead(204, { 'access-control-allow-origin': '*' })
      res.end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  return {
    url,
    reports,
    pages,
    reportFrom: async (fragment, timeoutMs = 15_000) => {
      const until = Date.now() + timeoutMs
      while (Date.now() < until) {
        const r = reports.find(r => String(r.where).includes(fragment))
        if (r !== undefined) return r
        await new Promise(resolve => setTimeout(resolve, 100))
      }
      throw new Error(`no report from a page at ${fragment} within ${timeoutMs} ms (got ${reports.map(r => String(r.where)).join(', ')})`)
    },
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}
