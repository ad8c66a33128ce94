/** `data "pinship_status"`: the live pin status and Filecoin deals of a CID on the provider's service. */
import type { Construct } from 'constructs'
import { synthesizeHcl, synthesizeJson, type AttributeSpec } from './attributes.js'
import { DEALS_TYPE, DealList, STATUS_PINS_TYPE, StatusPinList } from './deals.js'
import * as cdk from './terraform-cdk.js'
import { PROVIDER_NAME, PROVIDER_VERSION } from './version.js'

export interface DataPinshipStatusConfig extends cdk.TerraformMetaArguments {
  /** The CID to look up. */
  readonly cid: string
}

export class DataPinshipStatus extends cdk.TerraformDataSource {
  static readonly tfResourceType = 'pinship_status'

  /** Attributes as the provider's schema declares them (checked against it in tests). */
  static readonly attributes: readonly AttributeSpec[] = [
    { name: 'cid', key: 'cid', type: 'string', required: true },
    { name: 'status', key: 'status', type: 'string', computed: true },
    { name: 'pins', key: 'pins', type: STATUS_PINS_TYPE, computed: true },
    { name: 'deals', key: 'deals', type: DEALS_TYPE, computed: true }
  ]

  private readonly config: DataPinshipStatusConfig
  private readonly _deals = new DealList(this, 'deals', false)
  private readonly _pins = new StatusPinList(this, 'pins', false)

  /**
   * @param scope the scope in which to define this construct
   * @param id a scoped construct id, unique amongst siblings
   * @param config the data source's arguments and meta-arguments
   */
  constructor (scope: Construct, id: string, config: DataPinshipStatusConfig) {
    super(scope, id, {
      terraformResourceType: DataPinshipStatus.tfResourceType,
      terraformGeneratorMetadata: { providerName: PROVIDER_NAME, providerVersion: PROVIDER_VERSION, providerVersionConstraint: PROVIDER_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach
    })
    this.config = { ...config }
  }

  /** The CID looked up. */
  get cid (): string { return this.getStringAttribute('cid') }
  /** Overall state on the service (`queued`, `pinning`, `pinned`, `failed`); null when the service does not know the CID. */
  get status (): string { return this.getStringAttribute('status') }
  /** Where the CID is pinned: one entry per peer the service reports. */
  get pins (): StatusPinList { return this._pins }
  /** Filecoin deals of the CID. */
  get deals (): DealList { return this._deals }

  protected override synthesizeAttributes (): { [name: string]: any } {
    return synthesizeJson(this, DataPinshipStatus.attributes, this.config)
  }

  protected override synthesizeHclAttributes (): { [name: string]: any } {
    return synthesizeHcl(this, DataPinshipStatus.attributes, this.config)
  }
}
