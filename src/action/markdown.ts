import type { Deal } from '../core/services/api.js'
import type { ServiceResult } from '../core/deploy/api.js'
import { cell, formatBytes, plural } from './format.js'
import { previewLinks } from './report.js'
import type { Report } from './report.js'

const STATUS_ICON: Record<string, string> = {
  pinned: '✅', uploaded: '✅', pinning: '⏳', queued: '⏳', failed: '❌', packed: '📦'
}

export interface MarkdownOptions {
  /** Link to the workflow run, shown under the tables. */
  runUrl?: string
}

/** The report as Markdown: facts, per-service results, preview links. Shared by the job summary and the PR comment. */
export function reportMarkdown (report: Report, options: MarkdownOptions = {}): string {
  const lines: string[] = []
  // A failed deploy never gets a green tick, even when the weakest state reached was `pinned` (e.g. `wait-for: deal`).
  const icon = report.ok ? STATUS_ICON[report.status] ?? '' : '❌'
  const headline = report.skipped !== undefined
    ? 'packed, not uploaded'
    : report.ok ? `deployed (${report.status})` : `deploy failed (${report.status})`
  lines.push(`### ${icon} pinship: ${headline}`, '')
  lines.push('| | |', '|---|---|')
  lines.push(`| CID | \`${report.cid}\` |`)
  lines.push(`| Size | ${formatBytes(report.bytes)} in ${plural(report.files, 'file')} (CAR ${formatBytes(report.carBytes)}) |`)
  lines.push(`| CID profile | \`${report.profile}\` |`)
  if (report.sha !== '') lines.push(`| Commit | \`${report.sha.slice(0, 7)}\` |`)
  if (report.skipped === undefined) lines.push(`| Pin name | ${cell(report.pinName)} |`, `| Waited for | \`${report.waitFor}\` |`)
  lines.push('')

  if (report.skipped === 'fork') {
    lines.push('> [!NOTE]', '> Upload skipped: this pull request comes from a fork, so the workflow has no secrets. ' +
      'The CID and the CAR were computed; the CAR is at the `car-path` output. To deploy previews of fork pull requests, ' +
      'use the two-workflow pattern (`workflow_run`) from pinship\'s examples/workflows.', '')
  } else if (report.skipped === 'dependabot') {
    lines.push('> [!NOTE]', '> Upload skipped: this is a Dependabot pull request, and Dependabot pull requests get the ' +
      'repository\'s Dependabot secrets, not its Actions secrets, so no service token reached this step. The CID and the ' +
      'CAR were computed; the CAR is at the `car-path` output. To deploy previews of Dependabot pull requests, add the ' +
      'token to the Dependabot secrets (Settings → Secrets and variables → Dependabot) under the same name.', '')
  } else if (report.skipped === 'service-none') {
    lines.push('> [!NOTE]', '> Upload skipped: `service` is `none`. The CID and the CAR were computed; the CAR is at the `car-path` output.', '')
  }

  if (report.results.length > 0) {
    lines.push('| Service | Status | Deals |', '|---|---|---|')
    for (const result of report.results) lines.push(serviceRow(result))
    lines.push('')
  }

  if (report.verify !== undefined) {
    const v = report.verify
    lines.push(v.ok
      ? `Verified through ${cell(v.gateway)}: ${plural(v.blocks, 'block')}, ${formatBytes(v.bytes)}, all hashes match.`
      : `❌ Verification through ${cell(v.gateway)} failed: ${cell(v.error?.message ?? 'unknown error')}`, '')
  }

  // Links to content no service holds would only mislead.
  const stored = report.results.some(r => r.status !== null && r.status !== 'failed')
  const links = stored ? previewLinks(report.urls) : []
  if (links.length > 0) {
    lines.push('| Preview | Path | Subdomain |', '|---|---|---|')
    for (const link of links) {
      lines.push(`| ${cell(link.gateway)} | ${link.path} | ${link.subdomain ?? '—'} |`)
    }
    lines.push('')
  }
  if (options.runUrl !== undefined) lines.push(`<sub>[workflow run](${options.runUrl})</sub>`, '')
  return lines.join('\n')
}

function serviceRow (result: ServiceResult): string {
  const status = result.status ?? 'not stored'
  const icon = STATUS_ICON[result.status ?? 'failed'] ?? ''
  const error = result.error === null ? '' : `<br>${cell(result.error.message)} (\`${result.error.code}\`)`
  return `| ${cell(result.service)} (${cell(endpointHost(result.endpoint))}) | ${icon} ${status}${error} | ${dealsText(result.deals)} |`
}

function dealsText (deals: Deal[]): string {
  if (deals.length === 0) return '—'
  return deals.map(d => cell([d.status, d.storageProvider, d.dealId === undefined ? undefined : `deal ${d.dealId}`].filter(Boolean).join(' '))).join('<br>')
}

/** Host only: an endpoint may carry user:password, which must never reach a comment. */
function endpointHost (endpoint: string): string {
  try { return new URL(endpoint).host } catch { return 'custom endpoint' }
}
