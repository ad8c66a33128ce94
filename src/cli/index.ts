import { Command, CommanderError } from 'commander'
import { isPinshipError } from '../core/errors.js'
import { register as registerPack } from './commands/pack.js'
import { register as registerServe } from './commands/serve.js'
import { register as registerDeploy } from './commands/deploy.js'
import { register as registerStatus } from './commands/status.js'
import { register as registerPins } from './commands/pins.js'

/** Exit codes: 0 ok, 1 the operation failed, 2 bad usage or input. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

const USAGE_CODES = new Set([
  'ERR_INVALID_ARGUMENT', 'ERR_PATH_NOT_FOUND', 'ERR_UNKNOWN_PROFILE', 'ERR_INVALID_SHARD_SIZE',
  'ERR_UNKNOWN_SERVICE', 'ERR_MISSING_TOKEN', 'ERR_INVALID_ENDPOINT', 'ERR_INVALID_CID', 'ERR_EMPTY_INPUT'
])

export function buildProgram (): Command {
  const program = new Command('pinship')
    .description('Deploy build folders to IPFS: pack to CAR, upload, verify the CID, wait for pins.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: s => process.stderr.write(s) })
    .showSuggestionAfterError()
  registerPack(program)
  registerDeploy(program)
  registerStatus(program)
  registerPins(program)
  registerServe(program)
  return program
}

/** Runs the CLI and returns the process exit code. Errors become one line on stderr. */
export async function main (argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (unknown option, missing argument, --help, --version)
      return err.exitCode === 0 ? 0 : EXIT_USAGE
    }
    if (isPinshipError(err)) {
      process.stderr.write(`pinship: ${err.message}\n`)
      return USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE
    }
    process.stderr.write(`pinship: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`)
    if (process.env.PINSHIP_DEBUG) console.error(err)
    return EXIT_FAILURE
  }
}
