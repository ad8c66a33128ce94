import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CarWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'
import { InvalidArgumentError, InvalidCidError, NotFoundError } from '../../core/errors.js'
import { httpError } from '../http/errors.js'
import { subdomainLocation } from '../http/security.js'
import { escapeHtml, sendEmpty, sendText } from '../http/respond.js'
import type { Router } from '../http/router.js'
import { parseCid, DagWalk } from '../store/dag-walk.js'
import { sendError } from '../app.js'
import { directoryEntries, loadBlock, readFileRange, resolveCids, resolvePath, type FsNode } from '../gateway/unixfs.js'
import { sniffType, typeByName } from '../gateway/mime.js'
import { carContentType, carEtag, carParams, checkEntityBytes, scopedBlocks } from '../gateway/car-scope.js'
import type { Ctx, ServerState } from '../state.js'

/** Content-addressed responses never change. */
export const IMMUTABLE_CACHE = 'public, max-age=29030400, immutable'
const CAR_TYPE = 'application/vnd.ipld.car'
const RAW_TYPE = 'application/vnd.ipld.raw'

export function registerGateway (router: Router<ServerState>): void {
  router.add('GET', /^\/ipfs\/([^/]+)(\/.*)?$/, 'gateway', async (ctx: Ctx) => {
    const location = subdomainRedirect(ctx)
    if (location !== undefined) {
      sendEmpty(ctx.res, 301, { location, 'cache-control': IMMUTABLE_CACHE })
      return
    }
    await serve(ctx.state, ctx.req, ctx.res, ctx.url, ctx.params[0], ctx.params[1] ?? '', `/ipfs/${ctx.params[0]}`)
  })
}

/**
 * Path-style content shares the service's origin, so where the Host allows subdomains the path gateway sends the
 * browser to the content's own origin instead (`/ipfs/{cid}/p?q` → `http://{cidv1}.ipfs.localhost:PORT/p?q`).
 * Trustless requests (`?format=car|raw` or their Accept types) are answered in place: they are downloads, never
 * rendered, and verifying clients should not need to resolve `*.localhost`. Bad input is left to `serve` to refuse.
 */
function subdomainRedirect (ctx: Ctx): string | undefined {
  let format: Format
  let root: CID | undefined
  try {
    pathSegments((ctx.req.url ?? '').split('?')[0])
    format = formatOf(ctx.req, ctx.url)
    root = parseCid(decodeURIComponent(ctx.params[0]))
  } catch {
    return undefined
  }
  if (format !== undefined || root === undefined) return undefined
  return subdomainLocation(ctx.req, root, ctx.params[1] ?? '', ctx.url.search, ctx.state.subdomainHosts)
}

/** `http://{cidv1-base32}.ipfs.localhost:PORT/path`: the Host names the root, so a site's absolute links work. */
export async function subdomainGateway (state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
  const m = /^([^.]+)\.ipfs\.[^.]/.exec(host)
  if (m === null) return false
  let url: URL
  try { url = new URL(req.url ?? '/', 'http://localhost') } catch { url = new URL('http://localhost/') }
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      throw httpError(405, 'ERR_METHOD_NOT_ALLOWED', 'The gateway only answers GET and HEAD.')
    }
    await serve(state, req, res, url, m[1], url.pathname === '/' ? '' : url.pathname, '')
  } catch (err) {
    sendError(state, req, res, 'gateway', err)
  }
  return true
}

/** Decoded path segments; `..`, `.` and encoded slashes are refused rather than interpreted. */
export function pathSegments (rawPath: string): string[] {
  const out: string[] = []
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue
    if (/%2f|%5c/i.test(raw)) throw new InvalidArgumentError('Encoded slashes are not allowed in gateway paths.')
    let seg: string
    try { seg = decodeURIComponent(raw) } catch { throw new InvalidArgumentError(`Invalid percent-encoding in gateway path segment "${raw}".`) }
    if (seg === '..' || seg === '.') {
      throw new InvalidArgumentError(`Path segment "${seg}" is not allowed in gateway paths: paths inside a DAG have no "." or "..".`)
    }
    if (seg.includes('\\') || seg.includes('\0')) {
      throw new InvalidArgumentError(`Path segment ${JSON.stringify(seg)} is not allowed in gateway paths: it holds a backslash or a NUL byte.`)
    }
    out.push(seg)
  }
  return out
}

type Format = 'car' | 'raw' | undefined

function formatOf (req: IncomingMessage, url: URL): Format {
  const f = url.searchParams.get('format')
  if (f === 'car' || f === 'raw') return f
  if (f !== null && f !== '') throw new InvalidArgumentError(`Unknown format "${f}": use format=car or format=raw (or none for the file itself).`)
  const accept = req.headers.accept ?? ''
  if (accept.includes(CAR_TYPE)) return 'car'
  if (accept.includes(RAW_TYPE)) return 'raw'
  return undefined
}

async function serve (state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL, rawCid: string, rawPath: string, base: string): Promise<void> {
  // URL parsing already collapsed "/a/../b": check the path as the client sent it
  pathSegments((req.url ?? '').split('?')[0])
  let cidText: string
  try { cidText = decodeURIComponent(rawCid) } catch { cidText = rawCid }
  const root = parseCid(cidText)
  if (root === undefined) throw new InvalidCidError(`"${cidText}" is not a valid CID.`)
  const segments = pathSegments(rawPath)
  const format = formatOf(req, url)
  const store = state.repo.blocks
  const ipfsPath = `/ipfs/${root.toString()}${segments.map(s => '/' + encodeURIComponent(s)).join('')}`
  const common: Record<string, string> = { 'cache-control': IMMUTABLE_CACHE, 'x-ipfs-path': ipfsPath, 'x-content-type-options': 'nosniff' }
  const head = req.method === 'HEAD'

  if (format !== undefined) {
    // trustless responses: any codec, so the target itself is not decoded as UnixFS
    const path = await resolveCids(store, root, segments)
    const target = path[path.length - 1]
    if (format === 'car') {
      await sendCar(state, req, res, url, root, path, target, common)
      return
    }
    const bytes = await loadBlock(store, target)
    const etag = `"${target.toString()}.raw"`
    if (notModified(req, res, etag, common)) return
    res.writeHead(200, { ...common, etag, 'content-type': RAW_TYPE, 'content-length': bytes.length, 'content-disposition': `attachment; filename="${target.toString()}.bin"` })
    res.end(head ? undefined : bytes)
    return
  }

  const { node } = await resolvePath(store, root, segments)

  if (node.kind === 'directory') {
    if (!url.pathname.endsWith('/')) {
      // relative links in index.html resolve against the directory only with a trailing slash
      sendEmpty(res, 301, { location: url.pathname + '/' + url.search, ...common })
      return
    }
    let index: CID | undefined
    for await (const e of directoryEntries(store, node)) if (e.name === 'index.html') { index = e.cid; break }
    if (index !== undefined) {
      const { node: file } = await resolvePath(store, index, [])
      await sendFile(state, req, res, file, 'index.html', common)
      return
    }
    await sendListing(state, req, res, node, `${base}${segments.map(s => '/' + encodeURIComponent(s)).join('')}`, segments, common)
    return
  }
  if (node.kind === 'other') {
    throw httpError(406, 'ERR_NOT_ACCEPTABLE', `${node.cid.toString()} is not UnixFS; request it with ?format=raw or ?format=car.`)
  }
  await sendFile(state, req, res, node, segments.at(-1) ?? '', common)
}

function notModified (req: IncomingMessage, res: ServerResponse, etag: string, headers: Record<string, string>): boolean {
  const inm = req.headers['if-none-match']
  if (inm === undefined) return false
  const tags = inm.split(',').map(t => t.trim().replace(/^W\//, ''))
  if (!tags.includes(etag) && !tags.includes('*')) return false
  sendEmpty(res, 304, { ...headers, etag })
  return true
}

/** A single `bytes=` range, or undefined for a full response (absent, malformed or multi-range). */
function parseRange (header: string | undefined, size: number): { start: number, end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null || (m[1] === '' && m[2] === '')) return undefined
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    end = size
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1)
    if (m[2] !== '' && Number(m[2]) < start) return undefined
  }
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}

async function sendFile (state: ServerState, req: IncomingMessage, res: ServerResponse, node: FsNode, name: string, common: Record<string, string>): Promise<void> {
  if (node.kind !== 'file' && node.kind !== 'raw') throw httpError(406, 'ERR_NOT_ACCEPTABLE', `${node.cid.toString()} is not a file.`)
  const store = state.repo.blocks
  const etag = `"${node.cid.toString()}"`
  if (notModified(req, res, etag, common)) return
  const size = node.size
  let type = typeByName(name)
  if (type === undefined) {
    const first: Uint8Array[] = []
    let got = 0
    for await (const chunk of readFileRange(store, node, 0, Math.min(size, 512))) { first.push(chunk); got += chunk.length }
    type = sniffType(Buffer.concat(first, got))
  }
  const range = parseRange(req.headers.range, size)
  const headers: Record<string, string | number> = { ...common, etag, 'content-type': type, 'accept-ranges': 'bytes' }
  if (range === 'unsatisfiable') {
    sendEmpty(res, 416, { ...headers, 'content-range': `bytes */${size}` })
    return
  }
  const start = range?.start ?? 0
  const end = range?.end ?? size
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end - 1}/${size}`
  res.writeHead(range !== undefined ? 206 : 200, { ...headers, 'content-length': end - start })
  if (req.method === 'HEAD') { res.end(); return }
  await pipeOut(res, readFileRange(store, node, start, end))
}

async function pipeOut (res: ServerResponse, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    await pipeline(Readable.from(chunks), res)
  } catch (err) {
    // the client went away mid-transfer: nothing to answer; a failing read of our own store is a real error
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err
  }
}

async function sendCar (state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL, root: CID, path: CID[], target: CID, common: Record<string, string>): Promise<void> {
  const store = state.repo.blocks
  const params = carParams(req, url)
  const etag = carEtag(target, params)
  if (notModified(req, res, etag, common)) return
  // the target block must be here before a 200 is promised; for the whole DAG, every block (checked up front
  // rather than breaking the transfer half way)
  checkEntityBytes(target, await loadBlock(store, target), params)
  if (params.scope === 'all' && !state.repo.isComplete(target.toString())) {
    const walk = new DagWalk(target)
    await walk.advance(store)
    if (!walk.complete) throw new NotFoundError(`The DAG of ${target.toString()} is incomplete here (${walk.missing.size} block(s) missing). Upload the rest of its CAR, then retry.`)
  }
  res.writeHead(200, { ...common, etag, 'content-type': carContentType(params), 'content-disposition': `attachment; filename="${target.toString()}.car"`, 'x-ipfs-roots': path.map(c => c.toString()).join(','), vary: 'Accept' })
  if (req.method === 'HEAD') { res.end(); return }
  const { writer, out } = CarWriter.create([root])
  const pump = (async () => {
    try {
      for await (const b of scopedBlocks(store, path, params)) {
        if (res.destroyed) return
        await writer.put(b)
      }
    } catch (err) {
      // break the transfer before the CAR's end could make a short response look complete
      res.destroy(err as Error)
      throw err
    } finally {
      await writer.close()
    }
  })()
  const [piped, pumped] = await Promise.allSettled([pipeOut(res, out), pump])
  if (pumped.status === 'rejected') throw pumped.reason
  if (piped.status === 'rejected') throw piped.reason
}

async function sendListing (state: ServerState, req: IncomingMessage, res: ServerResponse, dir: FsNode & { kind: 'directory' }, href: string, segments: string[], common: Record<string, string>): Promise<void> {
  const etag = `"${dir.cid.toString()}.html"`
  if (notModified(req, res, etag, common)) return
  const rows: string[] = []
  if (segments.length > 0) rows.push('<tr><td><a href="../">..</a></td><td></td><td></td></tr>')
  for await (const e of directoryEntries(state.repo.blocks, dir)) {
    const isDir = e.cid.code === 0x70 && await isDirectory(state, e.cid)
    const link = encodeURIComponent(e.name) + (isDir ? '/' : '')
    rows.push(`<tr><td><a href="${escapeHtml(link)}">${escapeHtml(e.name)}${isDir ? '/' : ''}</a></td>` +
      `<td><code>${escapeHtml(e.cid.toString())}</code></td><td>${e.size ?? ''}</td></tr>`)
  }
  const title = escapeHtml(href === '' ? `/ipfs/${dir.cid.toString()}/` : href + '/')
  sendText(res, 200, `<!doctype html><html><head><meta charset="utf-8"><title>Index of ${title}</title></head><body>` +
    `<h1>Index of ${title}</h1><table><thead><tr><th>Name</th><th>CID</th><th>Size</th></tr></thead><tbody>${rows.join('')}</tbody></table></body></html>`,
  'text/html; charset=utf-8', { ...common, etag })
}

async function isDirectory (state: ServerState, cid: CID): Promise<boolean> {
  try {
    const { node } = await resolvePath(state.repo.blocks, cid, [])
    return node.kind === 'directory'
  } catch {
    return false
  }
}
