/**
 * resource "pinship_pin": a pin request on a Pinning Service API (`service = "psa"`, or `"local"` for pinship
 * serve's PSA face), addressed by its request id. A changed name, origins or meta is a PSA replace (POST
 * /pins/{requestid}: a new request id, updated in place); a changed cid is a new resource.
 */
import { checkCid, getPin, pin, removePin, replacePin, waitForPin, type PinRequest } from '../../../src/core/index.js'
import { errorAt, UNKNOWN, type ApplyRequest, type ApplyResponse, type CallContext, type Diagnostic, type PlanRequest, type PlanResponse, type ResourceType, type TfObject } from '../framework/types.js'
import type { Client } from '../client.js'
import { diagnostic, diagnosticsError } from '../diagnose.js'
import { formatDuration } from '../duration.js'
import { isUnknown, isWhollyKnown, stringListOf, stringMapOf, stringOf } from '../tf-values.js'

const TYPE = 'pinship_pin'
const WAIT_FOR_PIN = ['none', 'pinned'] as const
const DEFAULT_WAIT_FOR = 'pinned'
const MAX_ORIGINS = 20
const COMPUTED = ['request_id', 'status', 'delegates', 'created'] as const

export const pinResource: ResourceType<Client> = {
  name: TYPE,
  schema: {
    version: 0,
    block: {
      description: 'A pin of an existing CID on a Pinning Service API (provider service "psa", or "local" for pinship serve). Changing name, origins or meta replaces the pin request on the service (a new request_id) in place; changing cid creates a new pin.',
      attributes: {
        cid: { type: 'string', required: true, description: 'CID to pin (CIDv0 Qm… or CIDv1 bafy…). Changing it creates a new pin.' },
        name: { type: 'string', optional: true, description: 'Name of the pin on the service (at most 255 characters).' },
        origins: { type: ['list', 'string'], optional: true, description: `Multiaddrs of peers that already hold the content (at most ${MAX_ORIGINS}), e.g. "/dnsaddr/example.com/p2p/12D3Koo…", so the service can fetch it sooner.` },
        meta: { type: ['map', 'string'], optional: true, description: 'Extra key/value strings stored with the pin (the Pinning Service API\'s meta).' },
        wait_for: { type: 'string', optional: true, computed: true, description: `State the pin must reach before create or update succeeds: "none" (the service accepted the request) or "pinned". Default "${DEFAULT_WAIT_FOR}"; the provider's timeout bounds the wait.` },
        request_id: { type: 'string', computed: true, description: 'The service\'s id of the pin request (changes when name, origins or meta change). terraform import takes it.' },
        status: { type: 'string', computed: true, description: 'State of the pin: queued, pinning, pinned or failed. Refreshed on every refresh; a pin removed behind Terraform\'s back is planned for re-creation.' },
        delegates: { type: ['list', 'string'], computed: true, description: 'Multiaddrs of the service\'s peers that will hold the content (connect to them to speed up a transfer).' },
        created: { type: 'string', computed: true, description: 'When the service registered the pin request (RFC 3339).' }
      }
    }
  },

  validate: validatePin,

  async plan (req, ctx) {
    if (req.proposed === null || req.config === null) return { planned: null }
    return planPin(req, ctx)
  },

  async apply (req, ctx) {
    if (req.planned === null) return await deletePin(req, ctx)
    return await applyPin(req, ctx)
  },

  async read (req, ctx) {
    if (ctx.client.deferred) return { state: req.state }
    const requestId = stringOf(req.state.request_id)
    if (requestId === undefined) return { state: null }
    let p: PinRequest | null
    try {
      p = await getPin(requestId, ctx.client.op(ctx.signal))
    } catch (err) {
      throw diagnosticsError(err, { doing: `Reading pin request ${requestId} from ${ctx.client.slug}` })
    }
    if (p === null) {
      ctx.log.info(`${TYPE}: ${ctx.client.slug} no longer has pin request ${requestId}; it will be planned for re-creation`)
      return { state: null }
    }
    return { state: { ...req.state, ...computedOf(p) } }
  },

  async importState (id, ctx) {
    const requestId = id.trim()
    if (requestId === '') throw errorAt(undefined, 'Missing request id', 'Import a pin with its request id: terraform import pinship_pin.NAME <request_id> (the Pinning Service API\'s requestid).')
    let p: PinRequest | null
    try {
      p = await getPin(requestId, ctx.client.op(ctx.signal))
    } catch (err) {
      throw diagnosticsError(err, { doing: `Importing pin request ${requestId} from ${ctx.client.slug}` })
    }
    if (p === null) {
      throw errorAt(undefined, 'Pin request not found', `${ctx.client.slug} has no pin request ${JSON.stringify(requestId)} for this token. Check the id (a pin that was changed has a new request id) and the provider's service, endpoint and token.`)
    }
    return {
      state: {
        cid: p.cid,
        name: p.name ?? null,
        origins: p.origins.length > 0 ? p.origins : null,
        meta: Object.keys(p.meta).length > 0 ? p.meta : null,
        wait_for: DEFAULT_WAIT_FOR,
        ...computedOf(p)
      }
    }
  }
}

function computedOf (p: PinRequest): TfObject {
  return {
    request_id: p.requestId,
    status: p.pin ?? p.rawStatus ?? null,
    delegates: p.delegates,
    created: p.created ?? null
  }
}

function validatePin (config: TfObject): Diagnostic[] {
  const out: Diagnostic[] = []
  const cid = config.cid
  if (typeof cid === 'string') {
    try {
      checkCid(cid)
    } catch {
      out.push({ severity: 'error', summary: 'Invalid CID', detail: `cid ${JSON.stringify(cid)} is not a valid CID: give a CIDv1 (bafy…, bafk…) or CIDv0 (Qm…) string, for example pinship_content.site.cid.`, attribute: ['cid'] })
    }
  }
  const name = stringOf(config.name)
  if (name !== undefined && name.length > 255) {
    out.push({ severity: 'error', summary: 'Name too long', detail: `name has ${name.length} characters; the Pinning Service API keeps at most 255.`, attribute: ['name'] })
  }
  if (Array.isArray(config.origins)) {
    if (config.origins.length > MAX_ORIGINS) {
      out.push({ severity: 'error', summary: 'Too many origins', detail: `origins has ${config.origins.length} entries; the Pinning Service API takes at most ${MAX_ORIGINS}.`, attribute: ['origins'] })
    }
    config.origins.forEach((o, i) => {
      if (o === null || (typeof o === 'string' && !o.startsWith('/'))) {
        out.push({ severity: 'error', summary: 'Invalid origin', detail: `origins[${i}] must be a multiaddr such as "/ip4/203.0.113.7/tcp/4001/p2p/12D3Koo…"; got ${JSON.stringify(o)}.`, attribute: ['origins', i] })
      }
    })
  }
  const wait = stringOf(config.wait_for)
  if (wait !== undefined && !(WAIT_FOR_PIN as readonly string[]).includes(wait)) {
    out.push({ severity: 'error', summary: 'Invalid wait_for', detail: `wait_for must be "none" or "pinned"; got ${JSON.stringify(wait)}.`, attribute: ['wait_for'] })
  }
  return out
}

/** What the service was asked for, with null ≡ empty (the service answers [] and {} for "none"). */
function requested (o: TfObject): { known: boolean, key: string } {
  const known = isWhollyKnown(o.name) && isWhollyKnown(o.origins) && isWhollyKnown(o.meta)
  const meta = stringMapOf(o.meta) ?? {}
  const sortedMeta = Object.fromEntries(Object.keys(meta).sort().map(k => [k, meta[k]]))
  return { known, key: JSON.stringify([stringOf(o.name) ?? '', stringListOf(o.origins) ?? [], sortedMeta]) }
}

function checkService (ctx: CallContext<Client>): void {
  if (ctx.client.deferred) return
  const a = ctx.client.adapter()
  if (a.pin === undefined || a.getPin === undefined || a.replacePin === undefined || a.removePin === undefined) {
    throw errorAt(undefined, `pinship_pin needs a Pinning Service API, and ${ctx.client.slug} is not one`,
      `pinship_pin keeps a pin request by its request id, which only the IPFS Pinning Service API has. Use a provider block with service = "psa" (and the service's PSA endpoint), or service = "local" for pinship serve; use pinship_content to upload to ${ctx.client.slug}.`)
  }
}

function planPin (req: PlanRequest, ctx: CallContext<Client>): PlanResponse {
  const config = req.config as TfObject
  const invalid = validatePin(config)
  if (invalid.length > 0) return { planned: null, diagnostics: invalid }
  checkService(ctx)
  const prior = req.prior
  const planned: TfObject = {
    cid: config.cid,
    name: config.name,
    origins: config.origins,
    meta: config.meta,
    wait_for: config.wait_for === null ? DEFAULT_WAIT_FOR : config.wait_for
  }
  for (const k of COMPUTED) planned[k] = UNKNOWN
  if (prior === null) return { planned }
  if (isUnknown(config.cid) || config.cid !== prior.cid) return { planned, requiresReplace: ['cid'] }
  const now = requested(config)
  if (now.known && now.key === requested(prior).key) {
    // Same request (or only wait_for changed, which matters only while a request is made): keep what we know.
    for (const k of COMPUTED) planned[k] = prior[k]
  }
  return { planned }
}

function fieldsOf (o: TfObject): { name?: string, origins?: string[], meta?: Record<string, string> } {
  const name = stringOf(o.name)
  const origins = stringListOf(o.origins)
  const meta = stringMapOf(o.meta)
  return { ...(name !== undefined ? { name } : {}), ...(origins !== undefined ? { origins } : {}), ...(meta !== undefined ? { meta } : {}) }
}

async function applyPin (req: ApplyRequest, ctx: CallContext<Client>): Promise<ApplyResponse> {
  const planned = req.planned as TfObject
  if (!isUnknown(planned.request_id)) return { state: planned }
  const cid = stringOf(planned.cid)
  if (cid === undefined) throw errorAt('cid', 'cid still unknown at apply', 'cid must be known when the pin is made.')
  const op = ctx.client.op(ctx.signal)
  const fields = fieldsOf(planned)
  const priorId = req.prior !== null ? stringOf(req.prior.request_id) : undefined
  const doing = priorId !== undefined ? `Replacing pin request ${priorId} on ${ctx.client.slug}` : `Pinning ${cid} on ${ctx.client.slug}`
  let requestId: string | undefined
  try {
    const receipt = priorId !== undefined
      ? await replacePin(priorId, cid, { ...op, ...fields })
      : await pin(cid, { ...op, ...fields })
    requestId = receipt.requestId
  } catch (err) {
    throw diagnosticsError(err, { doing, attributes: { ERR_INVALID_CID: ['cid'] } })
  }
  if (requestId === undefined) throw errorAt(undefined, 'No request id from the service', `${ctx.client.slug} accepted the pin of ${cid} without a request id, so Terraform could not track it.`)
  ctx.log.info(`${TYPE}: pin request ${requestId} for ${cid}`, { service: ctx.client.slug })

  const wait = stringOf(planned.wait_for) ?? DEFAULT_WAIT_FOR
  const diagnostics: Diagnostic[] = []
  if (wait === 'pinned') {
    try {
      await waitForPin(cid, {
        ...op,
        requestId,
        wait: 'pinned',
        timeoutMs: ctx.client.timeoutMs,
        poll: ctx.client.poll,
        onState: s => ctx.log.info(`${TYPE}: ${cid} is ${s.pin ?? 'unknown to the service'}`, { request_id: requestId, raw_status: s.rawStatus })
      })
    } catch (err) {
      // The request exists on the service: keep it in state (Terraform taints it) rather than lose track of it.
      const d = diagnostic(err, { doing: `Waiting for ${cid} to be pinned on ${ctx.client.slug}` })
      diagnostics.push(err instanceof Error && (err as { code?: string }).code === 'ERR_WAIT_TIMEOUT'
        ? { ...d, detail: `${d.detail ?? ''}\n\nThe provider's timeout is ${formatDuration(ctx.client.timeoutMs)}.` }
        : d)
    }
  }
  let p: PinRequest | null
  try {
    p = await getPin(requestId, op)
  } catch (err) {
    p = null
    diagnostics.push(diagnostic(err, { doing: `Reading pin request ${requestId}` }))
  }
  const computed: TfObject = p !== null ? computedOf(p) : { request_id: requestId, status: null, delegates: [], created: null }
  const state: TfObject = { ...planned, ...computed }
  return diagnostics.length > 0 ? { state, diagnostics } : { state }
}

async function deletePin (req: ApplyRequest, ctx: CallContext<Client>): Promise<ApplyResponse> {
  const requestId = req.prior !== null ? stringOf(req.prior.request_id) : undefined
  if (requestId === undefined) return { state: null }
  try {
    const removed = await removePin(requestId, ctx.client.op(ctx.signal))
    if (!removed) ctx.log.info(`${TYPE}: pin request ${requestId} was already gone`)
  } catch (err) {
    throw diagnosticsError(err, { doing: `Removing pin request ${requestId} from ${ctx.client.slug}` })
  }
  return { state: null }
}

