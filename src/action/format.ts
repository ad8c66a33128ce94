/** Small formatting helpers shared by the log, the summary and the comment. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) { value /= 1024; unit++ }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`
}

export function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Replaces every known secret with *** (the runner masks logs, but not files, comments or API bodies). */
export function scrub (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('***')
  }
  return out
}

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

/** For a Markdown table cell: no pipes or line breaks, HTML escaped. */
export function cell (text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/**
 * The core words its advice for the CLI (`--timeout`, `--token or PINSHIP_TOKEN`); in a workflow the same knobs
 * are inputs. Rewrites the flags that have an input, so a failure never tells a workflow author to pass a flag.
 */
const CLI_TO_INPUT: Array<[RegExp, string]> = [
  [/--token \(or PINSHIP_TOKEN\)/g, '`token`'],
  [/--token or PINSHIP_TOKEN/g, '`token`'],
  [/--token or set PINSHIP_TOKEN/g, '`token`'],
  [/--token\b/g, '`token`'],
  [/--endpoint \(or PINSHIP_ENDPOINT \/ PINSHIP_[A-Z0-9]+_ENDPOINT\)/g, '`endpoint`'],
  [/--endpoint\b/g, '`endpoint`'],
  [/ or set PINSHIP_ENDPOINT\b/g, ''],
  [/--timeout\b/g, '`timeout-minutes`'],
  [/--wait (none|uploaded|pinned|deal)\b/g, '`wait-for: $1`'],
  [/--service psa\b/g, '`service: psa`'],
  [/--service\b/g, '`service`'],
  [/--profile\b/g, '`cid-profile`'],
  [/--shard-size (\d+)/g, '`shard-size: $1`'],
  [/--shard-size\b/g, '`shard-size`'],
  [/--verify\b/g, '`verify: true`'],
  [/--exclude '((?:[^']|'\\'')*)'/g, 'a line `$1` in `exclude`'],
  [/--exclude patterns\b/g, '`exclude` patterns'],
  [/--exclude\b/g, '`exclude`'],
  // the Action has no input for it: an empty folder is always an error there
  [/, or pass --allow-empty to pack an empty folder anyway/g, '']
]

export function inWorkflowTerms (message: string): string {
  let out = message
  for (const [pattern, replacement] of CLI_TO_INPUT) out = out.replace(pattern, replacement)
  return out
}
