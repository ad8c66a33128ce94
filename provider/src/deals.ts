/** Filecoin deals as Terraform values (pinship_content and data.pinship_status). */
import type { Deal } from '../../src/core/index.js'
import type { AttributeSchema, TfObject, TfType } from './framework/types.js'

export const DEAL_TYPE: TfType = ['object', {
  provider: 'string',
  status: 'string',
  piece_cid: 'string',
  deal_id: 'number',
  activation: 'string',
  expiration: 'string'
}]

export const DEALS_ATTRIBUTE: AttributeSchema = {
  type: ['list', DEAL_TYPE],
  computed: true,
  description: 'Filecoin deals the service reports for the CID: provider (storage provider id), status (queued, published, active or failed), piece_cid, deal_id (a number), activation and expiration (RFC 3339 times). Empty for services that make no deals.'
}

function dealId (id: Deal['dealId']): number | null {
  if (typeof id === 'number' && Number.isFinite(id)) return id
  if (typeof id === 'string' && /^\d+$/.test(id)) return Number(id)
  return null
}

export function dealsValue (deals: Deal[]): TfObject[] {
  return deals.map(d => ({
    provider: d.storageProvider ?? null,
    status: d.status,
    piece_cid: d.pieceCid ?? null,
    deal_id: dealId(d.dealId),
    activation: d.activation ?? null,
    expiration: d.expiration ?? null
  }))
}
