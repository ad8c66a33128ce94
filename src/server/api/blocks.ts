/**
 * `POST /blocks/check`: which of a list of block CIDs the caller already holds here, so a client sends only the
 * blocks that are missing (pinship deploy does). "Holds" means stored and reachable from one of the caller's own
 * roots (uploads, PSA pins, Pinata pins): whether another user stored a block is not told, so the route cannot be
 * used to learn what others keep.
 */
import { CID } from 'multiformats/cid'
import { InvalidArgumentError } from '../../core/errors.js'
import { readJson } from '../http/body.js'
import { sendJson } from '../http/respond.js'
import type { Router } from '../http/router.js'
import type { Ctx, ServerState } from '../state.js'
import { blockKey } from '../store/blocks.js'
import { DagWalk } from '../store/dag-walk.js'
import type { Repo } from '../store/repo.js'

/** Most CIDs asked about in one request (about 650 KB of JSON); clients split longer lists. */
export const MAX_CHECK_CIDS = 10_000

export function registerBlocks (router: Router<ServerState>): void {
  router.add('POST', /^\/blocks\/check\/?$/, 'web3', checkBlocks)
}

/** A user's reachable blocks: complete roots are walked once, incomplete ones again at each question. */
interface UserBlocks {
  keys: Set<string>
  walked: Set<string>
}

const held = new WeakMap<Repo, Map<string, UserBlocks>>()

function rootsOf (repo: Repo, user: string): Set<string> {
  const roots = new Set<string>(repo.uploads.get(user)?.keys() ?? [])
  for (const p of repo.pins.values()) if (p.user === user) roots.add(p.cid)
  for (const p of repo.pinataPins.values()) if (p.user === user && p.unpinned === undefined) roots.add(p.cid)
  return roots
}

async function userBlocks (repo: Repo, user: string): Promise<Set<string>> {
  let perUser = held.get(repo)
  if (perUser === undefined) { perUser = new Map(); held.set(repo, perUser) }
  let mine = perUser.get(user)
  if (mine === undefined) { mine = { keys: new Set(), walked: new Set() }; perUser.set(user, mine) }
  for (const root of rootsOf(repo, user)) {
    if (mine.walked.has(root)) continue
    let cid: CID
    try { cid = CID.parse(root) } catch { continue }
    const walk = new DagWalk(cid)
    await walk.advance(repo.blocks)
    for (const key of walk.visited) mine.keys.add(key)
    // blocks are never deleted (no garbage collection): a complete root's blocks stay held
    if (walk.complete) mine.walked.add(root)
  }
  return mine.keys
}

async function checkBlocks (ctx: Ctx): Promise<void> {
  const { user } = ctx.state.auth.authenticate(ctx.req)
  const body = await readJson(ctx.req) as { cids?: unknown } | null
  const list = body !== null && typeof body === 'object' ? body.cids : undefined
  if (!Array.isArray(list)) throw new InvalidArgumentError('Send a JSON object {"cids": ["bafk…", …]} listing the block CIDs to check.')
  if (list.length > MAX_CHECK_CIDS) throw new InvalidArgumentError(`At most ${MAX_CHECK_CIDS} CIDs per request; got ${list.length}. Split the list.`)
  const cids = list.map((c, i) => {
    if (typeof c !== 'string') throw new InvalidArgumentError(`cids[${i}] is not a string. Send CID strings (Qm…, bafy…, bafk…).`)
    try {
      return CID.parse(c)
    } catch {
      throw new InvalidArgumentError(`cids[${i}] "${c.slice(0, 100)}" is not a valid CID. Send CIDv0 (Qm…) or CIDv1 (bafy…, bafk…) strings.`)
    }
  })
  const keys = await userBlocks(ctx.state.repo, user)
  // answered in the caller's own spelling, so it can match strings
  const have = list.filter((_, i) => keys.has(blockKey(cids[i])) && ctx.state.repo.blocks.has(cids[i]))
  sendJson(ctx.res, 200, { have })
}
