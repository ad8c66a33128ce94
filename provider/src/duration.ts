/**
 * Durations as Terraform users write them in `timeouts` blocks and provider settings: Go's time.ParseDuration
 * form without signs ("90s", "10m", "1h30m", "1.5h", "500ms").
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)/y

/** Milliseconds, or undefined when `text` is not a positive duration. */
export function parseDuration (text: string): number | undefined {
  const s = text.trim()
  if (s === '') return undefined
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex
    const m = PART.exec(s)
    if (m === null || m.index !== start) return undefined
    total += Number(m[1]) * UNIT_MS[m[2]]
  }
  return total > 0 && Number.isFinite(total) ? Math.round(total) : undefined
}

export const DURATION_HINT = 'a duration such as "90s", "10m" or "1h30m" (units ms, s, m, h)'

export function formatDuration (ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1_000 === 0) return `${ms / 1_000}s`
  return `${ms}ms`
}
