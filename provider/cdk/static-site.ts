/**
 * A static site: a folder deployed as `Content` on one provider and pinned by CID on others, with its CID, gateway
 * URLs and DNSLink value as getters and as stack outputs.
 */
import { Construct } from 'constructs'
import { Content } from './content.js'
import { Pin } from './pin.js'
import type { PinshipProvider } from './provider.js'
import * as cdk from './terraform-cdk.js'

export interface StaticSiteConfig {
  /**
   * The built site: a folder (or one file). A relative path is resolved against the working directory of the CDK
   * app (where `cdktn synth` runs), not against Terraform's (`cdktf.out/stacks/<stack>`).
   */
  readonly source: string
  /**
   * Provider (service) that stores the content.
   * @default the stack's default `pinship` provider: a `PinshipProvider` declared without `alias`
   */
  readonly provider?: PinshipProvider
  /**
   * CID profile.
   * @default "unixfs-v1-2025"
   */
  readonly profile?: string
  /**
   * Name of the upload and of every pin.
   * @default the provider's default (the folder's name for the upload, none for pins)
   */
  readonly name?: string
  /**
   * Further providers that pin the site's CID (one `Pin` each), e.g. a second pinning service for redundancy.
   * @default none
   */
  readonly pinOn?: PinshipProvider[]
}

export class StaticSite extends Construct {
  /** The uploaded folder. */
  readonly content: Content
  /** One pin per `pinOn` provider, in the same order. */
  readonly pins: readonly Pin[]
  /** Stack outputs `cid`, `url`, `urls` and `dnslink` (nested under this construct's path). */
  readonly outputs: { readonly cid: cdk.TerraformOutput, readonly url: cdk.TerraformOutput, readonly urls: cdk.TerraformOutput, readonly dnslink: cdk.TerraformOutput }

  /**
   * @param scope the scope in which to define this construct
   * @param id a scoped construct id, unique amongst siblings
   * @param config the site
   */
  constructor (scope: Construct, id: string, config: StaticSiteConfig) {
    super(scope, id)
    if (typeof config.source !== 'string' || config.source === '') {
      throw new TypeError(`StaticSite ${this.node.path}: expected \`source\` to be the path of the built site folder, got ${JSON.stringify(config.source)}`)
    }
    this.content = new Content(this, 'content', {
      source: config.source,
      ...(config.provider !== undefined ? { provider: config.provider } : {}),
      ...(config.profile !== undefined ? { profile: config.profile } : {}),
      ...(config.name !== undefined ? { name: config.name } : {})
    })
    const ids = new Set<string>()
    this.pins = (config.pinOn ?? []).map((provider, i) => {
      // Keyed by the provider's construct id, so reordering pinOn does not replace pins.
      let pinId = `pin-${provider.node.id}`
      if (ids.has(pinId)) pinId = `${pinId}-${i}`
      ids.add(pinId)
      return new Pin(this, pinId, {
        cid: this.content.cid,
        provider,
        ...(config.name !== undefined ? { name: config.name } : {})
      })
    })
    this.outputs = {
      cid: new cdk.TerraformOutput(this, 'cid', { value: this.cid, description: 'Root CID of the site' }),
      url: new cdk.TerraformOutput(this, 'url', { value: this.url, description: 'The site on the first gateway' }),
      urls: new cdk.TerraformOutput(this, 'urls', { value: this.urls, description: 'The site on every gateway' }),
      dnslink: new cdk.TerraformOutput(this, 'dnslink', { value: this.dnslink, description: 'DNSLink TXT record value (_dnslink.<domain>)' })
    }
  }

  /** Root CID of the site (known at plan time). */
  get cid (): string { return this.content.cid }
  /** The site on the first gateway. */
  get url (): string { return this.content.url }
  /** The site on every gateway of the storing provider. */
  get urls (): string[] { return this.content.urls }
  /**
   * `dnslink=/ipfs/<cid>`, for a `_dnslink.<domain>` TXT record: what `PinshipFunctions.dnslink` returns, written as
   * a string template because the CDK CLIs' `synth --hcl` formatter splits `provider::pinship::…` calls (its HCL
   * library predates namespaced functions), and the CID is the provider's own, so there is nothing to validate.
   */
  get dnslink (): string { return `dnslink=/ipfs/${this.content.cid}` }
}
