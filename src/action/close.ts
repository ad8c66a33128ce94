import * as core from '@actions/core'
import { skipReason } from './check-services.js'
import { commentMarker, findComments, whoAmI } from './comment.js'
import type { CommentTarget } from './comment.js'
import type { RunContext } from './context.js'
import { deactivateEnvironment, previewEnvironment } from './deployments.js'
import { RemoveFailedError } from './errors.js'
import { escapeHtml, cell, plural, scrub } from './format.js'
import type { ActionInputs } from './inputs.js'
import { ledgerLine, mergeLedgers, readLedger } from './ledger.js'
import type { PreviewEntry } from './ledger.js'
import { setPreviewOutputs } from './outputs.js'
import { removePreviews } from './previews.js'
import type { Outcome, Removal } from './previews.js'
import { attempt, clientFor } from './publish.js'

/**
 * The run on `pull_request: closed`: nothing is packed or deployed. The pull request's comment holds the ledger of
 * its previews; those the services still show as this pull request's are removed, the comment says what went and
 * what stayed (and why), its preview deployments turn inactive, and the outputs list both.
 */
export async function closePreviews (inputs: ActionInputs, context: RunContext): Promise<void> {
  const pr = context.pullRequest as number
  if (!inputs.removePreviews) {
    core.info('`remove-previews` is false: the pull request closed and its previews stay where they are.')
    setPreviewOutputs([], [])
    return
  }
  const skipped = skipReason(inputs.services, context)
  const dryRun = skipped === 'fork' || skipped === 'dependabot'
  const client = clientFor(inputs)
  if (client === undefined) { setPreviewOutputs([], []); return }
  const target: CommentTarget = { owner: context.owner, repo: context.repo, issueNumber: pr }
  const marker = commentMarker(inputs.pathInput)

  let ledger: PreviewEntry[] | undefined
  let commentId: number | undefined
  await attempt('pull request comment', 'pull-requests: read', inputs.secrets, async () => {
    const comments = await findComments(client, target, marker, await whoAmI(client))
    commentId = comments[0]?.id
    ledger = comments.reduce<PreviewEntry[]>((all, c) => mergeLedgers(all, readLedger(c.body)), [])
  })
  if (ledger === undefined) {
    core.warning(`Could not read the pinship comment of #${pr}, which records its previews; nothing was removed. Re-run the job once GitHub answers.`)
    setPreviewOutputs([], [])
    return
  }
  if (commentId === undefined) core.info(`#${pr} has no pinship comment for \`${inputs.pathInput}\`, so no previews are on record (with \`pr-comment: false\` none are recorded); nothing to remove.`)

  const removal = await core.group('Remove previews', async () => {
    // `timeout-minutes` bounds the clean-up as it bounds a deploy.
    const result = await removePreviews(ledger ?? [], inputs.services, { dryRun, pullRequest: pr, signal: AbortSignal.timeout(inputs.timeoutMs) })
    if (dryRun) core.info(`${skipped === 'fork' ? 'Fork' : 'Dependabot'} pull request: no secrets, so this is a dry run; nothing is removed.`)
    for (const o of result.removed) core.info(scrub(`removed ${o.service}: ${o.cid} (${o.name})${o.reason === undefined ? '' : ` — ${o.reason}`}`, inputs.secrets))
    for (const o of result.kept) core.info(scrub(`kept ${o.service}: ${o.cid} (${o.name}) — ${o.reason ?? ''}`, inputs.secrets))
    for (const o of result.failed) core.warning(scrub(`Could not remove ${o.cid} (${o.name}) from ${o.service}: ${o.reason ?? 'unknown error'}`, inputs.secrets))
    return result
  })
  setPreviewOutputs(removal.removed, [...removal.kept, ...removal.failed], inputs.secrets)

  if (!dryRun) {
    const body = scrub(closeMarkdown(removal, pr, context.runUrl), inputs.secrets)
    if (commentId !== undefined && inputs.prComment) {
      const id = commentId
      await attempt('pull request comment', 'pull-requests: write', inputs.secrets, async () => {
        await client.rest.issues.updateComment({ owner: context.owner, repo: context.repo, comment_id: id, body: `${marker}\n${body}\n${ledgerLine(removal.ledger)}\n` })
        core.info(`updated comment ${id}`)
      })
    }
    if (inputs.deployments !== 'false') {
      await attempt('deployment', 'deployments: write', inputs.secrets, async () => {
        const count = await deactivateEnvironment(client, context.owner, context.repo, previewEnvironment(pr), `pull request #${pr} closed`)
        core.info(`${plural(count, 'deployment')} of ${previewEnvironment(pr)} marked inactive`)
      }, inputs.deployments === 'auto')
    }
  }
  if (inputs.jobSummary && process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(scrub(closeMarkdown(removal, pr, context.runUrl, dryRun), inputs.secrets), true).write()
  }
  if (removal.failed.length > 0) {
    throw new RemoveFailedError(scrub(`Could not remove every preview of #${pr}: ${removal.failed.map(o => `${o.service} ${o.cid}: ${o.reason ?? ''}`).join(' | ')}. They stay on record in the comment; re-run the job to try again.`, inputs.secrets))
  }
}

/** The comment (and summary) once the pull request closed: what was removed, what was kept and why. */
export function closeMarkdown (removal: Removal, pr: number, runUrl?: string, dryRun = false): string {
  const lines: string[] = []
  lines.push(dryRun
    ? `### 🧹 pinship: #${pr} closed — dry run, nothing removed`
    : `### 🧹 pinship: #${pr} closed — ${removal.removed.length === 0 ? 'no previews removed' : 'previews removed'}`, '')
  const rows = (title: string, list: Outcome[]): void => {
    if (list.length === 0) return
    lines.push(`**${title}**`, '', '| Service | CID | Name | Note |', '|---|---|---|---|')
    for (const o of list) lines.push(`| ${cell(o.service)} | \`${o.cid}\` | ${cell(o.name)} | ${o.reason === undefined ? '—' : cell(o.reason)} |`)
    lines.push('')
  }
  rows('Removed', removal.removed)
  rows('Kept', removal.kept)
  rows('Not removed (errors)', removal.failed)
  if (removal.removed.length + removal.kept.length + removal.failed.length === 0) lines.push(escapeHtml('No previews of this pull request are on record.'), '')
  if (runUrl !== undefined) lines.push(`<sub>[workflow run](${runUrl})</sub>`, '')
  return lines.join('\n')
}
