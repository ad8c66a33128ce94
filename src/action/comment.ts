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

export interface OurComment {
  id: number
  body: string
  url: string
}

/**
 * The login the token acts as, when GitHub says (a personal access token); undefined for the workflow's own token
 * and app tokens, which may not ask, and whose comments are written by a bot.
 */
export async function whoAmI (client: Octokit): Promise<string | undefined> {
  try {
    return (await client.rest.users.getAuthenticated()).data.login
  } catch {
    return undefined
  }
}

/**
 * Our comments on the pull request, oldest first: those starting with the marker and written by a bot (the
 * workflow's token, an app) or by the token's own user (`me`). A person's comment that quotes or imitates the marker
 * is never edited, and its preview ledger never believed.
 */
export async function findComments (client: Octokit, target: CommentTarget, marker: string, me?: string): Promise<OurComment[]> {
  const { owner, repo, issueNumber } = target
  const found: OurComment[] = []
  const pages = client.paginate.iterator(client.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
  for await (const page of pages) {
    for (const c of page.data) {
      const ours = c.user?.type === 'Bot' || (me !== undefined && c.user?.login === me)
      if (ours && c.body?.startsWith(marker) === true) found.push({ id: c.id, body: c.body, url: c.html_url })
    }
  }
  return found.sort((a, b) => a.id - b.id)
}

/** Writes of one comment before giving up on a body that another job keeps overwriting. */
export const MAX_COMMENT_WRITES = 3

export interface UpsertOptions {
  /**
   * Whether a body still holds what this run must leave in it (its preview ledger entries). Checked by reading the
   * comment back after each edit: two jobs editing at once would otherwise each overwrite what the other added.
   */
  settled?: (body: string) => boolean
}

/**
 * Creates the comment on the first run and edits it in place on every later run: never a second comment.
 * `render` gets the comment being replaced (undefined for a new one), so what it carries over (the preview ledger)
 * survives. Two jobs of one pull request can both find no comment and both create one: after creating, the comments
 * are listed again, and the job whose comment is not the oldest deletes its own and updates the oldest instead.
 */
export async function upsertComment (client: Octokit, target: CommentTarget, marker: string, render: (previous: OurComment | undefined) => string, options: UpsertOptions = {}): Promise<{ action: 'created' | 'updated', id: number, url: string }> {
  const { owner, repo } = target
  const me = await whoAmI(client)
  const existing = (await findComments(client, target, marker, me))[0]
  if (existing !== undefined) return await update(client, target, existing, marker, render, options)
  const { data } = await client.rest.issues.createComment({ owner, repo, issue_number: target.issueNumber, body: `${marker}\n${render(undefined)}` })
  const oldest = (await findComments(client, target, marker, me))[0]
  if (oldest === undefined || oldest.id >= data.id) return { action: 'created', id: data.id, url: data.html_url }
  await client.rest.issues.deleteComment({ owner, repo, comment_id: data.id })
  return await update(client, target, oldest, marker, render, options)
}

async function update (client: Octokit, target: CommentTarget, comment: OurComment, marker: string, render: (previous: OurComment | undefined) => string, options: UpsertOptions): Promise<{ action: 'updated', id: number, url: string }> {
  const { owner, repo } = target
  let current = comment
  for (let write = 1; ; write++) {
    const { data } = await client.rest.issues.updateComment({ owner, repo, comment_id: comment.id, body: `${marker}\n${render(current)}` })
    if (options.settled === undefined) return { action: 'updated', id: data.id, url: data.html_url }
    const { data: back } = await client.rest.issues.getComment({ owner, repo, comment_id: comment.id })
    if (options.settled(back.body ?? '')) return { action: 'updated', id: data.id, url: data.html_url }
    if (write >= MAX_COMMENT_WRITES) {
      throw new Error(`another job kept rewriting the comment ${data.html_url}; this run's previews may be missing from its record`)
    }
    current = { ...current, body: back.body ?? '' }
  }
}
