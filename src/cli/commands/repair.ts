import type { Command } from 'commander'
import { DEFAULT_DATA_DIR, repairDataDir } from '../../server/index.js'

interface RepairFlags { data: string, json?: boolean }

export function register (program: Command): void {
  program.command('repair')
    .description('Salvage a `pinship serve` data dir whose journal is damaged: keep every record that verifies, set the rest aside in quarantine/.')
    .option('--data <dir>', 'data directory of the service', DEFAULT_DATA_DIR)
    .option('--json', 'print the report as one JSON line')
    .action(async (flags: RepairFlags) => {
      const r = await repairDataDir(flags.data)
      if (flags.json === true) {
        process.stdout.write(JSON.stringify(r) + '\n')
        return
      }
      if (r.dropped.length === 0) {
        process.stdout.write(`pinship repair: the journal in ${r.dataDir} is intact (${r.kept} records); nothing to repair.\n`)
      } else {
        process.stdout.write(`pinship repair: kept ${r.kept} of ${r.lines} journal lines; dropped damaged line(s) ${r.dropped.map(d => d.line).join(', ')}.\n`)
        process.stdout.write(`the journal as it was is kept in ${r.backup ?? ''}\n`)
        if (r.completionsRechecked > 0) process.stdout.write(`${r.completionsRechecked} completion mark(s) after the damage will be checked again on start.\n`)
      }
      if (r.quarantined.length > 0) {
        process.stdout.write(`${r.quarantined.length} segment(s) no kept record references were moved to ${r.quarantineDir} (not deleted): ${r.quarantined.join(', ')}\n` +
          'Their uploads are no longer listed; upload that content again to restore it.\n')
      }
      process.stdout.write(`Start the service again with: pinship serve --data ${flags.data}\n`)
    })
}
