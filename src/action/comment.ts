import { createHash } from 'node:crypto'
import type { Octokit } from './github.js'

/**
 * The hidden marker that identifies our comment. One per deployed folder, so two pinship steps for two folders
 * keep two comments, while every run for the same folder updates the same one. Hashed because an HTML comment
 * cannot safely hold an arbitrary path (`--`).
 */
export function commentMarker (key: string): string {
  const id = createHash('sha256').update(key).digest('hex').slice(0, 16)
  return `<!-- pinship:preview ${id} -->`
}

export interface CommentTarget {
  owner: string
  repo: string
  issueNumber: number
}

/** Creates the comment on the first run and edits it in place on every later run: never a second comment. */
export async function upsertComment (client: Octokit, target: CommentTarget, marker: string, body: string): Promise<{ action: 'created' | 'updated', id: number, url: string }> {
  const { owner, repo, issueNumber } = target
  const full = `${marker}\n${body}`
  const comments = client.paginate.iterator(client.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
  for await (const page of comments) {
    // Ours start with the marker; a person's comment that merely quotes it is never edited.
    const mine = page.data.find(c => c.body?.startsWith(marker) === true)
    if (mine !== undefined) {
      const { data } = await client.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: full })
      return { action: 'updated', id: data.id, url: data.html_url }
    }
  }
  const { data } = await client.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: full })
  return { action: 'created', id: data.id, url: data.html_url }
}
