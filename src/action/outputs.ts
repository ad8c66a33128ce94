import * as core from '@actions/core'
import { primaryUrl } from './report.js'
import type { Report } from './report.js'

/** The `outputs:` names, exactly as action.yml declares them. */
export enum Outputs {
  Cid = 'cid',
  Url = 'url',
  Urls = 'urls',
  CarPath = 'car-path',
  Status = 'status',
  Deals = 'deals',
  Size = 'size',
  Results = 'results'
}

export function setOutputs (report: Report): void {
  core.setOutput(Outputs.Cid, report.cid)
  core.setOutput(Outputs.Url, primaryUrl(report.urls))
  core.setOutput(Outputs.Urls, JSON.stringify(report.urls))
  core.setOutput(Outputs.CarPath, report.carPath)
  core.setOutput(Outputs.Status, report.status)
  core.setOutput(Outputs.Deals, JSON.stringify(report.results.flatMap(r => r.deals.map(deal => ({ service: r.service, ...deal })))))
  core.setOutput(Outputs.Size, String(report.bytes))
  core.setOutput(Outputs.Results, JSON.stringify(report.results))
}
