/** `resource "pinship_content"`: a folder (or file) packed, uploaded and pinned; its CID is known at plan time. */
import type { Construct } from 'constructs'
import { synthesizeHcl, synthesizeJson, type AttributeSpec, type BlockSpec } from './attributes.js'
import { DEALS_TYPE, DealList } from './deals.js'
import { resolveSource } from './source-path.js'
import * as cdk from './terraform-cdk.js'
import { PROVIDER_NAME, PROVIDER_VERSION } from './version.js'

/** Time bounds of a `pinship_content`'s operations, as durations such as `"90s"`, `"10m"`, `"1h30m"`. */
export interface ContentTimeouts {
  /**
   * Upload and wait (`wait_for`) on create.
   * @default the provider's `timeout`
   */
  readonly create?: string
  /**
   * Update in place (a changed `name` or `wait_for`).
   * @default the provider's `timeout`
   */
  readonly update?: string
  /**
   * Removing the upload and its pin.
   * @default the provider's `timeout`
   */
  readonly delete?: string
}

export interface ContentConfig extends cdk.TerraformMetaArguments {
  /**
   * Folder or file to pack and upload. Write-only (Terraform ≥ 1.11): sent with every plan, never stored in state.
   */
  readonly source: string
  /**
   * CID profile (a whole bundle of chunking and layout settings). Write-only.
   * @default "unixfs-v1-2025"
   */
  readonly profile?: string
  /**
   * Include hidden files (names starting with a dot). Write-only.
   * @default true
   */
  readonly hidden?: boolean | cdk.IResolvable
  /**
   * Globs of paths to leave out, relative to `source`. Write-only.
   * @default none
   */
  readonly exclude?: string[]
  /**
   * Name of the upload on the service (at most 255 characters).
   * @default the folder's own name
   */
  readonly name?: string
  /**
   * State the service must reach before create or update succeeds: `uploaded`, `pinned` or `deal` (an active
   * Filecoin deal, only on services that report deals).
   * @default "pinned"
   */
  readonly waitFor?: string
  /**
   * Time bounds per operation.
   * @default the provider's `timeout` for each
   */
  readonly timeouts?: ContentTimeouts
}

export class Content extends cdk.TerraformResource {
  static readonly tfResourceType = 'pinship_content'

  /** Attributes as the provider's schema declares them (checked against it in tests). */
  static readonly attributes: readonly AttributeSpec[] = [
    { name: 'source', key: 'source', type: 'string', required: true, writeOnly: true },
    { name: 'profile', key: 'profile', type: 'string', optional: true, writeOnly: true },
    { name: 'hidden', key: 'hidden', type: 'bool', optional: true, writeOnly: true },
    { name: 'exclude', key: 'exclude', type: ['list', 'string'], optional: true, writeOnly: true },
    { name: 'name', key: 'name', type: 'string', optional: true, computed: true },
    { name: 'wait_for', key: 'waitFor', type: 'string', optional: true, computed: true },
    { name: 'cid', key: 'cid', type: 'string', computed: true },
    { name: 'size', key: 'size', type: 'number', computed: true },
    { name: 'car_size', key: 'carSize', type: 'number', computed: true },
    { name: 'files', key: 'files', type: 'number', computed: true },
    { name: 'url', key: 'url', type: 'string', computed: true },
    { name: 'urls', key: 'urls', type: ['list', 'string'], computed: true },
    { name: 'status', key: 'status', type: 'string', computed: true },
    { name: 'deals', key: 'deals', type: DEALS_TYPE, computed: true }
  ]

  static readonly blocks: readonly BlockSpec[] = [{
    name: 'timeouts',
    key: 'timeouts',
    nesting: 'single',
    attributes: [
      { name: 'create', key: 'create', type: 'string', optional: true },
      { name: 'update', key: 'update', type: 'string', optional: true },
      { name: 'delete', key: 'delete', type: 'string', optional: true }
    ]
  }]

  /**
   * Generates configuration for an existing content on `cdktn plan` / `cdktf plan`, to adopt it: importFromId is
   * the content's CID (`terraform import pinship_content.NAME <cid>`).
   * @param scope the scope in which to define the import
   * @param importToId the construct id the generated configuration will use
   * @param importFromId what Terraform imports by
   * @param provider the provider (service) holding it
   */
  static generateConfigForImport (scope: Construct, importToId: string, importFromId: string, provider?: cdk.TerraformProvider): cdk.ImportableResource {
    return new cdk.ImportableResource(scope, importToId, { terraformResourceType: Content.tfResourceType, importId: importFromId, ...(provider !== undefined ? { provider } : {}) })
  }

  private readonly config: ContentConfig
  private readonly _deals = new DealList(this, 'deals', false)

  /**
   * @param scope the scope in which to define this construct
   * @param id a scoped construct id, unique amongst siblings
   * @param config the resource's arguments and meta-arguments (`provider`, `dependsOn`, `lifecycle`, …)
   */
  constructor (scope: Construct, id: string, config: ContentConfig) {
    super(scope, id, {
      terraformResourceType: Content.tfResourceType,
      terraformGeneratorMetadata: { providerName: PROVIDER_NAME, providerVersion: PROVIDER_VERSION, providerVersionConstraint: PROVIDER_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    })
    this.config = { ...config, source: resolveSource(config.source) }
  }

  /** Root CID of the packed folder, computed during plan. */
  get cid (): string { return this.getStringAttribute('cid') }
  /** Total size of the files in bytes. */
  get size (): number { return this.getNumberAttribute('size') }
  /** Size of the uploaded CAR data in bytes. */
  get carSize (): number { return this.getNumberAttribute('car_size') }
  /** Number of files packed. */
  get files (): number { return this.getNumberAttribute('files') }
  /** The content on the first gateway (subdomain form when the gateway has one). */
  get url (): string { return this.getStringAttribute('url') }
  /** The content on every gateway of the provider. */
  get urls (): string[] { return this.getListAttribute('urls') }
  /** State on the service: `uploaded`, `queued`, `pinning`, `pinned` or `failed`. */
  get status (): string { return this.getStringAttribute('status') }
  /** Filecoin deals of the content, when the service makes them. */
  get deals (): DealList { return this._deals }
  /** The upload's name on the service. */
  get name (): string { return this.getStringAttribute('name') }
  /** What apply waits for. */
  get waitFor (): string { return this.getStringAttribute('wait_for') }

  protected override synthesizeAttributes (): { [name: string]: any } {
    return synthesizeJson(this, Content.attributes, this.config, Content.blocks)
  }

  protected override synthesizeHclAttributes (): { [name: string]: any } {
    return synthesizeHcl(this, Content.attributes, this.config, Content.blocks)
  }
}
