import { getOctokit } from '@actions/github'

export type Octokit = ReturnType<typeof getOctokit>

/** GitHub's public API; GITHUB_API_URL replaces it on GitHub Enterprise Server (and in the tests). */
export const DEFAULT_API_URL = 'https://api.github.com'

/** An authenticated client for GITHUB_API_URL (read per call, not at import, so the environment decides). */
export function githubClient (token: string, apiUrl: string = process.env.GITHUB_API_URL || DEFAULT_API_URL): Octokit {
  return getOctokit(token, { baseUrl: apiUrl.replace(/\/+$/, '') })
}

/**
 * Finds the open pull request whose head is `owner:branch` (for `workflow_run` from forks, where GitHub leaves
 * the event's `pull_requests` empty). Only a pull request whose head is `sha` counts, so a newer push is never
 * given an older run's preview.
 */
export async function findPullRequest (client: Octokit, owner: string, repo: string, headLabel: string, sha: string): Promise<number | undefined> {
  const { data } = await client.rest.pulls.list({ owner, repo, head: headLabel, state: 'open', per_page: 10 })
  return data.find(pr => pr.head.sha === sha)?.number
}
