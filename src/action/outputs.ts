import * as core from '@actions/core'
import { scrub } from './format.js'
import { primaryUrl } from './report.js'
import type { Report } from './report.js'
import type { Outcome } from './previews.js'

/** The `outputs:` names, exactly as action.yml declares them. */
export enum Outputs {
  Cid = 'cid',
  Url = 'url',
  Urls = 'urls',
  CarPath = 'car-path',
  Status = 'status',
  Deals = 'deals',
  Size = 'size',
  Results = 'results',
  PreviewsRemoved = 'previews-removed',
  PreviewsKept = 'previews-kept'
}

/**
 * Writes every output. `results` and `deals` carry services' own words (error messages, raw statuses), so known
 * secrets are scrubbed from them as from the summary; the other outputs are ours and are written as they are.
 */
export function setOutputs (report: Report, secrets: readonly string[] = []): void {
  core.setOutput(Outputs.Cid, report.cid)
  core.setOutput(Outputs.Url, primaryUrl(report.urls))
  core.setOutput(Outputs.Urls, JSON.stringify(report.urls))
  core.setOutput(Outputs.CarPath, report.carPath)
  core.setOutput(Outputs.Status, report.status)
  core.setOutput(Outputs.Deals, scrub(JSON.stringify(report.results.flatMap(r => r.deals.map(deal => ({ service: r.service, ...deal })))), secrets))
  core.setOutput(Outputs.Size, String(report.bytes))
  core.setOutput(Outputs.Results, scrub(JSON.stringify(report.results), secrets))
}

/** On `pull_request: closed`: the previews removed and those kept, each `{service, cid, name, reason}`. */
export function setPreviewOutputs (removed: Outcome[], kept: Outcome[], secrets: readonly string[] = []): void {
  core.setOutput(Outputs.PreviewsRemoved, scrub(JSON.stringify(removed), secrets))
  core.setOutput(Outputs.PreviewsKept, scrub(JSON.stringify(kept), secrets))
}
