import { defineError, PinshipError } from '../errors.js'

/** The CAR (or a shard) could not be written where `output` points. */
export const UnwritableOutputError = defineError('ERR_UNWRITABLE_OUTPUT')

/** Wraps a file-system failure while writing output; pinship's own errors pass through unchanged. */
export function outputError (err: unknown, path: string): Error {
  if (err instanceof PinshipError) return err
  const code = (err as NodeJS.ErrnoException)?.code
  const reason = code === 'ENOSPC'
    ? 'the disk is full'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : err instanceof Error ? err.message : String(err)
  return new UnwritableOutputError(`Cannot write ${path}: ${reason}. Free space, fix permissions or choose another output path.`, { cause: err })
}
