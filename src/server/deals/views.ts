// The same local deals in each face's words: web3.storage `/status` (seed 001), NFT.Storage's Deal (seed 003), and
// the account page. `network` is always "local": these deals come from the local pipeline (deals/pipeline.ts).
import type { LocalDeal } from './pipeline.js'

const CAPITAL: Record<LocalDeal['status'], string> = { queued: 'Queued', published: 'Published', active: 'Active', failed: 'Failed', terminated: 'Terminated' }

/** web3.storage `GET /status/{cid}` deals (seed 001), plus seed 000's field names for clients that read those. */
export function web3Deal (d: LocalDeal): Record<string, unknown> {
  return {
    dealId: d.chainDealID ?? null,
    storageProvider: d.storageProvider,
    status: CAPITAL[d.status],
    pieceCid: d.pieceCid,
    dataCid: d.batchRootCid,
    dataModelSelector: d.dataModelSelector,
    activation: d.dealActivation ?? null,
    expiration: d.dealExpiration ?? null,
    created: d.created,
    updated: d.lastChanged,
    // seed 000's account-page object
    batchRootCid: d.batchRootCid,
    datamodelSelector: d.dataModelSelector,
    miner: d.storageProvider,
    chainDealID: d.chainDealID ?? null,
    statusText: d.statusText,
    lastChanged: d.lastChanged,
    network: 'local'
  }
}

/** NFT.Storage's Deal schema (seed 003). */
export function nftDeal (d: LocalDeal): Record<string, unknown> {
  return {
    batchRootCid: d.batchRootCid,
    lastChange: d.lastChanged,
    miner: d.storageProvider,
    network: 'local',
    pieceCid: d.pieceCid,
    status: d.status,
    statusText: d.statusText,
    ...(d.chainDealID !== undefined ? { chainDealID: d.chainDealID } : {}),
    ...(d.dealActivation !== undefined ? { dealActivation: d.dealActivation } : {}),
    ...(d.dealExpiration !== undefined ? { dealExpiration: d.dealExpiration } : {}),
    datamodelSelector: d.dataModelSelector
  }
}
