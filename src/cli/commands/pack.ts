import type { Command } from 'commander'

// Placeholder until this command lands; replaced by its owner.
export function register (program: Command): void {
  program.command('pack').description('(not built yet)').action(() => { throw new Error('pack is not built yet') })
}
