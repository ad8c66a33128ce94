import type { PackResult, ProfileName } from '../core/pack/api.js'
import type { DeployResult, ServiceResult, VerifyResult, WaitFor } from '../core/deploy/api.js'
import { inWorkflowTerms } from './format.js'

/**
 * Why nothing was uploaded, when nothing was: `service: none`, a fork's pull request (no secrets), or a Dependabot
 * pull request whose step got no token (Dependabot secrets, not Actions secrets).
 */
export type SkipReason = 'service-none' | 'fork' | 'dependabot'

/** `status` output: the weakest state over all services, or `packed` when nothing was uploaded. */
export type OverallStatus = NonNullable<ServiceResult['status']> | 'packed'

/** Everything the outputs, the job summary, the PR comment and the commit status are made from. */
export interface Report {
  cid: string
  profile: ProfileName
  files: number
  /** Sum of the files' sizes. */
  bytes: number
  carBytes: number
  carPath: string
  /** Gateway links: per gateway, path style then subdomain style (empty when nothing was uploaded). */
  urls: string[]
  results: ServiceResult[]
  skipped?: SkipReason
  /** The gateway check, when `verify` was asked for. */
  verify?: VerifyResult
  /** The services reached what `wait-for` asked for (always true when nothing was uploaded). */
  ok: boolean
  status: OverallStatus
  waitFor: WaitFor
  pinName: string
  sha: string
}

export interface ReportBase {
  carPath: string
  waitFor: WaitFor
  pinName: string
  sha: string
}

// Weakest first: a service that failed or stored nothing makes the whole deploy that weak.
const ORDER: Array<NonNullable<ServiceResult['status']>> = ['failed', 'queued', 'pinning', 'uploaded', 'pinned']

export function overallStatus (results: ServiceResult[]): OverallStatus {
  let weakest = ORDER.length - 1
  for (const result of results) weakest = Math.min(weakest, result.status === null ? 0 : ORDER.indexOf(result.status))
  return results.length === 0 ? 'packed' : ORDER[weakest]
}

export function reportFromDeploy (result: DeployResult, base: ReportBase): Report {
  return {
    ...fromPack(result.pack, base),
    cid: result.cid,
    urls: result.urls,
    // The core's advice names CLI flags; the summary, the comment and the outputs name inputs instead.
    results: result.results.map(r => r.error === null ? r : { ...r, error: { ...r.error, message: inWorkflowTerms(r.error.message) } }),
    ok: result.ok,
    status: overallStatus(result.results),
    ...(result.verify === undefined
      ? {}
      : { verify: result.verify.error === null ? result.verify : { ...result.verify, error: { ...result.verify.error, message: inWorkflowTerms(result.verify.error.message) } } })
  }
}

export function reportFromPack (pack: PackResult, base: ReportBase, skipped: SkipReason): Report {
  return { ...fromPack(pack, base), skipped }
}

function fromPack (pack: PackResult, base: ReportBase): Report {
  return {
    cid: pack.cid,
    profile: pack.profile,
    files: pack.files,
    bytes: pack.bytes,
    carBytes: pack.carBytes,
    urls: [],
    results: [],
    ok: true,
    status: 'packed',
    ...base
  }
}

export interface PreviewLink {
  gateway: string
  path: string
  /** Absent for gateways with no subdomain form (a path prefix, or a non-loopback IP). */
  subdomain?: string
}

/**
 * The core's flat URL list (per gateway: path style, then subdomain style when the gateway has one) regrouped per
 * gateway. A path-style URL starts a gateway; a subdomain URL belongs to the gateway before it.
 */
export function previewLinks (urls: string[]): PreviewLink[] {
  const links: PreviewLink[] = []
  for (const url of urls) {
    const parsed = new URL(url)
    const last = links[links.length - 1]
    if (/\/ipfs\/[^/]+\/?$/.test(parsed.pathname) || last === undefined) {
      links.push({ gateway: parsed.host + parsed.pathname.replace(/\/ipfs\/[^/]+\/?$/, ''), path: url })
    } else {
      last.subdomain = url
    }
  }
  return links
}

/** The `url` output: the first gateway's subdomain link (its own origin per site), else its path link. */
export function primaryUrl (urls: string[]): string {
  const first = previewLinks(urls)[0]
  return first === undefined ? '' : first.subdomain ?? first.path
}
