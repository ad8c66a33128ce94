import * as core from '@actions/core'
import { commentMarker, upsertComment } from './comment.js'
import { setCommitStatus } from './commit-status.js'
import type { CommitStatus } from './commit-status.js'
import { skipReason } from './check-services.js'
import type { RunContext } from './context.js'
import { scrub } from './format.js'
import { findPullRequest, githubClient } from './github.js'
import type { Octokit } from './github.js'
import type { ActionInputs } from './inputs.js'
import { reportMarkdown } from './markdown.js'
import type { Report } from './report.js'

/** Posts the PR comment and the commit status. GitHub API trouble becomes a warning: the deploy itself stands. */
export async function publish (report: Report, inputs: ActionInputs, context: RunContext): Promise<void> {
  if (report.skipped === 'fork' || report.skipped === 'dependabot') {
    core.info(`${report.skipped === 'fork' ? 'Fork' : 'Dependabot'} pull request: GITHUB_TOKEN is read-only here, so no PR comment and no commit status.`)
    return
  }
  const wantComment = inputs.prComment && (context.pullRequest !== undefined || context.headLabel !== undefined)
  // Without an upload there is no link to point a status at.
  const wantStatus = inputs.commitStatus && context.sha !== '' && report.skipped === undefined
  if (!wantComment && !wantStatus) return
  const client = clientFor(inputs)
  if (client === undefined) return

  await core.group('Report to GitHub', async () => {
    if (wantStatus) {
      await attempt('commit status', 'statuses: write', inputs.secrets, async () => {
        await setCommitStatus(client, context.owner, context.repo, context.sha, statusFor(report))
        core.info(`commit status ${report.ok ? 'success' : 'failure'} on ${context.sha.slice(0, 7)}`)
      })
    }
    if (wantComment) {
      await attempt('pull request comment', 'pull-requests: write', inputs.secrets, async () => {
        const issueNumber = context.pullRequest ?? await findPullRequest(client, context.owner, context.repo, context.headLabel ?? '', context.sha)
        if (issueNumber === undefined) {
          core.info(`no open pull request has ${context.headLabel ?? ''} at ${context.sha.slice(0, 7)}; no comment posted`)
          return
        }
        const body = scrub(reportMarkdown(report, { runUrl: context.runUrl }), inputs.secrets)
        const done = await upsertComment(client, { owner: context.owner, repo: context.repo, issueNumber }, commentMarker(inputs.pathInput), body)
        core.info(`${done.action} comment ${done.url}`)
      })
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

function clientFor (inputs: ActionInputs): Octokit | undefined {
  if (inputs.githubToken === '') {
    core.warning('`github-token` is empty, so no PR comment and no commit status; leave it at its default (`${{ github.token }}`) or set `pr-comment: false` and `commit-status: false`.')
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

async function attempt (what: string, permission: string, secrets: readonly string[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (err) {
    const status = (err as { status?: number }).status
    const hint = status === 403 || status === 404
      ? ` Give the job \`permissions: ${permission}\` (and for fork pull requests use the workflow_run pattern).`
      : ''
    const reason = err instanceof Error ? err.message : String(err)
    core.warning(scrub(`Could not post the ${what}: ${reason}.${hint}`, secrets))
  }
}
