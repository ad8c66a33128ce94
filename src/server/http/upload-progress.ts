import { InvalidArgumentError } from '../../core/errors.js'
import type { ProgressHandle } from '../progress.js'
import type { Ctx } from '../state.js'

/** seed 004: `?informProgress=true&path=/abs/path` on an upload. Returns undefined when not asked for. */
export function progressPathOf (url: URL): string | undefined {
  if (url.searchParams.get('informProgress') !== 'true') return undefined
  const path = url.searchParams.get('path')
  if (path === null || path === '') throw new InvalidArgumentError('informProgress=true needs a `path` query parameter (an absolute path such as /site/build.car).')
  return checkAbsolutePath(path)
}

export function checkAbsolutePath (path: string): string {
  if (!path.startsWith('/')) {
    throw new InvalidArgumentError(`Progress paths must be absolute (start with /); got "${path}".`)
  }
  return path
}

/** Starts progress tracking for an upload request when it asked for it. */
export function startProgress (ctx: Ctx, user: string, path: string | undefined, totalSize: number | undefined): ProgressHandle | undefined {
  if (path === undefined) return undefined
  return ctx.state.progress.start(user, path, totalSize)
}
