import { createRequire } from 'node:module'
import type * as CliProgress from 'cli-progress'
import type { OnProgress, ProgressEvent } from '../core/progress.js'

// cli-progress is loaded only when a bar is drawn: most runs (CI, pipes, --json to a file) never need it
const require = createRequire(import.meta.url)

/**
 * Renders any pinship progress events for the CLI. Generic over `pinship:<area>:<what>` events: an event whose
 * detail carries numeric `bytes` and `totalBytes` moves that area's bar (one bar per area, so deploy can show packing
 * and uploads together); other events become one line each. A bar only on a TTY; plain lines or nothing otherwise.
 */
export type RenderMode = 'auto' | 'bar' | 'lines' | 'none'

export interface ProgressRendererOptions {
  /** @default process.stderr */
  stream?: NodeJS.WriteStream
  /** 'auto': a bar when the stream is a TTY, nothing otherwise. @default DEFAULT_RENDER_MODE */
  mode?: RenderMode
  /**
   * Text for a non-bytes event, or null to leave it out; undefined falls back to a generic line
   * (`area what key=value…`). Lets each command phrase its own milestones.
   */
  describe?: (event: ProgressEvent) => string | null | undefined
  /** In 'lines' mode, print bytes progress every this many percent. @default DEFAULT_LINE_STEP_PERCENT */
  lineStepPercent?: number
}

export interface ProgressRenderer {
  onProgress: OnProgress
  /** Stops every bar (leaving the final state on screen) and restores the cursor. */
  stop: () => void
}

export const DEFAULT_RENDER_MODE: RenderMode = 'auto'
export const DEFAULT_LINE_STEP_PERCENT = 25

interface BytesDetail {
  bytes: number
  totalBytes: number
  files?: number
  totalFiles?: number
  /** Names one of several passes over the same bytes (`root CID`, `CAR`): each gets its own bar and percentages. */
  phase?: string
}

function bytesDetail (detail: unknown): BytesDetail | null {
  if (detail === null || typeof detail !== 'object') return null
  const d = detail as Record<string, unknown>
  if (typeof d.bytes !== 'number' || typeof d.totalBytes !== 'number') return null
  const multiPass = typeof d.passes === 'number' && d.passes > 1
  return {
    bytes: d.bytes,
    totalBytes: d.totalBytes,
    files: typeof d.files === 'number' ? d.files : undefined,
    totalFiles: typeof d.totalFiles === 'number' ? d.totalFiles : undefined,
    ...(multiPass && typeof d.phase === 'string' ? { phase: d.phase } : {})
  }
}

/** The bar (and line) label: the area, and the pass when the area makes several over the same bytes. */
function label (area: string, bytes: BytesDetail): string {
  return bytes.phase !== undefined ? `${area} (${bytes.phase})` : area
}

/** "1 file", "2 files". */
export function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** `pinship:pack:bytes` → ['pack', 'bytes']. */
export function splitEventType (type: string): { area: string, what: string } {
  const parts = type.split(':')
  return parts.length >= 3 && parts[0] === 'pinship'
    ? { area: parts[1], what: parts.slice(2).join(':') }
    : { area: 'pinship', what: type }
}

export function formatBytes (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`
}

/** A generic one-line summary of an event: its area, what happened and its primitive fields. */
export function describeEvent (event: ProgressEvent): string {
  const { area, what } = splitEventType(event.type)
  const parts = [`${area} ${what}`]
  const detail = event.detail
  if (detail !== null && typeof detail === 'object') {
    for (const [key, value] of Object.entries(detail as Record<string, unknown>)) {
      if (typeof value === 'number') parts.push(`${key}=${/bytes/i.test(key) ? formatBytes(value) : value}`)
      else if (typeof value === 'string' || typeof value === 'boolean') parts.push(`${key}=${value}`)
      if (parts.length > 7) break
    }
  }
  return parts.join(' ')
}

export function createProgressRenderer (options: ProgressRendererOptions = {}): ProgressRenderer {
  const stream = options.stream ?? process.stderr
  const requested = options.mode ?? DEFAULT_RENDER_MODE
  const mode: RenderMode = requested === 'auto' ? (stream.isTTY === true ? 'bar' : 'none') : requested
  const describe = (event: ProgressEvent): string | null => {
    const custom = options.describe?.(event)
    return custom === undefined ? describeEvent(event) : custom
  }
  if (mode === 'none') return { onProgress: () => {}, stop: () => {} }
  if (mode === 'lines') return linesRenderer(stream, describe, options.lineStepPercent ?? DEFAULT_LINE_STEP_PERCENT)
  return barRenderer(stream, describe)
}

function linesRenderer (stream: NodeJS.WriteStream, describe: (e: ProgressEvent) => string | null, step: number): ProgressRenderer {
  const lastStep = new Map<string, number>()
  return {
    onProgress: event => {
      const bytes = bytesDetail(event.detail)
      if (bytes !== null) {
        const key = label(splitEventType(event.type).area, bytes)
        const percent = bytes.totalBytes > 0 ? Math.floor((bytes.bytes / bytes.totalBytes) * 100) : 100
        const reached = Math.floor(percent / step) * step
        if (reached <= (lastStep.get(key) ?? -1)) return
        lastStep.set(key, reached)
        stream.write(`pinship: ${key} ${reached}% (${formatBytes(bytes.bytes)} of ${formatBytes(bytes.totalBytes)})\n`)
        return
      }
      const line = describe(event)
      if (line !== null) stream.write(`pinship: ${line}\n`)
    },
    stop: () => {}
  }
}

function barRenderer (stream: NodeJS.WriteStream, describe: (e: ProgressEvent) => string | null): ProgressRenderer {
  const cliProgress = require('cli-progress') as typeof CliProgress
  const multibar = new cliProgress.MultiBar({
    stream,
    format: '{area} [{bar}] {percentage}% | {done} of {total_h}{files}',
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 10
  }, cliProgress.Presets.shades_classic)
  const bars = new Map<string, CliProgress.SingleBar>()
  let stopped = false
  return {
    onProgress: event => {
      if (stopped) return
      const { area } = splitEventType(event.type)
      const bytes = bytesDetail(event.detail)
      if (bytes !== null) {
        const key = label(area, bytes)
        const payload = {
          area: key.padEnd(7),
          done: formatBytes(bytes.bytes),
          total_h: formatBytes(bytes.totalBytes),
          files: bytes.files !== undefined && bytes.totalFiles !== undefined ? ` | ${bytes.files}/${plural(bytes.totalFiles, 'file')}` : ''
        }
        let bar = bars.get(key)
        if (bar === undefined) {
          bar = multibar.create(Math.max(bytes.totalBytes, 1), bytes.bytes, payload)
          bars.set(key, bar)
        } else {
          bar.setTotal(Math.max(bytes.totalBytes, 1))
          bar.update(bytes.bytes, payload)
        }
        return
      }
      const line = describe(event)
      if (line === null) return
      if (bars.size === 0) {
        stream.write(`pinship: ${line}\n`)
      } else {
        // cli-progress only prints logged lines on its next redraw; redraw now so milestones are not lost or late
        multibar.log(`pinship: ${line}\n`)
        multibar.update()
      }
    },
    stop: () => {
      if (stopped) return
      stopped = true
      if (bars.size > 0) multibar.update()
      multibar.stop()
    }
  }
}
