// The signed-in account page (seed 000's table, made pleasant): the user's uploads with Status and Storage Providers,
// pin requests, pin-by-CID jobs in Pinata's words, totals. Plain HTML, no script: while anything is still changing the
// page reloads itself (meta refresh), so states update live without a framework.
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import type { IncomingMessage } from 'node:http'
import type { LocalDeal } from '../deals/pipeline.js'
import { escapeHtml } from '../http/respond.js'
import { subdomainLocation } from '../http/security.js'
import type { ContentStatus } from '../store/repo.js'
import type { ServerState } from '../state.js'

/** While anything on the page is still changing, it reloads itself this often (no script: a meta refresh). */
export const ACCOUNT_REFRESH_SECONDS = 2

/** Seed 000's three words, and what each means (shown on hover and to screen readers). */
const STATUS: Record<ContentStatus, { word: string, tone: string, title: string }> = {
  queued: { word: 'Queuing', tone: 'wait', title: 'A request to pin the data is queued. You can already retrieve the data from the gateway while it is Queuing.' },
  pinning: { word: 'Queuing', tone: 'wait', title: 'The data is being fetched from the origins given with the pin request and will be pinned when complete.' },
  pinned: { word: 'Pinned', tone: 'ok', title: 'The service has pinned the data: every block of the DAG is stored here.' },
  failed: { word: 'Failed', tone: 'bad', title: 'An operation failed while pinning the data (blocks missing, or they could not be fetched). Failed may be temporary: uploading the same data again (same CID) turns it Pinned.' }
}

const DEAL: Record<LocalDeal['status'], { word: string, tone: string }> = {
  queued: { word: 'Pending', tone: 'wait' },
  published: { word: 'Published', tone: 'wait' },
  active: { word: 'Active', tone: 'ok' },
  failed: { word: 'Failed', tone: 'bad' },
  terminated: { word: 'Terminated', tone: 'bad' }
}

/** Seed 002's job states, explained. */
const JOB_TITLES: Record<string, string> = {
  prechecking: 'Running preliminary validations on the pin request (waiting for a free fetch slot).',
  searching: 'Searching the host nodes for the content. This may take some time if the content is isolated.',
  retrieving: 'The content was found and is being retrieved.',
  expired: 'The content was not found within the search timeout. Make sure it is provided, then pin again.',
  over_max_size: 'The object is larger than this service pins by CID (--max-pin-size).',
  invalid_object: 'The object cannot be read by IPFS nodes (a block does not decode).',
  bad_host_node: 'A host node given was invalid or unreachable. Make sure every host node is online and reachable.'
}
const JOB_TONE: Record<string, string> = { prechecking: 'wait', searching: 'wait', retrieving: 'wait' }

export function humanBytes (n: number): string {
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB', 'PB']
  let v = n
  let i = -1
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++ }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`
}

function when (iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.slice(0, 16).replace('T', ' '))} UTC</time>`
}

function badge (word: string, tone: string, title: string): string {
  return `<span class="badge ${tone}" title="${escapeHtml(title)}">${escapeHtml(word)}</span>`
}

/** The content's own origin on the subdomain gateway (`{cidv1}.ipfs.localhost:PORT`), else the path gateway. */
function contentLink (state: ServerState, req: IncomingMessage, cid: string): string {
  let parsed: CID
  try { parsed = CID.parse(cid) } catch { return `/ipfs/${cid}/` }
  const own = subdomainLocation(req, parsed, '/', '', state.subdomainHosts)
  if (own !== undefined) return own
  if (state.subdomainHosts.includes('localhost')) {
    try {
      const label = parsed.toV1().toString(base32)
      if (label.length <= 63) return `http://${label}.ipfs.localhost:${state.port}/`
    } catch { /* fall back to the path gateway */ }
  }
  return `/ipfs/${cid}/`
}

function providers (deals: LocalDeal[], status: ContentStatus): string {
  if (deals.length === 0) {
    return status === 'pinned'
      ? badge('Queuing', 'wait', 'The service has the data and is aggregating it into a batch for Filecoin storage deals.')
      : '<span title="Deals are made once the data is pinned.">–</span>'
  }
  return '<ul class="sps">' + deals.map(d => {
    const s = DEAL[d.status]
    return `<li>${badge(s.word, s.tone, d.statusText)} <code>${escapeHtml(d.storageProvider)}</code>` +
      (d.chainDealID !== undefined ? ` <small>deal ${d.chainDealID}</small>` : '') + '</li>'
  }).join('') + '</ul>'
}

export interface AccountPage { body: string, refresh: boolean }

export function accountBody (state: ServerState, req: IncomingMessage, user: string, csrf: string): AccountPage {
  const { repo, deals: pipeline } = state
  const now = Date.now()
  let refresh = false
  const uploads = [...(repo.uploads.get(user)?.values() ?? [])].sort((a, b) => b.created.localeCompare(a.created))
  let bytes = 0
  let pinned = 0
  let activeDeals = 0
  const rows = uploads.map(u => {
    const status = repo.statusOf(u.cid, u.updated, now)
    const deals = pipeline.dealsOf(u.cid, now)
    const size = repo.dagSize(u.cid)
    bytes += size
    if (status === 'pinned') pinned++
    activeDeals += deals.filter(d => d.status === 'active').length
    if (status === 'queued' || status === 'pinning' || (status === 'pinned' && (deals.length === 0 || deals.some(d => d.status === 'queued' || d.status === 'published')))) refresh = true
    const s = STATUS[status]
    return `<tr><td>${escapeHtml(u.name === '' ? '(no name)' : u.name)}</td>` +
      `<td><a href="${escapeHtml(contentLink(state, req, u.cid))}"><code>${escapeHtml(u.cid)}</code></a></td>` +
      `<td class="num" title="${size} bytes">${humanBytes(size)}</td><td>${when(u.created)}</td>` +
      `<td>${badge(s.word, s.tone, s.title)}</td><td>${providers(deals, status)}</td></tr>`
  })
  // PSA pin requests, and Pinata pins by CID once complete (until then they are jobs, below)
  const pins = [
    ...[...repo.pins.values()].filter(p => p.user === user).map(p => ({ api: 'PSA', cid: p.cid, name: p.name, created: p.created })),
    ...[...repo.pinataPins.values()].filter(p => p.user === user && p.unpinned === undefined && repo.isComplete(p.cid)).map(p => ({ api: 'Pinata', cid: p.cid, name: p.name, created: p.created }))
  ].sort((a, b) => b.created.localeCompare(a.created))
  const pinRows = pins.map(p => {
    const status = repo.statusOf(p.cid, p.created, now)
    if (status === 'queued' || status === 'pinning') refresh = true
    const s = STATUS[status]
    const failure = repo.fetchFailureFor(p.cid, p.created)
    return `<tr><td>${escapeHtml(p.name ?? '')}</td><td>${p.api}</td><td><a href="${escapeHtml(contentLink(state, req, p.cid))}"><code>${escapeHtml(p.cid)}</code></a></td>` +
      `<td class="num">${humanBytes(repo.dagSize(p.cid))}</td><td>${when(p.created)}</td>` +
      `<td>${badge(s.word, s.tone, failure !== undefined ? `${failure.status}: ${failure.reason}` : s.title)}</td>` +
      `<td>${providers(pipeline.dealsOf(p.cid, now), status)}</td></tr>`
  })
  const jobs = [...repo.pinataPins.values()].filter(p => p.user === user && p.unpinned === undefined && !repo.isComplete(p.cid))
    .sort((a, b) => b.created.localeCompare(a.created))
  const jobRows = jobs.map(p => {
    const failure = repo.fetchFailureFor(p.cid, p.created)
    const phase = repo.fetchPhase(p.cid)
    const expired = repo.statusOf(p.cid, p.created, now) === 'failed'
    const state = repo.isBroken(p.cid) ? 'invalid_object' : failure?.status ?? phase ?? (expired ? 'expired' : 'searching')
    if (JOB_TONE[state] !== undefined) refresh = true
    return `<tr><td>${escapeHtml(p.name ?? '')}</td><td><code>${escapeHtml(p.cid)}</code></td><td>${when(p.created)}</td>` +
      `<td>${badge(state, JOB_TONE[state] ?? 'bad', failure !== undefined ? `${JOB_TITLES[state] ?? ''} ${failure.reason}` : JOB_TITLES[state] ?? state)}</td>` +
      `<td>${p.hostNodes.map(h => `<code>${escapeHtml(h)}</code>`).join('<br>') || '–'}</td></tr>`
  })
  const table = (id: string, title: string, caption: string, heads: string[], body: string[], empty: string): string =>
    `<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2><table><caption>${caption}</caption><thead><tr>` +
    heads.map(h => `<th scope="col">${h}</th>`).join('') + `</tr></thead><tbody>${body.join('') || `<tr><td colspan="${heads.length}">${empty}</td></tr>`}</tbody></table></section>`
  const body = '<header><h1>pinship account</h1>' +
    `<form method="post" action="/account/logout"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">Sign out</button></form></header>` +
    '<main><section aria-labelledby="totals"><h2 id="totals">Totals</h2><dl class="totals">' +
    `<div><dt>Files</dt><dd>${uploads.length}</dd></div><div><dt>Stored</dt><dd>${humanBytes(bytes)}</dd></div>` +
    `<div><dt>Pinned</dt><dd>${pinned}</dd></div><div><dt>Active deals</dt><dd>${activeDeals}</dd></div>` +
    `<div><dt>Pins by CID</dt><dd>${pins.length}</dd></div><div><dt>Pin-by-CID jobs</dt><dd>${jobs.length}</dd></div></dl></section>` +
    table('files', `Files (${uploads.length})`, 'Your uploads, newest first. Hover a status for what it means.',
      ['Name', 'CID', 'Size', 'Date', 'Status', 'Storage Providers'], rows, 'No uploads yet.') +
    table('pins', `Pins by CID (${pins.length})`, 'Pinning Service API requests, and Pinata pins by CID once their content is here.', ['Name', 'API', 'CID', 'Size', 'Date', 'Status', 'Storage Providers'], pinRows, 'No pins by CID.') +
    table('jobs', `Pin-by-CID jobs (${jobs.length})`, 'Pinata pin-by-CID jobs still going or stopped short; a job leaves this list once its content is pinned.',
      ['Name', 'CID', 'Queued', 'Status', 'Host nodes'], jobRows, 'No pin-by-CID jobs.') +
    '</main><footer><p>Storage Providers are Filecoin deals from this service\'s <strong>local pipeline</strong> (network "local"): batches, piece CIDs and deal states are real here, but no Filecoin network is involved.</p>' +
    (refresh ? `<p>This page refreshes every ${ACCOUNT_REFRESH_SECONDS} s while something is still changing.</p>` : '') + '</footer>'
  return { body, refresh }
}
