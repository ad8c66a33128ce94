/**
 * The CLI's exit codes, in one place: README "Exit codes" documents this table and test/cli/exit-codes.test.ts
 * checks each row.
 */
export const EXIT_OK = 0
/** The operation failed: a service refused or failed, the deploy did not meet --require, a file changed while packed. */
export const EXIT_FAILURE = 1
/** Bad usage or input: an unknown flag or value, a path that is not there, input pinship cannot pack as asked. */
export const EXIT_USAGE = 2
/** `pinship status`: a service does not hold the CID (it answered, and does not know it). */
export const EXIT_NOT_FOUND = 3
/** Interrupted (Ctrl-C / SIGINT), as shells report 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130

/** Error codes that mean the input or the command line was wrong: fixing them is the user's move, not a retry. */
export const USAGE_CODES: ReadonlySet<string> = new Set([
  'ERR_INVALID_ARGUMENT', 'ERR_PATH_NOT_FOUND', 'ERR_UNKNOWN_PROFILE', 'ERR_INVALID_SHARD_SIZE',
  'ERR_UNKNOWN_SERVICE', 'ERR_MISSING_TOKEN', 'ERR_INVALID_ENDPOINT', 'ERR_INVALID_CID', 'ERR_EMPTY_INPUT',
  // the folder holds something that cannot be packed as it is
  'ERR_SYMLINK_OUTSIDE', 'ERR_SYMLINK_CYCLE', 'ERR_UNSUPPORTED_FILE_TYPE', 'ERR_UNREADABLE_PATH', 'ERR_INVALID_FILE_NAME'
])

/** The exit code for a pinship error code. */
export function exitCodeFor (code: string): number {
  if (code === 'ERR_ABORTED') return EXIT_INTERRUPTED
  return USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILURE
}
