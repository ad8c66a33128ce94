/**
 * Typed access to a computed `deals` attribute (list of objects): `content.deals.get(0).pieceCid`, or the whole list
 * as a token with `Token.asAny(content.deals)`.
 */
import * as cdk from './terraform-cdk.js'
import type { AttributeType } from './attributes.js'

/** Terraform type of `deals` (the same on `pinship_content` and `pinship_status`). */
export const DEALS_TYPE: AttributeType = ['list', ['object', {
  provider: 'string',
  status: 'string',
  piece_cid: 'string',
  deal_id: 'string',
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
  get dealId (): string { return this.getStringAttribute('deal_id') }
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
