/**
 * The provider's functions (Terraform ≥ 1.8), as tokens that render `provider::pinship::NAME(…)`. They work through
 * the expression call both libraries share, so CDK Terrain also records them for its `targetVersions` check.
 * Terraform evaluates them, so they take tokens (a resource's `cid`) as readily as literal strings.
 */
import * as cdk from './terraform-cdk.js'
import { PROVIDER_NAME } from './version.js'

function invoke (name: string, args: Array<string | undefined>, localName: string): string {
  return cdk.Token.asString(cdk.call(`provider::${localName}::${name}`, args as string[]))
}

export class PinshipFunctions {
  /** Function names as the provider declares them (checked against its schema in tests). */
  static readonly names = ['cid_v1', 'gateway_url', 'dnslink'] as const

  /**
   * `provider::pinship::cid_v1(cid)`: the CID as base32 CIDv1 (what subdomain gateways need).
   * @param cid a CID, v0 or v1
   * @param localName the provider's local name in `required_providers`
   * @default localName "pinship"
   */
  static cidV1 (cid: string, localName: string = PROVIDER_NAME): string {
    return invoke('cid_v1', [cid], localName)
  }

  /**
   * `provider::pinship::gateway_url(cid, gateway)`: the subdomain URL of `cid` on `gateway`
   * (`https://<cidv1>.ipfs.<gateway host>/`).
   * @param cid a CID, v0 or v1
   * @param gateway a gateway base URL such as `https://dweb.link`
   * @param localName the provider's local name in `required_providers`
   * @default localName "pinship"
   */
  static gatewayUrl (cid: string, gateway: string, localName: string = PROVIDER_NAME): string {
    return invoke('gateway_url', [cid, gateway], localName)
  }

  /**
   * `provider::pinship::dnslink(cid)`: the DNSLink TXT record value, `dnslink=/ipfs/<cid>`.
   * @param cid a CID, v0 or v1
   * @param localName the provider's local name in `required_providers`
   * @default localName "pinship"
   */
  static dnslink (cid: string, localName: string = PROVIDER_NAME): string {
    return invoke('dnslink', [cid], localName)
  }

  private constructor () {}
}
