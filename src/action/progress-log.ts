import * as core from '@actions/core'
import type { OnProgress, ProgressEvent } from '../core/progress.js'
import { formatBytes, inWorkflowTerms, plural, scrub } from './format.js'

/** Log groups in the order a deploy goes through them. */
const PHASES = [
  { key: 'plan', title: 'Plan' },
  { key: 'pack', title: 'Pack into CAR' },
  { key: 'upload', title: 'Upload' },
  { key: 'wait', title: 'Wait for pins' },
  { key: 'verify', title: 'Verify through the gateway' },
  { key: 'done', title: 'Result' }
] as const
type Phase = typeof PHASES[number]['key']
const PACK_INDEX = PHASES.findIndex(p => p.key === 'pack')

const PHASE_OF: Record<string, Phase> = {
  'pinship:deploy:plan': 'plan',
  'pinship:deploy:shard-start': 'upload',
  'pinship:deploy:shard-bytes': 'upload',
  'pinship:deploy:bytes': 'upload',
  'pinship:deploy:shard-done': 'upload',
  'pinship:deploy:uploaded': 'upload',
  'pinship:deploy:pin-request': 'upload',
  'pinship:deploy:state': 'wait',
  'pinship:deploy:service-done': 'wait',
  'pinship:deploy:verify': 'verify',
  'pinship:deploy:done': 'done'
}

/** Byte progress is logged at every this-much-of-the-total step, not on every chunk. */
const BYTES_STEP = 0.25
/** An event type this renderer does not know is logged at most this often (it may be a high-rate one). */
const UNKNOWN_EVENT_INTERVAL_MS = 5_000

/**
 * Renders the core's progress events as action log lines, one `core.group` per phase. Packing and uploading
 * overlap (shards go up while later ones are packed) and services run side by side. Packing's lines all belong in
 * the Pack group, so while packing runs, lines of later phases wait in a queue and follow once the pack is done;
 * otherwise groups only move forward: a late event of an earlier phase is logged in the current group rather than
 * reopening a closed one.
 */
export class ProgressLog {
  private phase = -1
  private packing = false
  /** Formatted (so already throttled) lines of later phases held back while the Pack group is open. */
  private readonly held: Array<{ index: number, line: string }> = []
  private readonly progress = new Map<string, number>()
  private readonly unknownSeen = new Map<string, number>()
  private readonly secrets: readonly string[]

  constructor (secrets: readonly string[] = []) {
    this.secrets = secrets
  }

  readonly onProgress: OnProgress = (event: ProgressEvent) => {
    if (this.phase >= PHASES.length) return this.emit(this.phase, event)
    const isPack = event.type.startsWith('pinship:pack:')
    const phase = isPack ? 'pack' : PHASE_OF[event.type]
    const index = PHASES.findIndex(p => p.key === phase)
    if (isPack && event.type !== 'pinship:pack:done') this.packing = true
    if (this.packing && index > PACK_INDEX) {
      const line = this.line(event)
      if (line !== undefined) this.held.push({ index, line })
      return
    }
    this.emit(index, event)
    if (event.type === 'pinship:pack:done') this.release()
  }

  /** Ends the open group, if any; call when the core returns or throws. Later events open no group. */
  close (): void {
    this.release()
    if (this.phase >= 0 && this.phase < PHASES.length) core.endGroup()
    this.phase = PHASES.length
  }

  private emit (index: number, event: ProgressEvent): void {
    const line = this.line(event)
    this.enter(index)
    if (line !== undefined) core.info(line)
  }

  private enter (index: number): void {
    if (index > this.phase && this.phase < PHASES.length) {
      if (this.phase >= 0) core.endGroup()
      core.startGroup(PHASES[index].title)
      this.phase = index
    }
  }

  /** Packing is over: the held lines follow, each in its own phase's group. */
  private release (): void {
    this.packing = false
    for (const { index, line } of this.held.splice(0)) {
      this.enter(index)
      core.info(line)
    }
  }

  private line (event: ProgressEvent): string | undefined {
    const line = this.format(event.type, (event.detail ?? {}) as Record<string, any>)
    return line === undefined ? undefined : scrub(inWorkflowTerms(line), this.secrets)
  }

  /** Logs at most once per BYTES_STEP of progress for one key. */
  private step (key: string, done: number, total: number): boolean {
    const fraction = total > 0 ? Math.min(1, done / total) : 1
    const last = this.progress.get(key) ?? 0
    if (fraction < 1 && fraction - last < BYTES_STEP) return false
    if (fraction >= 1 && last >= 1) return false
    this.progress.set(key, fraction)
    return true
  }

  private format (type: string, d: Record<string, any>): string | undefined {
    switch (type) {
      case 'pinship:pack:start': return `packing ${d.path}: ${plural(d.files, 'file')}, ${formatBytes(d.bytes)}`
      case 'pinship:pack:bytes': {
        // Counted per pass over the files; with two passes (sharding) each pass has its own line and percentages.
        const pass = typeof d.passes === 'number' && d.passes > 1 ? ` (${String(d.phase)})` : ''
        return this.step(`pack${pass}`, d.bytes, d.totalBytes)
          ? `packing${pass}: ${Math.floor(100 * Math.min(1, d.totalBytes > 0 ? d.bytes / d.totalBytes : 1))}% (${formatBytes(d.bytes)} of ${formatBytes(d.totalBytes)})`
          : undefined
      }
      case 'pinship:pack:shard': return `CAR shard ${d.index + 1}: ${formatBytes(d.bytes)}, ${plural(d.blocks, 'block')}, ${d.carCid}`
      case 'pinship:pack:cache': return `pack cache: ${plural(d.hits, 'unchanged file')} (${formatBytes(d.hitBytes)}) not read again for the root, ${plural(d.misses, 'file')} to hash`
      case 'pinship:pack:warning': return `warning: ${d.message}`
      case 'pinship:pack:done': return `root ${d.cid} (${d.profile}): ${plural(d.files, 'file')}, ${formatBytes(d.bytes)}, CAR ${formatBytes(d.carBytes)}`
      case 'pinship:deploy:plan': {
        const services = (d.services as Array<{ service: string, endpoint: string }>).map(s => `${s.service} (${host(s.endpoint)})`).join(', ')
        return `deploying to ${services}; waiting for ${d.wait}, at most ${Math.round(d.timeoutMs / 60_000 * 10) / 10} min` +
          (d.shardSize === null ? '' : `; shards up to ${formatBytes(d.shardSize)}`)
      }
      case 'pinship:deploy:shard-start': return `${d.service}: uploading shard ${d.shard}${d.shards > 0 ? `/${d.shards}` : ''} (${formatBytes(d.bytes)})${d.attempt > 1 ? `, attempt ${d.attempt}` : ''}`
      case 'pinship:deploy:shard-bytes':
        return this.step(`${d.service} ${d.shard}`, d.sent, d.bytes) && d.sent < d.bytes
          ? `${d.service}: shard ${d.shard} ${formatBytes(d.sent)} of ${formatBytes(d.bytes)}`
          : undefined
      // The sum over services grows while packing runs, so its fraction goes back and forth; shard lines say enough.
      case 'pinship:deploy:bytes': return undefined
      case 'pinship:deploy:shard-done': return `${d.service}: shard ${d.shard}${d.shards > 0 ? `/${d.shards}` : ''} stored, service reports ${d.cid}`
      case 'pinship:deploy:check': return d.error === null
        ? d.held === d.blocks
          ? `${d.service}: already holds all ${plural(d.blocks, 'block')}; none is sent (a header-only CAR records this deploy)`
          : `${d.service}: already holds ${d.held} of ${plural(d.blocks, 'block')}; only the others are sent`
        : `${d.service}: could not say which blocks it holds: ${d.error.message}`
      case 'pinship:deploy:uploaded': return `${d.service}: uploaded ${plural(d.shards, 'shard')}, ${formatBytes(d.bytes)}${d.skippedBytes > 0 ? ` (skipped ${formatBytes(d.skippedBytes)} it already holds)` : ''}; root ${d.cid} confirmed`
      case 'pinship:deploy:pin-request': return `${d.service}: pin requested for ${d.cid}${d.requestId === undefined ? '' : ` (request ${d.requestId})`}`
      case 'pinship:deploy:retry': return `${d.service}: ${d.operation} failed (${d.error?.message ?? 'unknown error'}); retry ${d.attempt}, ${d.retriesLeft} left` +
        (d.retryAfterMs === undefined ? '' : `, service asked to wait ${Math.ceil(d.retryAfterMs / 1000)} s`)
      case 'pinship:deploy:state': {
        const raw = d.rawStatus !== undefined && d.rawStatus !== d.pin ? ` (${d.rawStatus})` : ''
        const deals = (d.deals as unknown[]).length > 0 ? `, deals: ${(d.deals as Array<{ status: string }>).map(x => x.status).join(', ')}` : ''
        return `${d.service}: ${d.pin ?? 'not known yet'}${raw}${deals}`
      }
      case 'pinship:deploy:service-done': return `${d.service}: ${d.status ?? 'nothing stored'}${d.error === null ? '' : ` — ${d.error.message}`}`
      case 'pinship:deploy:verify': return `${d.gateway}: ${d.ok ? 'verified' : 'FAILED'} ${plural(d.blocks, 'block')}, ${formatBytes(d.bytes)}${d.error === null ? '' : ` — ${d.error.message}`}`
      case 'pinship:deploy:done': return `${d.ok === true ? 'done' : 'not every service made it'}: ${d.cid}`
    }
    const now = Date.now()
    const seen = this.unknownSeen.get(type)
    if (seen !== undefined && now - seen < UNKNOWN_EVENT_INTERVAL_MS) return undefined
    this.unknownSeen.set(type, now)
    return `${type.replace(/^pinship:/, '')}${describe(d)}`
  }
}

function host (endpoint: string): string {
  try { return new URL(endpoint).host } catch { return 'custom endpoint' }
}

/** Generic rendering for events this front end has no special line for: the scalar fields, in order. */
function describe (detail: Record<string, unknown>): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parts.push(`${key}=${String(value)}`)
  }
  return parts.length === 0 ? '' : ': ' + parts.join(' ')
}
