/**
 * resource "pinship_content": a folder packed into a UnixFS DAG and stored on the configured service.
 *
 * The CID is computed at plan time from the folder, so a plan shows the new CID before anything is uploaded and a
 * different CID plans a replacement. The packing inputs (source, profile, hidden, exclude) are write-only: the CID
 * is their fingerprint, and only then can `terraform import pinship_content.x <cid>` be followed by an empty plan
 * (an imported object has no source to compare with).
 *
 * After an import, size, car_size and files stay null until the content is next replaced: an import has no folder
 * to measure, and filling them in at the next plan would make that plan non-empty.
 */
import { checkCid, deploy, isPinshipError, list, PinshipError, removePin, sameCid, status, unpin, type DeployResult } from '../../../src/core/index.js'
import { errorAt, UNKNOWN, type ApplyRequest, type ApplyResponse, type CallContext, type Diagnostic, type PlanRequest, type PlanResponse, type ResourceType, type TfObject, type TfValue } from '../framework/types.js'
import type { Client } from '../client.js'
import { DEALS_ATTRIBUTE, dealsValue } from '../deals.js'
import { diagnostic, diagnosticsError, PACK_ATTRIBUTES } from '../diagnose.js'
import { DURATION_HINT, formatDuration, parseDuration } from '../duration.js'
import { logProgress } from '../log-progress.js'
import { cacheOption, defaultName, ignoreOf, packAttributes, packInputs, packOnly, validatePackInputs, type PackInputs } from '../packing.js'
import { isUnknown, objectOf, readPrivate, sameValue, stringOf, writePrivate } from '../tf-values.js'

const TYPE = 'pinship_content'
const WRITE_ONLY = ['source', 'profile', 'hidden', 'exclude'] as const
const WAIT_FOR_CONTENT = ['uploaded', 'pinned', 'deal'] as const
const DEFAULT_WAIT_FOR = 'pinned'
const TIMEOUT_KINDS = ['create', 'update', 'delete'] as const
type TimeoutKind = typeof TIMEOUT_KINDS[number]

export const contentResource: ResourceType<Client> = {
  name: TYPE,
  schema: {
    version: 0,
    block: {
      description: 'A folder (or file) packed into a UnixFS DAG and stored on the configured service. The CID is computed from the folder during plan, so the plan shows it before anything is uploaded; a different CID replaces the resource.',
      attributes: {
        ...packAttributes(true),
        name: {
          type: 'string',
          optional: true,
          computed: true,
          description: 'Name of the upload on the service (at most 255 characters). Default: the folder\'s own name when created; after an import, the name the service lists.'
        },
        wait_for: {
          type: 'string',
          optional: true,
          computed: true,
          description: `State the service must reach before create or update succeeds: ${WAIT_FOR_CONTENT.map(w => `"${w}"`).join(', ')} (an active Filecoin deal, only on services that report deals). Default "${DEFAULT_WAIT_FOR}".`
        },
        cid: { type: 'string', computed: true, description: 'Root CID of the packed folder, computed at plan time (changes force a replacement).' },
        size: { type: 'number', computed: true, description: 'Bytes of the files packed. Null after an import until the content is next replaced.' },
        car_size: { type: 'number', computed: true, description: 'Bytes of the CAR that holds the DAG. Null after an import until the content is next replaced.' },
        files: { type: 'number', computed: true, description: 'Number of files packed. Null after an import until the content is next replaced.' },
        url: { type: 'string', computed: true, description: 'Gateway URL of the content: the first gateway\'s subdomain URL (https://<cid>.ipfs.<gateway>/), or its path URL when it has no subdomain form.' },
        urls: { type: ['list', 'string'], computed: true, description: 'For each gateway of the provider: the path URL, then the subdomain URL.' },
        status: { type: 'string', computed: true, description: 'State on the service: uploaded, queued, pinning, pinned or failed. Refreshed on every refresh; content the service no longer holds is planned for re-creation.' },
        deals: DEALS_ATTRIBUTE
      },
      blocks: {
        timeouts: {
          nesting: 'single',
          block: {
            description: 'How long create, update and delete may take (uploading and waiting for wait_for). Default: the provider\'s timeout.',
            attributes: Object.fromEntries(TIMEOUT_KINDS.map(k => [k, {
              type: 'string' as const,
              optional: true,
              description: `Time bound of ${k}: ${DURATION_HINT}.`
            }]))
          }
        }
      }
    }
  },

  validate (config) {
    return [...validatePackInputs(config), ...validateContent(config)]
  },

  async plan (req, ctx) {
    // The request id (pin-by-CID services) goes on to the delete, which removes that request and no other.
    if (req.proposed === null || req.config === null) return { planned: null, plannedPrivate: req.priorPrivate }
    return await planContent(req, ctx)
  },

  async apply (req, ctx) {
    if (req.planned === null) return await deleteContent(req, ctx)
    return await applyContent(req, ctx)
  },

  async read (req, ctx) {
    if (ctx.client.deferred) return { state: req.state }
    const cid = stringOf(req.state.cid)
    if (cid === undefined) return { state: null }
    const priv = readPrivate(req.private)
    const requestId = typeof priv.requestId === 'string' ? priv.requestId : undefined
    let s
    try {
      s = await status(cid, { ...ctx.client.op(ctx.signal), ...(requestId !== undefined ? { requestId } : {}) })
    } catch (err) {
      throw diagnosticsError(err, { doing: `Reading the status of ${cid} from ${ctx.client.slug}` })
    }
    if (s.pin === null) {
      ctx.log.info(`${TYPE}: ${ctx.client.slug} no longer holds ${cid}; it will be planned for re-creation`)
      return { state: null }
    }
    return { state: { ...req.state, status: s.pin, deals: dealsValue(s.deals) }, private: req.private }
  },

  async importState (id, ctx) {
    let cid: string
    try {
      cid = checkCid(id)
    } catch (err) {
      throw errorAt(undefined, 'Invalid CID to import', `${diagnostic(err, { doing: 'Importing pinship_content' }).detail ?? ''}\n\nImport with the root CID of the content: terraform import pinship_content.NAME bafy…`)
    }
    const op = ctx.client.op(ctx.signal)
    let s
    try {
      s = await status(cid, op)
    } catch (err) {
      throw diagnosticsError(err, { doing: `Importing ${cid} from ${ctx.client.slug}` })
    }
    if (s.pin === null) {
      throw errorAt(undefined, 'Content not found on the service', `${ctx.client.slug} at ${ctx.client.adapter().endpoint} does not hold ${cid}. Check the CID and the provider's service and endpoint, or let Terraform create the content instead of importing it.`)
    }
    let name: string | null = null
    try {
      name = (await list({ ...op, limit: 1000 })).find(p => sameCid(p.cid, cid))?.name ?? null
    } catch (err) {
      ctx.log.debug(`${TYPE}: no name from the service listing`, { error: err instanceof Error ? err.message : String(err) })
    }
    const { url, urls } = ctx.client.urls(cid)
    const state: TfObject = {
      source: null,
      profile: null,
      hidden: null,
      exclude: null,
      name,
      wait_for: DEFAULT_WAIT_FOR,
      cid,
      size: null,
      car_size: null,
      files: null,
      url,
      urls,
      status: s.pin,
      deals: dealsValue(s.deals),
      timeouts: null
    }
    return { state }
  }
}

function validateContent (config: TfObject): Diagnostic[] {
  const out: Diagnostic[] = []
  const wait = stringOf(config.wait_for)
  if (wait !== undefined && !(WAIT_FOR_CONTENT as readonly string[]).includes(wait)) {
    out.push({ severity: 'error', summary: 'Invalid wait_for', detail: `wait_for must be one of ${WAIT_FOR_CONTENT.join(', ')}; got ${JSON.stringify(wait)}.`, attribute: ['wait_for'] })
  }
  const name = stringOf(config.name)
  if (name !== undefined && name.length > 255) {
    out.push({ severity: 'error', summary: 'Name too long', detail: `name has ${name.length} characters; services keep at most 255.`, attribute: ['name'] })
  }
  const timeouts = objectOf(config.timeouts)
  for (const k of TIMEOUT_KINDS) {
    const v = stringOf(timeouts?.[k])
    if (v !== undefined && parseDuration(v) === undefined) {
      out.push({ severity: 'error', summary: 'Invalid timeout', detail: `timeouts.${k} must be ${DURATION_HINT}; got ${JSON.stringify(v)}.`, attribute: ['timeouts', k] })
    }
  }
  return out
}

function timeoutOf (config: TfObject | null, kind: TimeoutKind, client: Client): number {
  const v = stringOf(objectOf(config?.timeouts)?.[kind])
  return (v !== undefined ? parseDuration(v) : undefined) ?? client.timeoutMs
}

async function planContent (req: PlanRequest, ctx: CallContext<Client>): Promise<PlanResponse> {
  const config = req.config as TfObject
  const prior = req.prior
  const invalid = validateContent(config)
  if (invalid.length > 0) return { planned: null, diagnostics: invalid }
  const inputs = packInputs(config)

  const waitFor: TfValue = config.wait_for === null ? DEFAULT_WAIT_FOR : config.wait_for
  if (waitFor === 'deal' && !ctx.client.deferred && ctx.client.adapter().reportsDeals !== true) {
    throw errorAt('wait_for', 'No Filecoin deals on this service', `${ctx.client.slug} reports no Filecoin deals, so wait_for = "deal" could never be met. Use wait_for = "pinned", or a service that makes deals.`)
  }
  if (!ctx.client.deferred) ctx.client.service() // a provider block that cannot reach a service fails the plan, not the apply

  const planned: TfObject = {
    source: null,
    profile: null,
    hidden: null,
    exclude: null,
    name: config.name,
    wait_for: waitFor,
    cid: UNKNOWN,
    size: UNKNOWN,
    car_size: UNKNOWN,
    files: UNKNOWN,
    url: UNKNOWN,
    urls: UNKNOWN,
    status: UNKNOWN,
    deals: UNKNOWN,
    timeouts: config.timeouts ?? null
  }

  if (inputs !== 'unknown') {
    const packed = await packOnly(inputs, { signal: ctx.signal, onProgress: logProgress(ctx.log, `${TYPE} plan`) })
    ctx.log.info(`${TYPE}: ${inputs.source} packs to ${packed.cid}`, { files: packed.files, bytes: packed.bytes, car_bytes: packed.carBytes })
    Object.assign(planned, { cid: packed.cid, size: packed.bytes, car_size: packed.carBytes, files: packed.files }, ctx.client.urls(packed.cid))
  }

  if (prior === null) {
    if (planned.name === null) planned.name = inputs === 'unknown' ? UNKNOWN : defaultName(inputs.source)
    return { planned }
  }

  const priorCid = stringOf(prior.cid)
  const newCid = stringOf(planned.cid)
  if (newCid === undefined || priorCid === undefined || !sameCid(priorCid, newCid)) {
    // A different (or not yet known) root is different content: a new upload, then the old one goes.
    if (planned.name === null) planned.name = inputs === 'unknown' ? UNKNOWN : defaultName(inputs.source)
    return { planned, requiresReplace: ['cid'] }
  }

  // Same content: what the service was told (name, wait_for) decides whether apply deploys again.
  if (planned.name === null) planned.name = prior.name
  planned.cid = prior.cid
  planned.size = prior.size
  planned.car_size = prior.car_size
  planned.files = prior.files
  const redeploy = !sameValue(planned.name, prior.name) || !sameValue(planned.wait_for, prior.wait_for)
  planned.status = redeploy ? UNKNOWN : prior.status
  planned.deals = redeploy ? UNKNOWN : prior.deals
  return { planned, plannedPrivate: req.priorPrivate }
}

async function applyContent (req: ApplyRequest, ctx: CallContext<Client>): Promise<ApplyResponse> {
  const planned = req.planned as TfObject
  const config = req.config ?? {}
  if (req.prior !== null && !isUnknown(planned.status) && !isUnknown(planned.deals)) {
    // Only the timeouts changed: nothing to tell the service.
    return { state: planned, private: req.plannedPrivate }
  }
  const inputs = packInputs(config)
  if (inputs === 'unknown') throw errorAt('source', 'Source still unknown at apply', 'source (and profile, hidden, exclude) must be known when the content is uploaded.')
  const kind: TimeoutKind = req.prior === null ? 'create' : 'update'
  const timeoutMs = timeoutOf(config, kind, ctx.client)
  const name = stringOf(planned.name) ?? defaultName(inputs.source)
  const wait = stringOf(planned.wait_for) ?? DEFAULT_WAIT_FOR
  const doing = `Uploading ${inputs.source} to ${ctx.client.slug}`
  let result: DeployResult
  try {
    result = await deploy(inputs.source, {
      services: [ctx.client.service()],
      profile: inputs.profile,
      hidden: inputs.hidden,
      ...(ignoreOf(inputs) !== undefined ? { ignore: ignoreOf(inputs) } : {}),
      ...cacheOption(),
      name,
      wait: wait as 'uploaded' | 'pinned' | 'deal',
      timeoutMs,
      gateways: ctx.client.gateways,
      signal: ctx.signal,
      retry: ctx.client.retry,
      poll: ctx.client.poll,
      onProgress: logProgress(ctx.log, TYPE)
    })
  } catch (err) {
    // deploy's first look at the endpoint found nothing (or not the API) there: nothing was stored, as when a
    // service fails in the results below
    if (isPinshipError(err) && (err.code === 'ERR_ENDPOINT_UNREACHABLE' || err.code === 'ERR_NOT_SERVICE_API')) {
      return { state: req.prior, private: req.plannedPrivate, diagnostics: [diagnostic(err, { doing })] }
    }
    throw diagnosticsError(err, { doing, attributes: PACK_ATTRIBUTES })
  }
  const plannedCid = stringOf(planned.cid)
  if (plannedCid !== undefined && !sameCid(plannedCid, result.cid)) {
    throw errorAt('source', 'The source changed between plan and apply', `${inputs.source} packed to ${plannedCid} at plan time but to ${result.cid} now, so nothing was recorded. Run terraform plan again (and keep the folder unchanged until apply ends).`)
  }
  const r = result.results[0]
  const { url, urls } = ctx.client.urls(result.cid)
  const fill = (v: TfValue, value: TfValue): TfValue => isUnknown(v) ? value : v
  const state: TfObject = {
    ...planned,
    name: fill(planned.name, name),
    cid: fill(planned.cid, result.cid),
    size: fill(planned.size, result.pack.bytes),
    car_size: fill(planned.car_size, result.pack.carBytes),
    files: fill(planned.files, result.pack.files),
    url: fill(planned.url, url),
    urls: fill(planned.urls, urls),
    status: r.status,
    deals: dealsValue(r.deals)
  }
  const priv = writePrivate(r.requestId !== undefined ? { requestId: r.requestId } : {})
  if (r.error !== null) {
    const failed = failureDiagnostic(r.error, doing, timeoutMs, kind)
    // Something is stored (upload done, waiting failed): keep it in state so Terraform marks it tainted and a
    // later apply replaces it, instead of losing track of it.
    if (r.status !== null) return { state, private: priv, diagnostics: [failed] }
    return { state: req.prior, private: req.plannedPrivate, diagnostics: [failed] }
  }
  return { state, private: priv }
}

/** A deploy result's per-service error as a diagnostic (it carries code and message, not the error object). */
function failureDiagnostic (error: { code: string, message: string }, doing: string, timeoutMs: number, kind: TimeoutKind): Diagnostic {
  const d = diagnostic(new PinshipError(error.code, error.message), { doing })
  if (error.code === 'ERR_WAIT_TIMEOUT') {
    return { ...d, detail: `${d.detail ?? ''}\n\nThe ${kind} timeout was ${formatDuration(timeoutMs)}.` }
  }
  return d
}

async function deleteContent (req: ApplyRequest, ctx: CallContext<Client>): Promise<ApplyResponse> {
  const prior = req.prior
  const cid = stringOf(prior?.cid)
  if (prior === null || cid === undefined) return { state: null }
  const timeoutMs = timeoutOf(prior, 'delete', ctx.client)
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)])
  const requestId = readPrivate(req.plannedPrivate).requestId
  const options = { ...ctx.client.op(signal), retry: { ...ctx.client.retry, maxRetryTimeMs: timeoutMs } }
  try {
    if (typeof requestId === 'string' && ctx.client.adapter().removePin !== undefined) {
      // Made by pin-by-CID: remove our request only, not other pins of the same CID (a pinship_pin, say).
      if (!await removePin(requestId, options)) ctx.log.info(`${TYPE}: pin request ${requestId} for ${cid} was already gone`)
    } else {
      await unpin(cid, options)
    }
  } catch (err) {
    const e = err as { code?: string, status?: number }
    if (e.code === 'ERR_NOT_FOUND' || e.status === 404) {
      ctx.log.info(`${TYPE}: ${cid} was already gone from ${ctx.client.slug}`)
      return { state: null }
    }
    if (e.code === 'ERR_UNSUPPORTED_OPERATION') {
      return {
        state: null,
        diagnostics: [{ severity: 'warning', summary: `${ctx.client.slug} cannot remove content through pinship`, detail: `${cid} was removed from the Terraform state but is still stored on ${ctx.client.slug}: remove it with the service's own tools if it should go.` }]
      }
    }
    if (e.code === 'ERR_ABORTED' && !ctx.signal.aborted) {
      throw errorAt(undefined, 'Timed out removing the content', `Removing ${cid} from ${ctx.client.slug} did not finish within the delete timeout (${formatDuration(timeoutMs)}). Run terraform destroy again, or raise timeouts.delete.`)
    }
    throw diagnosticsError(err, { doing: `Removing ${cid} from ${ctx.client.slug}` })
  }
  return { state: null }
}
