import { getPin, record, removePin, unpin } from '../core/deploy/index.js'
import { isPinshipError } from '../core/errors.js'
import { createService } from '../core/services/index.js'
import type { ServiceConfig } from '../core/services/api.js'
import { inWorkflowTerms } from './format.js'
import { endpointId, sameRecord } from './ledger.js'
import type { PreviewEntry } from './ledger.js'
import { MAX_PIN_NAME_LENGTH } from './pin-name.js'
import type { Report } from './report.js'

/**
 * What a pull request's preview is stored under: the pin name plus `-preview-pr<n>`. The default branch's deploys
 * never carry it, so a record renamed by a later deploy of the same CID from anywhere else no longer looks like
 * this pull request's preview.
 */
export function previewName (pinName: string, pullRequest: number): string {
  const suffix = previewSuffix(pullRequest)
  return pinName.slice(0, MAX_PIN_NAME_LENGTH - suffix.length) + suffix
}

export function previewSuffix (pullRequest: number): string {
  return `-preview-pr${pullRequest}`
}

/**
 * One ledger entry per service that stored the preview. A service that keeps one record per account and CID may
 * have held this CID before this run (the default branch's deploy, a pin made by hand, another pull request): the
 * record's creation time says so, and such an entry is `held`, never to be removed. A record the same pull request
 * created earlier is not someone else's; mergeEntries() clears `held` for those against the ledger.
 */
export async function previewEntries (report: Report, services: ServiceConfig[], startedAt: number, signal?: AbortSignal): Promise<PreviewEntry[]> {
  const entries: PreviewEntry[] = []
  for (const result of report.results) {
    if (result.status === null) continue
    const config = services.find(s => s.service === result.service)
    if (config === undefined) continue
    const entry: PreviewEntry = { service: result.service, endpoint: endpointId(result.endpoint), cid: report.cid, name: report.pinName, sha: report.sha, held: false, removed: false }
    if (result.requestId !== undefined && createService(config).removePin !== undefined) {
      entry.requestId = result.requestId
    } else if (createService(config).record !== undefined) {
      try {
        const rec = await record(report.cid, { service: config, ...(signal === undefined ? {} : { signal }) })
        const created = rec?.created === undefined ? NaN : Date.parse(rec.created)
        entry.held = !(created >= startedAt)
      } catch {
        // Not knowing is treated as someone else's: a preview left in place costs less than a deploy removed.
        entry.held = true
      }
    }
    entries.push(entry)
  }
  return entries
}

/** This run's entries into the ledger: a record this pull request's earlier preview created is not someone else's. */
export function mergeEntries (ledger: PreviewEntry[], fresh: PreviewEntry[]): PreviewEntry[] {
  return fresh.map(e => e.held && ledger.some(p => sameRecord(p, e) && !p.held && p.removed !== true) ? { ...e, held: false } : e)
}

export interface Outcome {
  service: string
  cid: string
  name: string
  /** Why it was kept (or, for a removed one, that it was already gone). */
  reason?: string
}

export interface Removal {
  removed: Outcome[]
  kept: Outcome[]
  /** Removals that failed; their entries stay in the ledger for the next close (or a re-run). */
  failed: Outcome[]
  ledger: PreviewEntry[]
}

export const REASONS = {
  dryRun: 'dry run (a fork\'s pull request has no secrets): not removed',
  notConfigured: (service: string) => `${service} (at this endpoint) is not among this run's services, so pinship cannot reach it; remove it by hand or add the service`,
  held: 'the account already held this CID before the preview (a deploy from the default branch, a pin made by hand or another pull request)',
  renamed: (name: string) => `the service's record is now named ${JSON.stringify(name)}: something else deployed or pinned the same CID since`,
  indistinct: (service: string) => `${service} keeps one record per CID that pinship cannot tell apart from other deploys of the same CID; left in place (remove it by hand if nothing else needs it)`,
  notPreview: (pr: number) => `not named as a preview of #${pr} (\`${previewSuffix(pr)}\`), so not pinship's to remove`,
  gone: 'already gone'
} as const

/**
 * Removes a closed pull request's previews from every service its ledger names, but only records the service
 * itself still shows as this preview's: a pin request by its id and name (Pinning Service API), or the account's
 * one record of the CID when its name is one of this pull request's preview names and it did not exist before.
 */
export async function removePreviews (ledger: PreviewEntry[], services: ServiceConfig[], options: { dryRun: boolean, pullRequest: number, signal?: AbortSignal }): Promise<Removal> {
  const out: Removal = { removed: [], kept: [], failed: [], ledger: ledger.map(e => ({ ...e })) }
  const open = out.ledger.filter(e => e.removed !== true)
  const done = new Set<PreviewEntry>()
  const outcome = (e: PreviewEntry, reason?: string): Outcome => ({ service: e.service, cid: e.cid, name: e.name, ...(reason === undefined ? {} : { reason }) })
  const signal = options.signal === undefined ? {} : { signal: options.signal }

  for (const entry of open) {
    if (done.has(entry)) continue
    // Services that keep one record per CID: all of this pull request's entries for it are decided together.
    const group = entry.requestId === undefined ? open.filter(e => e.requestId === undefined && sameRecord(e, entry)) : [entry]
    for (const e of group) done.add(e)
    const keep = (reason: string): void => { for (const e of group) out.kept.push(outcome(e, reason)) }
    if (options.dryRun) { keep(REASONS.dryRun); continue }
    const config = services.find(s => s.service === entry.service && endpointOf(s) === entry.endpoint)
    if (config === undefined) { keep(REASONS.notConfigured(entry.service)); continue }
    if (group.some(e => e.held)) { keep(REASONS.held); continue }
    // Only names this pull request's previews carry: a ledger entry naming anything else is not acted on.
    if (group.some(e => !e.name.endsWith(previewSuffix(options.pullRequest)))) { keep(REASONS.notPreview(options.pullRequest)); continue }
    try {
      const service = createService(config)
      if (entry.requestId !== undefined) {
        const pin = await getPin(entry.requestId, { service: config, ...signal })
        if (pin === null) {
          out.removed.push(outcome(entry, REASONS.gone))
        } else if (pin.cid !== entry.cid || pin.name !== entry.name) {
          keep(REASONS.renamed(pin.name ?? ''))
          continue
        } else {
          await removePin(entry.requestId, { service: config, ...signal })
          out.removed.push(outcome(entry))
        }
      } else if (service.record !== undefined && service.unpin !== undefined) {
        const rec = await record(entry.cid, { service: config, ...signal })
        if (rec === null) {
          for (const e of group) out.removed.push(outcome(e, REASONS.gone))
        } else if (!group.some(e => e.name === rec.name)) {
          keep(REASONS.renamed(rec.name ?? ''))
          continue
        } else {
          await unpin(entry.cid, { service: config, ...signal })
          for (const e of group) out.removed.push(outcome(e))
        }
      } else {
        keep(REASONS.indistinct(entry.service))
        continue
      }
      for (const e of group) e.removed = true
    } catch (err) {
      const message = inWorkflowTerms(isPinshipError(err) || err instanceof Error ? err.message : String(err))
      for (const e of group) out.failed.push(outcome(e, message))
    }
  }
  return out
}

function endpointOf (config: ServiceConfig): string | undefined {
  try { return endpointId(createService(config).endpoint) } catch { return undefined }
}
