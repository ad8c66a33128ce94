import * as core from '@actions/core'
import type { OnProgress, ProgressEvent } from '../core/progress.js'
import { formatBytes, plural, scrub } from './format.js'

/** Titles for the log groups, one per area of `pinship:<area>:<what>` events. */
const PHASE_TITLES: Record<string, string> = {
  pack: 'Pack into CAR',
  deploy: 'Deploy',
  upload: 'Upload',
  wait: 'Wait for pins',
  verify: 'Verify',
  retry: 'Retry'
}

/** Byte progress is logged at every this-much-of-the-total step, not on every chunk. */
const BYTES_STEP = 0.1

/**
 * Renders the core's progress events as action log lines, one `core.group` per phase: a new group opens when the
 * area of the event type changes. The core never logs; this is where its events become visible.
 */
export class ProgressLog {
  private phase: string | undefined
  private lastFraction = 0
  private readonly secrets: readonly string[]

  constructor (secrets: readonly string[] = []) {
    this.secrets = secrets
  }

  readonly onProgress: OnProgress = (event: ProgressEvent) => {
    const [, area = 'other', what = ''] = event.type.split(':')
    if (area !== this.phase) {
      this.close()
      core.startGroup(PHASE_TITLES[area] ?? area[0].toUpperCase() + area.slice(1))
      this.phase = area
      this.lastFraction = 0
    }
    const line = this.format(area, what, event.detail)
    if (line !== undefined) core.info(scrub(line, this.secrets))
  }

  /** Ends the open group, if any; call when the core returns or throws. */
  close (): void {
    if (this.phase !== undefined) core.endGroup()
    this.phase = undefined
  }

  private format (area: string, what: string, detail: unknown): string | undefined {
    const d = (detail ?? {}) as Record<string, unknown>
    if (area === 'pack') {
      switch (what) {
        case 'start': return `packing ${String(d.path)}: ${plural(Number(d.files), 'file')}, ${formatBytes(Number(d.bytes))}`
        case 'bytes': {
          const total = Number(d.totalBytes)
          const fraction = total > 0 ? Number(d.bytes) / total : 1
          if (fraction < 1 && fraction - this.lastFraction < BYTES_STEP) return undefined
          this.lastFraction = fraction
          return `packed ${formatBytes(Number(d.bytes))} of ${formatBytes(total)} (${Math.floor(fraction * 100)}%), ${d.files}/${d.totalFiles} files`
        }
        case 'shard': return `CAR shard ${Number(d.index) + 1}: ${formatBytes(Number(d.bytes))}, ${plural(Number(d.blocks), 'block')}, ${String(d.carCid)}`
        case 'done': return `root ${String(d.cid)} (${String(d.profile)}): ${plural(Number(d.files), 'file')}, CAR ${formatBytes(Number(d.carBytes))}`
      }
    }
    return `${what}${describe(d)}`
  }
}

/** Generic rendering for events this front end has no special line for: the scalar fields, in order. */
function describe (detail: Record<string, unknown>): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parts.push(`${key}=${String(value)}`)
  }
  return parts.length === 0 ? '' : ': ' + parts.join(' ')
}
