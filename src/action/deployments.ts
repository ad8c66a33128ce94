import type { Octokit } from './github.js'

/** `preview/pr-<n>` for a pull request's previews; pushes use the `environment` input. */
export function previewEnvironment (pullRequest: number): string {
  return `preview/pr-${pullRequest}`
}

export interface DeploymentTarget {
  owner: string
  repo: string
  /** The commit deployed (the pull request's head). */
  sha: string
  environment: string
  /** Previews go away when their pull request closes; production stays. */
  transient: boolean
}

export interface DeploymentOutcome {
  state: 'success' | 'failure'
  /** The first gateway link: the pull request's "View deployment" button. */
  environmentUrl?: string
  logUrl?: string
  description: string
  cid: string
}

/** GitHub limits a deployment (status) description to 140 characters. */
const DESCRIPTION_MAX = 140

/**
 * One deployment per run, then its status. `auto_inactive` (GitHub's default) marks the environment's earlier
 * deployments inactive, so only the newest preview of a pull request shows as active.
 */
export async function recordDeployment (client: Octokit, target: DeploymentTarget, outcome: DeploymentOutcome): Promise<number> {
  const { owner, repo } = target
  const { data } = await client.rest.repos.createDeployment({
    owner,
    repo,
    ref: target.sha,
    environment: target.environment,
    // pinship deploys what was built; GitHub must neither merge the default branch in nor wait for checks.
    auto_merge: false,
    required_contexts: [],
    transient_environment: target.transient,
    production_environment: !target.transient,
    description: shorten(outcome.description),
    payload: { cid: outcome.cid }
  })
  if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${String((data as { message?: string }).message)}`)
  await client.rest.repos.createDeploymentStatus({
    owner,
    repo,
    deployment_id: data.id,
    state: outcome.state,
    description: shorten(outcome.description),
    ...(outcome.environmentUrl === undefined ? {} : { environment_url: outcome.environmentUrl }),
    ...(outcome.logUrl === undefined ? {} : { log_url: outcome.logUrl }),
    auto_inactive: true
  })
  return data.id
}

/** Marks every deployment of the environment inactive (its pull request closed); returns how many it marked. */
export async function deactivateEnvironment (client: Octokit, owner: string, repo: string, environment: string, description: string): Promise<number> {
  let count = 0
  const pages = client.paginate.iterator(client.rest.repos.listDeployments, { owner, repo, environment, per_page: 100 })
  for await (const page of pages) {
    for (const deployment of page.data) {
      // A closing run that is re-run finds them inactive already.
      const { data: latest } = await client.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deployment.id, per_page: 1 })
      if (latest[0]?.state === 'inactive') continue
      await client.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: deployment.id, state: 'inactive', description: shorten(description) })
      count++
    }
  }
  return count
}

function shorten (text: string): string {
  return text.length > DESCRIPTION_MAX ? text.slice(0, DESCRIPTION_MAX - 1) + '…' : text
}
