import * as core from '@actions/core'
import { deploy } from '../core/deploy/index.js'
import { isPinshipError } from '../core/errors.js'
import { pack, resolveCacheDir } from '../core/pack/index.js'
import { carDir, discardCar, finishCar, partialCarPath } from './car-path.js'
import { checkServices, skipReason } from './check-services.js'
import { readRunContext } from './context.js'
import type { RunContext } from './context.js'
import { DeployFailedError, InvalidInputError } from './errors.js'
import { excludeMatcher } from './exclude.js'
import type { IgnoreFn } from './exclude.js'
import { inWorkflowTerms, scrub } from './format.js'
import { getInputs } from './inputs.js'
import type { ActionInputs } from './inputs.js'
import { setOutputs } from './outputs.js'
import { expandPinName } from './pin-name.js'
import { ProgressLog } from './progress-log.js'
import { findPullRequest, githubClient } from './github.js'
import { previewEntries, previewName } from './previews.js'
import { publish, publishError } from './publish.js'
import { closePreviews } from './close.js'
import { reportFromDeploy, reportFromPack } from './report.js'
import type { Report, SkipReason } from './report.js'
import { writeFailureSummary, writeSummary } from './summary.js'

/** The whole action: one try, one catch, one setFailed. */
export async function run (): Promise<void> {
  let inputs: ActionInputs | undefined
  let context: RunContext | undefined
  const startedAt = Date.now()
  try {
    context = readRunContext()
    inputs = getInputs({ closing: context.closed })
    if (context.closed) {
      await closePreviews(inputs, context)
      return
    }
    await resolvePullRequest(inputs, context)
    const report = await produce(inputs, context)
    setOutputs(report, inputs.secrets)
    if (inputs.jobSummary) await writeSummary(report, inputs.secrets, context.runUrl)
    // The comment is where previews are recorded; without it there is nothing to record them in.
    const previews = context.pullRequest !== undefined && report.skipped === undefined && inputs.prComment
      ? await previewEntries(report, inputs.services, startedAt, AbortSignal.timeout(inputs.timeoutMs))
      : []
    await publish(report, inputs, context, previews)
    if (!report.ok) throw new DeployFailedError(failureMessage(report))
  } catch (err) {
    const message = scrub(messageFor(err), inputs?.secrets ?? [])
    // Bad input stops with nothing posted; a deploy that threw still marks the commit and the summary.
    if (inputs !== undefined && context !== undefined && !context.closed && !isInputError(err) && !(isPinshipError(err) && err.code === DeployFailedError.code)) {
      await publishError(message, inputs, context)
      if (inputs.jobSummary) await writeFailureSummary(message, inputs.secrets).catch(() => {})
    }
    core.setFailed(message)
  }
}

async function produce (inputs: ActionInputs, context: RunContext): Promise<Report> {
  const skipped = skipReason(inputs.services, context)
  if (skipped === undefined) checkServices(inputs.services)
  const expanded = expandPinName(inputs.pinName, {
    owner: context.owner, repo: context.repo, sha: context.sha, pr: context.pullRequest === undefined ? '' : String(context.pullRequest)
  })
  // A pull request's preview carries its number, so what it stored can be told from the default branch's deploys.
  const pinName = context.pullRequest === undefined ? expanded : previewName(expanded, context.pullRequest)
  const ignore = inputs.exclude.length > 0 ? await excluded(inputs) : undefined
  const dir = carDir()
  const partial = partialCarPath(dir)
  const log = new ProgressLog(inputs.secrets)
  const abort = new AbortController()
  // A cancelled job gets SIGINT/SIGTERM; stop uploads and polling instead of leaving them to be killed mid-request.
  const onSignal = (): void => abort.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  // the runner user's pack cache (~/.cache/pinship; keep it between runs with actions/cache), off with PINSHIP_NO_CACHE=1
  const cacheDir = resolveCacheDir()
  const common = { profile: inputs.profile, hidden: inputs.hidden, ignore, ...(cacheDir !== undefined ? { cacheDir } : {}), onProgress: log.onProgress, signal: abort.signal }
  try {
    if (skipped !== undefined) {
      core.info(SKIP_LOG[skipped])
      const result = await pack(inputs.path, { ...common, output: partial })
      log.close()
      const carPath = await finishCar(partial, dir, result.cid)
      return reportFromPack(result, { carPath, waitFor: inputs.waitFor, pinName, sha: context.sha }, skipped)
    }
    const result = await deploy(inputs.path, {
      ...common,
      services: inputs.services,
      name: pinName,
      wait: inputs.waitFor,
      timeoutMs: inputs.timeoutMs,
      ...(inputs.shardSize !== undefined ? { shardSize: inputs.shardSize } : {}),
      verify: inputs.verify,
      carPath: partial,
      ...(inputs.gateways.length > 0 ? { gateways: inputs.gateways } : {})
    })
    log.close()
    const carPath = await finishCar(partial, dir, result.cid)
    return reportFromDeploy(result, { carPath, waitFor: inputs.waitFor, pinName, sha: context.sha })
  } catch (err) {
    await discardCar(partial)
    throw err
  } finally {
    log.close()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/**
 * A fork's pull request deployed by `workflow_run`: GitHub leaves the event's pull request list empty, so it is
 * looked up (open, head label and sha) before the deploy, for the preview name and the record the run on close
 * reads. Not found, or not allowed to look: the run goes on as a plain deploy (publish() tries once more).
 */
async function resolvePullRequest (inputs: ActionInputs, context: RunContext): Promise<void> {
  if (context.pullRequest !== undefined || context.headLabel === undefined || inputs.githubToken === '') return
  try {
    const number = await findPullRequest(githubClient(inputs.githubToken), context.owner, context.repo, context.headLabel, context.sha)
    if (number !== undefined) context.pullRequest = number
  } catch (err) {
    core.debug(`looking up the pull request of ${context.headLabel}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

const SKIP_LOG: Record<SkipReason, string> = {
  'service-none': '`service: none`: the CID and the CAR are computed and nothing is uploaded.',
  fork: 'Pull request from a fork: no secrets here, so the CID and the CAR are computed and nothing is uploaded.',
  dependabot: 'Dependabot pull request without a service token: Dependabot runs get Dependabot secrets, not Actions ' +
    'secrets, so the CID and the CAR are computed and nothing is uploaded. Add the token to the repository\'s ' +
    'Dependabot secrets to deploy previews of Dependabot pull requests.'
}

async function excluded (inputs: ActionInputs): Promise<IgnoreFn> {
  return await core.group('Exclude', async () => {
    const { ignore, matches } = await excludeMatcher(inputs.path, inputs.exclude)
    core.info(`${matches} path${matches === 1 ? '' : 's'} match ${inputs.exclude.join(', ')} and will be left out`)
    return ignore
  })
}

function failureMessage (report: Report): string {
  const problems = report.results
    .filter(r => r.error !== null || r.status === 'failed' || r.status === null)
    .map(r => `${r.service}: ${r.error?.message ?? `ended ${r.status ?? 'without storing anything'}`}`)
  return `Deployed ${report.cid} but not every service reached \`${report.waitFor}\`. ${problems.join(' | ')}`
}

/** Failures that are the workflow's to fix (as the CLI's usage errors): nothing is posted for them. */
const INPUT_CODES = new Set([
  InvalidInputError.code, 'ERR_INVALID_ARGUMENT', 'ERR_PATH_NOT_FOUND', 'ERR_UNKNOWN_PROFILE', 'ERR_INVALID_SHARD_SIZE',
  'ERR_UNKNOWN_SERVICE', 'ERR_MISSING_TOKEN', 'ERR_INVALID_ENDPOINT', 'ERR_EMPTY_INPUT', 'ERR_UNREADABLE_PATH'
])

function isInputError (err: unknown): boolean {
  return isPinshipError(err) && INPUT_CODES.has(err.code)
}

function messageFor (err: unknown): string {
  if (isPinshipError(err)) return inWorkflowTerms(err.message)
  const reason = err instanceof Error ? err.message : String(err)
  if (err instanceof Error && err.stack !== undefined) core.debug(err.stack)
  return `Unexpected error: ${reason}. Re-run the job with debug logging (ACTIONS_STEP_DEBUG=true) and report it to pinship with the log.`
}
