/** data "pinship_status": what the configured service says about a CID: pin state, per-peer pins, deals. */
import { checkCid, status } from '../../../src/core/index.js'
import type { Client } from '../client.js'
import { DEALS_ATTRIBUTE, dealsValue } from '../deals.js'
import { diagnosticsError } from '../diagnose.js'
import type { DataSourceType, Diagnostic } from '../framework/types.js'
import { errorAt } from '../framework/types.js'
import { stringOf } from '../tf-values.js'

export const statusDataSource: DataSourceType<Client> = {
  name: 'pinship_status',
  schema: {
    version: 0,
    block: {
      description: 'The state of a CID on the configured service: whether it is pinned, by which peers, and its Filecoin deals.',
      attributes: {
        cid: { type: 'string', required: true, description: 'CID to look up (CIDv0 Qm… or CIDv1 bafy…).' },
        status: { type: 'string', computed: true, description: 'Overall state on the service: queued, pinning, pinned or failed; null when the service does not know the CID.' },
        pins: {
          type: ['list', ['object', { service: 'string', peer_id: 'string', peer_name: 'string', status: 'string', raw_status: 'string' }]],
          computed: true,
          description: 'Where the CID is pinned: one entry per peer the service reports (peer_id, peer_name; null when the service does not name its peers), each with status (queued, pinning, pinned or failed) and the service\'s own word for it (raw_status). Empty when the service does not know the CID.'
        },
        deals: DEALS_ATTRIBUTE
      }
    }
  },

  validate (config) {
    const cid = stringOf(config.cid)
    if (cid === undefined) return []
    try {
      checkCid(cid)
      return []
    } catch {
      return [{ severity: 'error', summary: 'Invalid CID', detail: `cid ${JSON.stringify(cid)} is not a valid CID: give a CIDv1 (bafy…) or CIDv0 (Qm…) string.`, attribute: ['cid'] }] satisfies Diagnostic[]
    }
  },

  async read (config, ctx) {
    const cid = stringOf(config.cid)
    if (cid === undefined) throw errorAt('cid', 'cid not known yet', 'Terraform reads data.pinship_status once cid is known.')
    let s
    try {
      s = await status(cid, ctx.client.op(ctx.signal))
    } catch (err) {
      throw diagnosticsError(err, { doing: `Reading the status of ${cid} from ${ctx.client.slug}`, attributes: { ERR_INVALID_CID: ['cid'] } })
    }
    const pins = s.pin === null
      ? []
      : (s.peers !== undefined && s.peers.length > 0
          ? s.peers.map(p => ({ service: ctx.client.slug, peer_id: p.peerId ?? null, peer_name: p.peerName ?? null, status: p.pin, raw_status: p.rawStatus ?? null }))
          : [{ service: ctx.client.slug, peer_id: null, peer_name: null, status: s.pin, raw_status: s.rawStatus ?? null }])
    return { state: { cid, status: s.pin, pins, deals: dealsValue(s.deals) } }
  }
}
