import { readFileSync } from 'node:fs'

/** What the action needs to know about the run that started it, read from the runner's environment. */
export interface RunContext {
  owner: string
  repo: string
  eventName: string
  /** Commit the deploy belongs to: the pull request's head for pull requests, else GITHUB_SHA. */
  sha: string
  /** Pull request number, when known from the event. */
  pullRequest?: number
  /**
   * For `workflow_run` events from a fork, GitHub leaves `pull_requests` empty; this `owner:branch` label lets
   * the GitHub client find the pull request instead.
   */
  headLabel?: string
  /** A `pull_request` run from a fork: no secrets, and a read-only GITHUB_TOKEN. */
  fork: boolean
  /**
   * A `pull_request` run for a Dependabot pull request: GitHub gives it Dependabot secrets instead of Actions
   * secrets and a read-only GITHUB_TOKEN. Not a fork; whether to skip depends on whether a token reached the step.
   */
  dependabot: boolean
  /** Link to this workflow run, for the comment. */
  runUrl?: string
  /** A `pull_request` (or `pull_request_target`) run for the pull request closing (merged or not): remove its previews. */
  closed: boolean
}

interface Payload {
  action?: string
  repository?: { full_name?: string }
  pull_request?: { number?: number, user?: { login?: string }, head?: { sha?: string, repo?: { full_name?: string } | null } }
  workflow_run?: {
    head_sha?: string
    head_branch?: string
    event?: string
    head_repository?: { full_name?: string, owner?: { login?: string } }
    pull_requests?: Array<{ number?: number }>
  }
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])
/** The login Dependabot's pull requests and the runs they start carry. */
export const DEPENDABOT_LOGIN = 'dependabot[bot]'

export function readRunContext (env: NodeJS.ProcessEnv = process.env): RunContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH)
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  const fullName = env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? ''
  const [owner = '', repo = ''] = fullName.split('/')
  const context: RunContext = { owner, repo, eventName, sha: env.GITHUB_SHA ?? '', fork: false, dependabot: false, closed: false }
  if (env.GITHUB_SERVER_URL && fullName && env.GITHUB_RUN_ID) {
    context.runUrl = `${env.GITHUB_SERVER_URL}/${fullName}/actions/runs/${env.GITHUB_RUN_ID}`
  }

  const pr = payload.pull_request
  if (PULL_REQUEST_EVENTS.has(eventName) && pr !== undefined) {
    if (typeof pr.number === 'number') context.pullRequest = pr.number
    context.closed = payload.action === 'closed' && context.pullRequest !== undefined
    // GITHUB_SHA is a merge commit nobody sees; statuses and pin names belong on the head the author pushed.
    if (pr.head?.sha) context.sha = pr.head.sha
    const headRepo = pr.head?.repo?.full_name
    // pull_request_target runs with the base repository's secrets, so only pull_request is a no-secrets run.
    // A deleted fork has head.repo null.
    context.fork = eventName === 'pull_request' && headRepo !== fullName
    // A re-run started by a person changes GITHUB_ACTOR on some runners; the pull request's author does not change.
    context.dependabot = eventName === 'pull_request' && !context.fork &&
      (env.GITHUB_ACTOR === DEPENDABOT_LOGIN || pr.user?.login === DEPENDABOT_LOGIN)
  }

  const run = payload.workflow_run
  if (eventName === 'workflow_run' && run !== undefined) {
    if (run.head_sha) context.sha = run.head_sha
    const number = run.pull_requests?.[0]?.number
    if (typeof number === 'number') context.pullRequest = number
    else if (run.event === 'pull_request' && run.head_branch && run.head_repository?.owner?.login) {
      context.headLabel = `${run.head_repository.owner.login}:${run.head_branch}`
    }
  }
  return context
}

function readPayload (path: string | undefined): Payload {
  if (!path) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Payload
  } catch {
    return {}
  }
}
