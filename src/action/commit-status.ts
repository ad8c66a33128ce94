import { STATUS_CONTEXT, STATUS_DESCRIPTION_MAX } from './constants.js'
import type { Octokit } from './github.js'

export type CommitState = 'success' | 'failure' | 'error' | 'pending'

export interface CommitStatus {
  state: CommitState
  description: string
  targetUrl?: string
}

/** Sets the `pinship` status on a commit; a later call for the same commit replaces it. */
export async function setCommitStatus (client: Octokit, owner: string, repo: string, sha: string, status: CommitStatus): Promise<void> {
  const description = status.description.length > STATUS_DESCRIPTION_MAX
    ? status.description.slice(0, STATUS_DESCRIPTION_MAX - 1) + '…'
    : status.description
  await client.rest.repos.createCommitStatus({
    owner,
    repo,
    sha,
    state: status.state,
    context: STATUS_CONTEXT,
    description,
    ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl })
  })
}
