import { Command, CommanderError } from 'commander'
import { isPinshipError } from '../core/errors.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js'

export { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js'

type CommandModule = { register: (program: Command) => void }

// Each command's module (and what it pulls in: the deploy pipeline, the server, undici…) is loaded only when that
// command runs: `pinship pack` should not pay ~0.25 s of start-up for the others. Help lists them all.
const LOADERS: Record<string, () => Promise<CommandModule>> = {
  pack: async () => await import('./commands/pack.js'),
  deploy: async () => await import('./commands/deploy.js'),
  status: async () => await import('./commands/status.js'),
  pin: async () => await import('./commands/pins.js'),
  unpin: async () => await import('./commands/pins.js'),
  ls: async () => await import('./commands/pins.js'),
  serve: async () => await import('./commands/serve.js'),
  repair: async () => await import('./commands/repair.js')
}

/** The program with every command, or only `command`'s when it names one. */
export async function buildProgram (command?: string): Promise<Command> {
  const program = new Command('pinship')
    .description('Deploy build folders to IPFS: pack to CAR, upload, verify the CID, wait for pins.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeErr: s => process.stderr.write(s),
      // commander's own errors (unknown option, missing argument) read like ours: "pinship: …"
      outputError: (s, write) => write(`pinship: ${s.replace(/^error: /, '')}`)
    })
    .showSuggestionAfterError()
  const loaders = command !== undefined && command in LOADERS ? [LOADERS[command]] : Object.values(LOADERS)
  const modules = new Set(await Promise.all(loaders.map(async load => await load())))
  for (const mod of modules) mod.register(program)
  return program
}

/** Runs the CLI and returns the process exit code. Errors become one line on stderr. */
export async function main (argv: string[]): Promise<number> {
  // Global options are only --help/--version, so the first word that is not an option names the command.
  const program = await buildProgram(argv.find(arg => !arg.startsWith('-')))
  try {
    await program.parseAsync(argv, { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (unknown option, missing argument, --help, --version)
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    if (isPinshipError(err)) {
      process.stderr.write(`pinship: ${err.message}\n`)
      return exitCodeFor(err.code)
    }
    process.stderr.write(`pinship: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`)
    if (process.env.PINSHIP_DEBUG) console.error(err)
    return EXIT_FAILURE
  }
}
