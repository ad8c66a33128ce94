import { InvalidArgumentError } from '../../core/errors.js'
import { Auth, SESSION_COOKIE } from '../http/auth.js'
import { DEFAULT_MAX_JSON_BYTES, checkDeclaredLength, limitedBody } from '../http/body.js'
import { escapeHtml, sendEmpty, sendText } from '../http/respond.js'
import { accountHeaders } from '../http/security.js'
import type { Router } from '../http/router.js'
import type { Ctx, ServerState } from '../state.js'

/** The account page's words for pin states (seed 000). */
const STATUS_WORD = { queued: 'Queuing', pinned: 'Pinned', failed: 'Failed' } as const

export function registerAccount (router: Router<ServerState>): void {
  router
    .add('GET', /^\/account\/?$/, 'account', page)
    .add('POST', /^\/account\/login\/?$/, 'account', login)
    .add('POST', /^\/account\/logout\/?$/, 'account', logout)
}

const STYLE = 'body{font:15px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}' +
  'td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}code{font-size:.85em}'

/** Strict CSP (the style sheet by hash, no script), no framing, no sniffing, no referrer: see http/security.ts. */
export const ACCOUNT_HEADERS = accountHeaders(STYLE)

function html (title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`
}

function loginForm (message = ''): string {
  return html('pinship account: sign in', '<h1>pinship account</h1>' +
    (message === '' ? '' : `<p role="alert">${escapeHtml(message)}</p>`) +
    '<form method="post" action="/account/login"><label>API token <input type="password" name="token" autocomplete="current-password" required></label> ' +
    '<button type="submit">Sign in</button></form>' +
    '<p>The token is the one printed by <code>pinship serve</code> (or given with <code>--token</code>). It is kept in an HttpOnly cookie, never in the URL.</p>')
}

async function page (ctx: Ctx): Promise<void> {
  const token = Auth.tokenOf(ctx.req, { cookie: true })
  const user = token === undefined ? undefined : ctx.state.auth.lookup(token)
  const headers = { 'cache-control': 'no-store' }
  if (user === undefined) {
    sendText(ctx.res, 200, loginForm(token === undefined ? '' : 'That token is not valid here. Sign in again.'), 'text/html; charset=utf-8', headers)
    return
  }
  const { repo } = ctx.state
  const uploads = [...(repo.uploads.get(user)?.values() ?? [])].sort((a, b) => b.created.localeCompare(a.created))
  const rows = uploads.map(u => {
    const status = STATUS_WORD[repo.statusOf(u.cid, u.updated)]
    return `<tr><td>${escapeHtml(u.name === '' ? '(no name)' : u.name)}</td>` +
      `<td><a href="/ipfs/${escapeHtml(u.cid)}/"><code>${escapeHtml(u.cid)}</code></a></td>` +
      `<td>${escapeHtml(u.created.slice(0, 19).replace('T', ' '))}</td><td>${repo.dagSize(u.cid)}</td>` +
      `<td>${status}</td><td>None: this service makes no Filecoin deals</td></tr>`
  })
  const pins = [...repo.pins.values()].filter(p => p.user === user).sort((a, b) => b.created.localeCompare(a.created))
  const pinRows = pins.map(p => `<tr><td>${escapeHtml(p.name ?? '')}</td><td><code>${escapeHtml(p.cid)}</code></td>` +
    `<td>${escapeHtml(p.created.slice(0, 19).replace('T', ' '))}</td><td>${STATUS_WORD[repo.statusOf(p.cid, p.created)]}</td></tr>`)
  sendText(ctx.res, 200, html('pinship account', '<h1>pinship account</h1>' +
    '<form method="post" action="/account/logout"><button type="submit">Sign out</button></form>' +
    `<h2>Files (${uploads.length})</h2><table><thead><tr><th>Name</th><th>CID</th><th>Date</th><th>Size</th><th>Status</th><th>Storage Providers</th></tr></thead>` +
    `<tbody>${rows.join('') || '<tr><td colspan="6">No uploads yet.</td></tr>'}</tbody></table>` +
    `<h2>Pin requests (${pins.length})</h2><table><thead><tr><th>Name</th><th>CID</th><th>Date</th><th>Status</th></tr></thead>` +
    `<tbody>${pinRows.join('') || '<tr><td colspan="4">No pin requests.</td></tr>'}</tbody></table>`), 'text/html; charset=utf-8', headers)
}

async function readForm (ctx: Ctx): Promise<URLSearchParams> {
  checkDeclaredLength(ctx.req, DEFAULT_MAX_JSON_BYTES)
  const chunks: Uint8Array[] = []
  for await (const c of limitedBody(ctx.req, DEFAULT_MAX_JSON_BYTES)) chunks.push(c)
  if (!/^application\/x-www-form-urlencoded/i.test(ctx.req.headers['content-type'] ?? '')) {
    throw new InvalidArgumentError('Send the login form as application/x-www-form-urlencoded.')
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

async function login (ctx: Ctx): Promise<void> {
  const token = (await readForm(ctx)).get('token')?.trim() ?? ''
  if (token === '' || ctx.state.auth.lookup(token) === undefined) {
    sendText(ctx.res, 403, loginForm('That token is not valid here.'), 'text/html; charset=utf-8', { 'cache-control': 'no-store' })
    return
  }
  sendEmpty(ctx.res, 303, {
    location: '/account',
    'set-cookie': `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/account; HttpOnly; SameSite=Strict`,
    'cache-control': 'no-store'
  })
}

async function logout (ctx: Ctx): Promise<void> {
  for await (const _ of limitedBody(ctx.req, DEFAULT_MAX_JSON_BYTES)) { /* discard */ }
  sendEmpty(ctx.res, 303, { location: '/account', 'set-cookie': `${SESSION_COOKIE}=; Path=/account; HttpOnly; SameSite=Strict; Max-Age=0` })
}
