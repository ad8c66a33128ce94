/** `provider "pinship" {}`: one storage or pinning service. Several services = several providers with `alias`. */
import type { Construct } from 'constructs'
import { synthesizeHcl, synthesizeJson, type AttributeSpec } from './attributes.js'
import { PinshipFunctions } from './functions.js'
import * as cdk from './terraform-cdk.js'
import { PROVIDER_NAME, PROVIDER_SOURCE, PROVIDER_VERSION } from './version.js'

export interface PinshipProviderConfig {
  /**
   * The deploy service: a pinship service slug (`local`, `web3storage`, `psa`, `pinata`, `kubo`, `cluster`,
   * `filebase`, …). `local` is `pinship serve`, which takes both uploads and pins.
   * @default the `PINSHIP_SERVICE` environment variable, else "local"
   */
  readonly service?: string
  /**
   * API base URL of the service, e.g. `http://127.0.0.1:8787` for `pinship serve` (`local` and `psa` need one).
   * @default `PINSHIP_<SERVICE>_ENDPOINT` or `PINSHIP_ENDPOINT` from the environment, else the service's public endpoint
   */
  readonly endpoint?: string
  /**
   * API token (Bearer; `user:password` means HTTP Basic for kubo and cluster). Sensitive: never logged or shown.
   * @default the `PINSHIP_<SERVICE>_TOKEN` or `PINSHIP_TOKEN` environment variable
   */
  readonly token?: string
  /**
   * Time bound of each upload, pin and wait (retries included), as a duration such as `"90s"`, `"10m"` or
   * `"1h30m"`; a `Content`'s `timeouts` override it per operation.
   * @default pinship's DEFAULT_TIMEOUT_MS
   */
  readonly timeout?: string
  /**
   * Gateway base URLs for `url` and `urls` of `Content`, e.g. `["https://dweb.link"]`.
   * @default the service's own gateway for `local`, else pinship's DEFAULT_GATEWAYS
   */
  readonly gateways?: string[]
  /**
   * Alias of this provider block, to declare several services (`provider = "pinship.backup"` in HCL).
   * @default none (the default provider configuration)
   */
  readonly alias?: string
}

export class PinshipProvider extends cdk.TerraformProvider {
  /** Terraform type of the provider. */
  static readonly tfResourceType = PROVIDER_NAME

  /** The provider block's attributes, as the provider's schema declares them (checked against it in tests). */
  static readonly attributes: readonly AttributeSpec[] = [
    { name: 'service', key: 'service', type: 'string', optional: true },
    { name: 'endpoint', key: 'endpoint', type: 'string', optional: true },
    { name: 'token', key: 'token', type: 'string', optional: true, sensitive: true },
    { name: 'timeout', key: 'timeout', type: 'string', optional: true },
    { name: 'gateways', key: 'gateways', type: ['list', 'string'], optional: true }
  ]

  private readonly config: PinshipProviderConfig
  private _alias: string | undefined

  /**
   * @param scope the scope in which to define this construct
   * @param id a scoped construct id, unique amongst siblings
   * @param config the provider block
   */
  constructor (scope: Construct, id: string, config: PinshipProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: PROVIDER_NAME,
      terraformGeneratorMetadata: {
        providerName: PROVIDER_NAME,
        providerVersion: PROVIDER_VERSION,
        providerVersionConstraint: PROVIDER_VERSION
      },
      terraformProviderSource: PROVIDER_SOURCE
    })
    this.config = { ...config }
    this._alias = config.alias
  }

  override get alias (): string | undefined { return this._alias }
  override set alias (value: string | undefined) { this._alias = value }

  /** Provider-defined functions, called as `provider::pinship::NAME(…)` (Terraform ≥ 1.8). */
  get functions (): typeof PinshipFunctions { return PinshipFunctions }

  protected override synthesizeAttributes (): { [name: string]: any } {
    return { ...synthesizeJson(this, PinshipProvider.attributes, this.config), alias: cdk.stringToTerraform(this._alias) }
  }

  protected override synthesizeHclAttributes (): { [name: string]: any } {
    const attrs = synthesizeHcl(this, PinshipProvider.attributes, this.config)
    if (this._alias !== undefined) attrs.alias = { value: cdk.stringToHclTerraform(this._alias), isBlock: false, type: 'simple', storageClassType: 'string' }
    return attrs
  }
}
