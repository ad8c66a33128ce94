import * as core from '@actions/core'
import { commentMarker, upsertComment } from './comment.js'
import { setCommitStatus } from './commit-status.js'
import type { CommitStatus } from './commit-status.js'
import { skipReason } from './check-services.js'
import type { RunContext } from './context.js'
import { scrub } from './format.js'
import { findPullRequest, githubClient } from './github.js'
import type { Octokit } from './github.js'
import { Inputs } from './inputs.js'
import type { ActionInputs } from './inputs.js'
import { previewEnvironment, recordDeployment } from './deployments.js'
import { ledgerLine, mergeLedgers, readLedger, sameRecord } from './ledger.js'
import type { PreviewEntry } from './ledger.js'
import { mergeEntries } from './previews.js'
import { reportMarkdown } from './markdown.js'
import type { Report } from './report.js'

/** Posts the PR comment (with the preview ledger), the commit status and the GitHub deployment. GitHub API trouble becomes a warning: the deploy itself stands. */
export async function publish (report: Report, inputs: ActionInputs, context: RunContext, previews: PreviewEntry[] = []): Promise<void> {
  if (report.skipped === 'fork' || report.skipped === 'dependabot') {
    core.info(`${report.skipped === 'fork' ? 'Fork' : 'Dependabot'} pull request: GITHUB_TOKEN is read-only here, so no PR comment, no commit status and no deployment.`)
    return
  }
  const onPullRequest = context.pullRequest !== undefined || context.headLabel !== undefined
  const wantComment = inputs.prComment && onPullRequest
  // Without an upload there is no link to point a status or a deployment at.
  const wantStatus = inputs.commitStatus && context.sha !== '' && report.skipped === undefined
  const wantDeployment = report.skipped === undefined && context.sha !== '' &&
    (inputs.deployments === 'true' || (inputs.deployments === 'auto' && onPullRequest))
  if (!wantComment && !wantStatus && !wantDeployment) return
  const client = clientFor(inputs)
  if (client === undefined) return

  await core.group('Report to GitHub', async () => {
    if (wantStatus) {
      await attempt('commit status', 'statuses: write', inputs.secrets, async () => {
        await setCommitStatus(client, context.owner, context.repo, context.sha, statusFor(report))
        core.info(`commit status ${report.ok ? 'success' : 'failure'} on ${context.sha.slice(0, 7)}`)
      })
    }
    let issueNumber = context.pullRequest
    if ((wantComment || wantDeployment) && issueNumber === undefined && context.headLabel !== undefined) {
      await attempt('pull request comment', 'pull-requests: read', inputs.secrets, async () => {
        issueNumber = await findPullRequest(client, context.owner, context.repo, context.headLabel ?? '', context.sha)
        if (issueNumber === undefined) core.info(`no open pull request has ${context.headLabel ?? ''} at ${context.sha.slice(0, 7)}; no comment posted`)
      })
      if (issueNumber === undefined) return
    }
    if (wantComment && issueNumber !== undefined) {
      const number = issueNumber
      await attempt('pull request comment', 'pull-requests: write', inputs.secrets, async () => {
        const body = scrub(reportMarkdown(report, { runUrl: context.runUrl }), inputs.secrets)
        // Base64 hides names from scrub(); a name is scrubbed before it goes in.
        const fresh = previews.map(e => ({ ...e, name: scrub(e.name, inputs.secrets) }))
        const done = await upsertComment(client, { owner: context.owner, repo: context.repo, issueNumber: number }, commentMarker(inputs.pathInput), previous => {
          const ledger = readLedger(previous?.body)
          return `${body}\n${ledgerLine(mergeLedgers(ledger, mergeEntries(ledger, fresh)))}\n`
        }, fresh.length === 0 ? {} : { settled: text => recorded(readLedger(text), fresh) })
        core.info(`${done.action} comment ${done.url}`)
      })
    }
    if (wantDeployment) {
      const environment = issueNumber === undefined ? inputs.environment : previewEnvironment(issueNumber)
      await attempt('deployment', 'deployments: write', inputs.secrets, async () => {
        const url = report.urls[0]
        const id = await recordDeployment(client, { owner: context.owner, repo: context.repo, sha: context.sha, environment, transient: issueNumber !== undefined }, {
          state: report.ok ? 'success' : 'failure',
          description: scrub(statusFor(report).description, inputs.secrets),
          cid: report.cid,
          ...(url === undefined ? {} : { environmentUrl: url }),
          ...(context.runUrl === undefined ? {} : { logUrl: context.runUrl })
        })
        core.info(`deployment ${id} to ${environment}: ${report.ok ? 'success' : 'failure'}`)
      }, inputs.deployments === 'auto')
    }
  })
}

/** After a deploy threw: mark the commit so a green status from an earlier run of the same commit does not stand. */
export async function publishError (message: string, inputs: ActionInputs, context: RunContext): Promise<void> {
  // Nothing is marked for a run that would not have uploaded (service: none; fork or Dependabot: read-only token).
  if (!inputs.commitStatus || context.sha === '' || skipReason(inputs.services, context) !== undefined) return
  const client = clientFor(inputs)
  if (client === undefined) return
  await attempt('commit status', 'statuses: write', inputs.secrets, async () => {
    await setCommitStatus(client, context.owner, context.repo, context.sha, { state: 'error', description: scrub(message, inputs.secrets) })
  })
}

/** Every one of `fresh` is in the ledger (a later run may have marked it removed, which counts). */
function recorded (ledger: PreviewEntry[], fresh: PreviewEntry[]): boolean {
  return fresh.every(e => ledger.some(l => sameRecord(l, e) && l.name === e.name && l.requestId === e.requestId))
}

export function clientFor (inputs: ActionInputs): Octokit | undefined {
  if (inputs.githubToken === '') {
    core.warning('`github-token` is empty, so no PR comment, no commit status and no deployment; leave it at its default (`${{ github.token }}`) or set `pr-comment: false`, `commit-status: false` and `deployments: false`.')
    return undefined
  }
  return githubClient(inputs.githubToken)
}

function statusFor (report: Report): CommitStatus {
  const target = report.urls[0]
  const failed = report.results.filter(r => r.error !== null || r.status === 'failed' || r.status === null).map(r => r.service)
  const description = report.ok
    ? `${report.status} on ${report.results.map(r => r.service).join(', ')}: ${report.cid}`
    : `failed on ${failed.join(', ') || 'a service'} (${report.cid})`
  return { state: report.ok ? 'success' : 'failure', description, ...(target === undefined ? {} : { targetUrl: target }) }
}

/**
 * Runs one GitHub call; failure is a warning naming the permission. `optional`: a refusal (403/404) only means the
 * token may not do this (deployments by default), which is worth a log line, not a warning on every run.
 */
export async function attempt (what: string, permission: string, secrets: readonly string[], fn: () => Promise<void>, optional = false): Promise<void> {
  try {
    await fn()
  } catch (err) {
    const status = (err as { status?: number }).status
    if (optional && (status === 403 || status === 404)) {
      core.info(`no ${what}: the token may not (\`permissions: ${permission}\` allows it; \`${Inputs.Deployments}: false\` stops trying).`)
      return
    }
    const hint = status === 403 || status === 404
      ? ` Give the job \`permissions: ${permission}\` (and for fork pull requests use the workflow_run pattern).`
      : ''
    const reason = err instanceof Error ? err.message : String(err)
    core.warning(scrub(`Could not post the ${what}: ${reason}.${hint}`, secrets))
  }
}
