/**
 * Typed access to the computed lists of objects: `deals` (`content.deals.get(0).pieceCid`) and the `pins` of
 * `DataPinshipStatus` (`status.pins.get(0).peerId`). A whole list is a token too: `Token.asAny(content.deals)`.
 */
import * as cdk from './terraform-cdk.js'
import type { AttributeType } from './attributes.js'

/** Terraform type of `deals` (the same on `pinship_content` and `pinship_status`). */
export const DEALS_TYPE: AttributeType = ['list', ['object', {
  provider: 'string',
  status: 'string',
  piece_cid: 'string',
  deal_id: 'number',
  activation: 'string',
  expiration: 'string'
}]]

/** One Filecoin deal of stored content. */
export class DealOutputReference extends cdk.ComplexObject {
  /**
   * @param terraformResource the resource or data source holding the list
   * @param terraformAttribute the list attribute (`deals`)
   * @param complexObjectIndex the index in the list
   * @param complexObjectIsFromSet whether the list wraps a set
   */
  constructor (terraformResource: cdk.IInterpolatingParent, terraformAttribute: string, complexObjectIndex: number, complexObjectIsFromSet: boolean) {
    super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex)
  }

  /** Storage provider (miner) id, e.g. `f01234`. */
  get provider (): string { return this.getStringAttribute('provider') }
  /** Deal state as the service reports it (`queued`, `published`, `active`, …). */
  get status (): string { return this.getStringAttribute('status') }
  /** Piece CID of the aggregate holding the content. */
  get pieceCid (): string { return this.getStringAttribute('piece_cid') }
  /** On-chain deal id. */
  get dealId (): number { return this.getNumberAttribute('deal_id') }
  /** When the deal became active (RFC 3339), if it has. */
  get activation (): string { return this.getStringAttribute('activation') }
  /** When the deal expires (RFC 3339). */
  get expiration (): string { return this.getStringAttribute('expiration') }
}

/** The `deals` list of a `Content` or `DataPinshipStatus`. */
export class DealList extends cdk.ComplexList {
  /**
   * @param terraformResource the resource or data source holding the list
   * @param terraformAttribute the list attribute (`deals`)
   * @param wrapsSet whether the list wraps a set
   */
  constructor (terraformResource: cdk.IInterpolatingParent, terraformAttribute: string, wrapsSet: boolean) {
    super(terraformResource, terraformAttribute, wrapsSet)
  }

  /** The deal at `index`. */
  get (index: number): DealOutputReference {
    return new DealOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet)
  }
}

/** Terraform type of `pins` of `pinship_status`. */
export const STATUS_PINS_TYPE: AttributeType = ['list', ['object', {
  service: 'string',
  peer_id: 'string',
  peer_name: 'string',
  status: 'string',
  raw_status: 'string'
}]]

/** One peer's pin of a CID, as `pinship_status` reports it. */
export class StatusPinOutputReference extends cdk.ComplexObject {
  /**
   * @param terraformResource the data source holding the list
   * @param terraformAttribute the list attribute (`pins`)
   * @param complexObjectIndex the index in the list
   * @param complexObjectIsFromSet whether the list wraps a set
   */
  constructor (terraformResource: cdk.IInterpolatingParent, terraformAttribute: string, complexObjectIndex: number, complexObjectIsFromSet: boolean) {
    super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex)
  }

  /** The service reporting the pin. */
  get service (): string { return this.getStringAttribute('service') }
  /** The peer holding the pin (null when the service does not name its peers). */
  get peerId (): string { return this.getStringAttribute('peer_id') }
  /** The peer's name (null when the service does not name its peers). */
  get peerName (): string { return this.getStringAttribute('peer_name') }
  /** `queued`, `pinning`, `pinned` or `failed`. */
  get status (): string { return this.getStringAttribute('status') }
  /** The service's own word for the status. */
  get rawStatus (): string { return this.getStringAttribute('raw_status') }
}

/** The `pins` list of a `DataPinshipStatus`. */
export class StatusPinList extends cdk.ComplexList {
  /**
   * @param terraformResource the data source holding the list
   * @param terraformAttribute the list attribute (`pins`)
   * @param wrapsSet whether the list wraps a set
   */
  constructor (terraformResource: cdk.IInterpolatingParent, terraformAttribute: string, wrapsSet: boolean) {
    super(terraformResource, terraformAttribute, wrapsSet)
  }

  /** The pin at `index`. */
  get (index: number): StatusPinOutputReference {
    return new StatusPinOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet)
  }
}
