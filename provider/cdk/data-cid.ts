/** `data "pinship_cid"`: the CID a folder packs to, with no upload (to wire it into DNS records or other providers). */
import type { Construct } from 'constructs'
import { synthesizeHcl, synthesizeJson, type AttributeSpec } from './attributes.js'
import { resolveSource } from './source-path.js'
import * as cdk from './terraform-cdk.js'
import { PROVIDER_NAME, PROVIDER_VERSION } from './version.js'

export interface DataPinshipCidConfig extends cdk.TerraformMetaArguments {
  /** Folder or file to pack. */
  readonly source: string
  /**
   * CID profile.
   * @default "unixfs-v1-2025"
   */
  readonly profile?: string
  /**
   * Include hidden files (names starting with a dot).
   * @default true
   */
  readonly hidden?: boolean | cdk.IResolvable
  /**
   * Globs of paths to leave out, relative to `source`.
   * @default none
   */
  readonly exclude?: string[]
}

export class DataPinshipCid extends cdk.TerraformDataSource {
  static readonly tfResourceType = 'pinship_cid'

  /** Attributes as the provider's schema declares them (checked against it in tests). */
  static readonly attributes: readonly AttributeSpec[] = [
    { name: 'source', key: 'source', type: 'string', required: true },
    { name: 'profile', key: 'profile', type: 'string', optional: true },
    { name: 'hidden', key: 'hidden', type: 'bool', optional: true },
    { name: 'exclude', key: 'exclude', type: ['list', 'string'], optional: true },
    { name: 'cid', key: 'cid', type: 'string', computed: true },
    { name: 'size', key: 'size', type: 'number', computed: true },
    { name: 'files', key: 'files', type: 'number', computed: true }
  ]

  private readonly config: DataPinshipCidConfig

  /**
   * @param scope the scope in which to define this construct
   * @param id a scoped construct id, unique amongst siblings
   * @param config the data source's arguments and meta-arguments
   */
  constructor (scope: Construct, id: string, config: DataPinshipCidConfig) {
    super(scope, id, {
      terraformResourceType: DataPinshipCid.tfResourceType,
      terraformGeneratorMetadata: { providerName: PROVIDER_NAME, providerVersion: PROVIDER_VERSION, providerVersionConstraint: PROVIDER_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach
    })
    this.config = { ...config, source: resolveSource(config.source) }
  }

  /** The packed folder (as configured; an absolute path). */
  get source (): string { return this.getStringAttribute('source') }
  /** The CID profile used. */
  get profile (): string { return this.getStringAttribute('profile') }
  /** Whether hidden files were included. */
  get hidden (): cdk.IResolvable { return this.getBooleanAttribute('hidden') }
  /** Globs left out. */
  get exclude (): string[] { return this.getListAttribute('exclude') }
  /** Root CID of the packed folder. */
  get cid (): string { return this.getStringAttribute('cid') }
  /** Total size of the files in bytes. */
  get size (): number { return this.getNumberAttribute('size') }
  /** Number of files packed. */
  get files (): number { return this.getNumberAttribute('files') }

  protected override synthesizeAttributes (): { [name: string]: any } {
    return synthesizeJson(this, DataPinshipCid.attributes, this.config)
  }

  protected override synthesizeHclAttributes (): { [name: string]: any } {
    return synthesizeHcl(this, DataPinshipCid.attributes, this.config)
  }
}
