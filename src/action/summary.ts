import * as core from '@actions/core'
import { escapeHtml, scrub } from './format.js'
import { reportMarkdown } from './markdown.js'
import type { Report } from './report.js'

export async function writeSummary (report: Report, secrets: readonly string[], runUrl?: string): Promise<void> {
  if (!summaryAvailable()) return
  await core.summary.addRaw(scrub(reportMarkdown(report, { runUrl }), secrets), true).write()
}

/** A failed run still leaves a line in the summary saying what to do. */
export async function writeFailureSummary (message: string, secrets: readonly string[]): Promise<void> {
  if (!summaryAvailable()) return
  await core.summary.addRaw(`### ❌ pinship failed\n\n${escapeHtml(scrub(message, secrets))}\n`, true).write()
}

function summaryAvailable (): boolean {
  // Outside the runner (or on very old runners) there is no summary file; that is not the deploy's failure.
  return Boolean(process.env.GITHUB_STEP_SUMMARY)
}
