import { ForbiddenError, InvalidArgumentError } from '../../core/errors.js'
import { parseCookies } from '../http/auth.js'
import { checkDeclaredLength, limitedBody } from '../http/body.js'
import { fromOwnOrigin, LOGIN_CSRF_COOKIE, randomToken, sameSecret, SESSION_COOKIE } from '../http/sessions.js'
import { escapeHtml, sendEmpty, sendText } from '../http/respond.js'
import { accountHeaders } from '../http/security.js'
import type { Router } from '../http/router.js'
import type { Ctx, ServerState } from '../state.js'

/** The account page's words for pin states (seed 000). */
/** The sign-in and sign-out forms are a few hundred bytes. */
export const DEFAULT_MAX_FORM_BYTES = 16 * 1024

const STATUS_WORD = { queued: 'Queuing', pinning: 'Queuing', pinned: 'Pinned', failed: 'Failed' } as const

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

function loginForm (csrf: string, message = ''): string {
  return html('pinship account: sign in', '<h1>pinship account</h1>' +
    (message === '' ? '' : `<p role="alert">${escapeHtml(message)}</p>`) +
    '<form method="post" action="/account/login"><label>API token <input type="password" name="token" autocomplete="current-password" required></label> ' +
    `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">Sign in</button></form>` +
    '<p>The token is the one printed by <code>pinship serve</code> (or given with <code>--token</code>). It is checked once and never ' +
    'stored in the browser: the cookie holds a session id that expires.</p>')
}

function cookie (name: string, value: string, maxAgeS?: number): string {
  return `${name}=${value}; Path=/account; HttpOnly; SameSite=Strict${maxAgeS === undefined ? '' : `; Max-Age=${maxAgeS}`}`
}

/** The login form with a fresh double-submit token, in the form and in a cookie a foreign page can neither set nor read. */
function sendLoginForm (ctx: Ctx, status: number, message = ''): void {
  const csrf = randomToken()
  sendText(ctx.res, status, loginForm(csrf, message), 'text/html; charset=utf-8', { 'set-cookie': cookie(LOGIN_CSRF_COOKIE, csrf) })
}

async function page (ctx: Ctx): Promise<void> {
  const session = ctx.state.sessions.of(ctx.req)
  if (session === undefined) {
    const stale = parseCookies(ctx.req.headers.cookie)[SESSION_COOKIE] !== undefined
    sendLoginForm(ctx, 200, stale ? 'Your session has ended. Sign in again.' : '')
    return
  }
  const { user } = session
  ctx.state.auth.onSuccess(ctx.req)
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
    `<form method="post" action="/account/logout"><input type="hidden" name="csrf" value="${escapeHtml(session.csrf)}"><button type="submit">Sign out</button></form>` +
    `<h2>Files (${uploads.length})</h2><table><thead><tr><th>Name</th><th>CID</th><th>Date</th><th>Size</th><th>Status</th><th>Storage Providers</th></tr></thead>` +
    `<tbody>${rows.join('') || '<tr><td colspan="6">No uploads yet.</td></tr>'}</tbody></table>` +
    `<h2>Pin requests (${pins.length})</h2><table><thead><tr><th>Name</th><th>CID</th><th>Date</th><th>Status</th></tr></thead>` +
    `<tbody>${pinRows.join('') || '<tr><td colspan="4">No pin requests.</td></tr>'}</tbody></table>`), 'text/html; charset=utf-8')
}

async function readForm (ctx: Ctx): Promise<URLSearchParams> {
  checkDeclaredLength(ctx.req, DEFAULT_MAX_FORM_BYTES, 'form')
  const chunks: Uint8Array[] = []
  for await (const c of limitedBody(ctx.req, DEFAULT_MAX_FORM_BYTES, { kind: 'form' })) chunks.push(c)
  if (!/^application\/x-www-form-urlencoded/i.test(ctx.req.headers['content-type'] ?? '')) {
    throw new InvalidArgumentError('Send the account form as application/x-www-form-urlencoded.')
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** Refuses a form posted by another site's page (login CSRF signs the victim into the attacker's account). */
function checkOrigin (ctx: Ctx): void {
  if (!fromOwnOrigin(ctx.req)) {
    throw new ForbiddenError('This form was posted from another site, so it was refused. Open /account on this server and use its form.')
  }
}

async function login (ctx: Ctx): Promise<void> {
  checkOrigin(ctx)
  const form = await readForm(ctx)
  if (!sameSecret(form.get('csrf'), parseCookies(ctx.req.headers.cookie)[LOGIN_CSRF_COOKIE])) {
    sendLoginForm(ctx, 403, 'The sign-in form had expired or did not come from this page. Sign in again.')
    return
  }
  const token = form.get('token')?.trim() ?? ''
  ctx.state.auth.guard(ctx.req)
  const user = token === '' ? undefined : ctx.state.auth.lookup(token)
  if (user === undefined) {
    ctx.state.auth.failed(ctx.req)
    sendLoginForm(ctx, 403, 'That token is not valid here.')
    return
  }
  ctx.state.auth.onSuccess(ctx.req)
  const session = ctx.state.sessions.create(user)
  sendEmpty(ctx.res, 303, {
    location: '/account',
    'set-cookie': [cookie(SESSION_COOKIE, session.id, ctx.state.sessions.ttlSeconds), cookie(LOGIN_CSRF_COOKIE, '', 0)]
  })
}

async function logout (ctx: Ctx): Promise<void> {
  checkOrigin(ctx)
  const form = await readForm(ctx)
  const session = ctx.state.sessions.of(ctx.req)
  if (session !== undefined) {
    if (!sameSecret(form.get('csrf'), session.csrf)) {
      throw new ForbiddenError('The sign-out form did not come from your account page, so it was refused. Sign out from /account.')
    }
    ctx.state.sessions.delete(session.id)
  }
  sendEmpty(ctx.res, 303, { location: '/account', 'set-cookie': cookie(SESSION_COOKIE, '', 0) })
}
