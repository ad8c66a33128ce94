import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { formatLine, journalLines } from './journal.js'
import { syncDir } from './blocks.js'
import { lockDataDir } from './lock.js'
import { JOURNAL_FILE, QUARANTINE_DIR, Repo } from './repo.js'

/** What `repairDataDir` found and did. */
export interface RepairReport {
  dataDir: string
  /** Lines in the journal before the repair. */
  lines: number
  /** Records kept (every one that verifies, except completion marks that may rest on dropped blocks). */
  kept: number
  /** Lines that failed their checksum, dropped (their bytes stay in `backup`). */
  dropped: Array<{ line: number, start: number, end: number }>
  /**
   * "complete" marks after the first dropped line, dropped too: they may count blocks indexed by a dropped line.
   * Completeness is walked again on start, so a DAG that is still whole is found complete again.
   */
  completionsRechecked: number
  /** The journal as it was, byte for byte; undefined when it was intact and left alone. */
  backup?: string
  /** Segments no kept record references, moved to `quarantineDir`. */
  quarantined: string[]
  quarantineDir: string
}

/**
 * Salvages a data dir whose journal the server refused to open (a checksum failure with intact records after it).
 * Keeps every record that verifies, drops the damaged lines, and keeps the old journal whole in quarantine/.
 * Segments that no kept record references are moved to quarantine/ too, never deleted. Takes the data dir lock,
 * so it cannot run beside a live server.
 */
export async function repairDataDir (dataDir: string): Promise<RepairReport> {
  const dir = resolve(dataDir)
  const journalPath = join(dir, JOURNAL_FILE)
  const quarantineDir = join(dir, QUARANTINE_DIR)
  const unlock = await lockDataDir(dir)
  try {
    const report: RepairReport = { dataDir: dir, lines: 0, kept: 0, dropped: [], completionsRechecked: 0, quarantined: [], quarantineDir }
    const exists = await stat(journalPath).then(() => true, () => false)
    if (exists) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-')
      const fresh = join(dir, `${JOURNAL_FILE}.repair`)
      const src = await open(journalPath, 'r')
      const out = await open(fresh, 'w')
      try {
        for await (const l of journalLines(src)) {
          report.lines = l.line
          if (l.record === undefined) {
            report.dropped.push({ line: l.line, start: l.start, end: l.end })
            continue
          }
          if (report.dropped.length > 0 && (l.record as { t?: unknown }).t === 'complete') {
            report.completionsRechecked++
            continue
          }
          await out.write(formatLine(l.record))
          report.kept++
        }
        await out.sync()
      } finally {
        await out.close()
        await src.close()
      }
      if (report.dropped.length > 0) {
        await mkdir(quarantineDir, { recursive: true })
        report.backup = join(quarantineDir, `journal-${stamp}.log`)
        await copyFile(journalPath, report.backup)
        const backup = await open(report.backup, 'r+')
        try { await backup.sync() } finally { await backup.close() }
        await syncDir(quarantineDir)
        await rename(fresh, journalPath)
        await syncDir(dir)
      } else {
        await rm(fresh, { force: true })
      }
    }
    // opening moves segments the kept records do not reference to quarantine and re-walks incomplete DAGs
    const { repo, recovery } = await Repo.open(dir)
    await repo.close()
    report.quarantined = recovery.quarantined
    return report
  } finally {
    await unlock()
  }
}
