/** `resource "pinship_pin"`: a pin of an existing CID on a pinning service (IPFS Pinning Service API semantics). */
import type { Construct } from 'constructs'
import { synthesizeHcl, synthesizeJson, type AttributeSpec } from './attributes.js'
import * as cdk from './terraform-cdk.js'
import { PROVIDER_NAME, PROVIDER_VERSION } from './version.js'

export interface PinConfig extends cdk.TerraformMetaArguments {
  /** The CID to pin (validated by the provider); a changed CID replaces the pin. */
  readonly cid: string
  /**
   * Name of the pin on the service (at most 255 characters); a change updates the pin in place (new `requestId`).
   * @default none
   */
  readonly name?: string
  /**
   * Multiaddrs of peers known to hold the content, to speed up the service's fetch.
   * @default none
   */
  readonly origins?: string[]
  /**
   * Free-form metadata stored with the pin.
   * @default none
   */
  readonly meta?: { [key: string]: string }
  /**
   * State the pin must reach before create or update succeeds: `none` (the service accepted the request) or
   * `pinned`; the provider's `timeout` bounds the wait.
   * @default "pinned"
   */
  readonly waitFor?: string
}

export class Pin extends cdk.TerraformResource {
  static readonly tfResourceType = 'pinship_pin'

  /** Attributes as the provider's schema declares them (checked against it in tests). */
  static readonly attributes: readonly AttributeSpec[] = [
    { name: 'cid', key: 'cid', type: 'string', required: true },
    { name: 'name', key: 'name', type: 'string', optional: true },
    { name: 'origins', key: 'origins', type: ['list', 'string'], optional: true },
    { name: 'meta', key: 'meta', type: ['map', 'string'], optional: true },
    { name: 'wait_for', key: 'waitFor', type: 'string', optional: true, computed: true },
    { name: 'request_id', key: 'requestId', type: 'string', computed: true },
    { name: 'status', key: 'status', type: 'string', computed: true },
    { name: 'delegates', key: 'delegates', type: ['list', 'string'], computed: true },
    { name: 'created', key: 'created', type: 'string', computed: true }
  ]

  /**
   * Generates configuration for an existing pin on `cdktn plan` / `cdktf plan`, to adopt it: importFromId is
   * the pin's request id (`terraform import pinship_pin.NAME <request_id>`).
   * @param scope the scope in which to define the import
   * @param importToId the construct id the generated configuration will use
   * @param importFromId what Terraform imports by
   * @param provider the provider (service) holding it
   */
  static generateConfigForImport (scope: Construct, importToId: string, importFromId: string, provider?: cdk.TerraformProvider): cdk.ImportableResource {
    return new cdk.ImportableResource(scope, importToId, { terraformResourceType: Pin.tfResourceType, importId: importFromId, ...(provider !== undefined ? { provider } : {}) })
  }

  private readonly config: PinConfig

  /**
   * @param scope the scope in which to define this construct
   * @param id a scoped construct id, unique amongst siblings
   * @param config the resource's arguments and meta-arguments (`provider`, `dependsOn`, `lifecycle`, …)
   */
  constructor (scope: Construct, id: string, config: PinConfig) {
    super(scope, id, {
      terraformResourceType: Pin.tfResourceType,
      terraformGeneratorMetadata: { providerName: PROVIDER_NAME, providerVersion: PROVIDER_VERSION, providerVersionConstraint: PROVIDER_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    })
    this.config = { ...config }
  }

  /** The pinned CID. */
  get cid (): string { return this.getStringAttribute('cid') }
  /** The pin's name on the service. */
  get name (): string { return this.getStringAttribute('name') }
  /** Origins given with the pin. */
  get origins (): string[] { return this.getListAttribute('origins') }
  /** Metadata stored with the pin. */
  get meta (): { [key: string]: string } { return this.getStringMapAttribute('meta') }
  /** What apply waits for. */
  get waitFor (): string { return this.getStringAttribute('wait_for') }
  /** The service's pin request id (changes when the pin is updated in place). */
  get requestId (): string { return this.getStringAttribute('request_id') }
  /** Pin status (`queued`, `pinning`, `pinned`, `failed`). */
  get status (): string { return this.getStringAttribute('status') }
  /** Multiaddrs of the service's peers holding the pin. */
  get delegates (): string[] { return this.getListAttribute('delegates') }
  /** When the service created the pin request (RFC 3339). */
  get created (): string { return this.getStringAttribute('created') }

  protected override synthesizeAttributes (): { [name: string]: any } {
    return synthesizeJson(this, Pin.attributes, this.config)
  }

  protected override synthesizeHclAttributes (): { [name: string]: any } {
    return synthesizeHcl(this, Pin.attributes, this.config)
  }
}
