import { ForbiddenError, InvalidArgumentError } from '../../core/errors.js'
import { parseCookies } from '../http/auth.js'
import { checkDeclaredLength, limitedBody } from '../http/body.js'
import { fromOwnOrigin, LOGIN_CSRF_COOKIE, randomToken, sameSecret, SESSION_COOKIE } from '../http/sessions.js'
import { escapeHtml, sendEmpty, sendText } from '../http/respond.js'
import { accountHeaders } from '../http/security.js'
import type { Router } from '../http/router.js'
import type { Ctx, ServerState } from '../state.js'
import { ACCOUNT_REFRESH_SECONDS, accountBody } from './account-view.js'

export { ACCOUNT_REFRESH_SECONDS }

/** The sign-in and sign-out forms are a few hundred bytes. */
export const DEFAULT_MAX_FORM_BYTES = 16 * 1024

export function registerAccount (router: Router<ServerState>): void {
  router
    .add('GET', /^\/account\/?$/, 'account', page)
    .add('POST', /^\/account\/login\/?$/, 'account', login)
    .add('POST', /^\/account\/logout\/?$/, 'account', logout)
}

const STYLE = ':root{color-scheme:light dark;--muted:#667;--line:#d8dbe2;--ok:#0a6b3d;--okbg:#dcf5e6;--wait:#7a5200;--waitbg:#fdf0d2;--bad:#a11;--badbg:#fde2e2}' +
  'body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:1.5rem;max-width:78rem}' +
  'header{display:flex;align-items:center;justify-content:space-between;gap:1rem;flex-wrap:wrap}h1{font-size:1.5rem;margin:0}' +
  'h2{font-size:1.15rem;margin:2rem 0 .5rem}table{border-collapse:collapse;width:100%}caption{text-align:left;color:var(--muted);padding:.25rem 0}' +
  'td,th{border-bottom:1px solid var(--line);padding:.45rem .5rem;text-align:left;vertical-align:top}th{font-weight:600;font-size:.9em}' +
  'td.num{text-align:right;white-space:nowrap}code{font-size:.85em;word-break:break-all}' +
  '.badge{display:inline-block;border-radius:1rem;padding:0 .6rem;font-size:.85em;font-weight:600;cursor:help;white-space:nowrap}' +
  '.ok{color:var(--ok);background:var(--okbg)}.wait{color:var(--wait);background:var(--waitbg)}.bad{color:var(--bad);background:var(--badbg)}' +
  'ul.sps{list-style:none;margin:0;padding:0;display:grid;gap:.2rem}ul.sps small{color:var(--muted)}' +
  'dl.totals{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}dl.totals div{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem;min-width:8rem}' +
  'dl.totals dt{color:var(--muted);font-size:.85em}dl.totals dd{margin:0;font-size:1.3rem;font-weight:600}' +
  'footer{margin-top:2rem;color:var(--muted);font-size:.9em}button{font:inherit;padding:.3rem .8rem}'

/** Strict CSP (the style sheet by hash, no script), no framing, no sniffing, no referrer: see http/security.ts. */
export const ACCOUNT_HEADERS = accountHeaders(STYLE)

function html (title: string, body: string, refreshSeconds?: number): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    (refreshSeconds !== undefined ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '') +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`
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
  const view = accountBody(ctx.state, ctx.req, user, session.csrf)
  sendText(ctx.res, 200, html('pinship account', view.body, view.refresh ? ACCOUNT_REFRESH_SECONDS : undefined), 'text/html; charset=utf-8')
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
