/**
 * pinship's CDK constructs: `pinship/cdktn` (CDK Terrain) and `pinship/cdktf` (CDKTF 0.21), built from this one
 * source. Bindings for the pinship Terraform provider plus the `StaticSite` construct.
 */
export { PinshipProvider, type PinshipProviderConfig } from './provider.js'
export { Content, type ContentConfig, type ContentTimeouts } from './content.js'
export { Pin, type PinConfig } from './pin.js'
export { DataPinshipCid, type DataPinshipCidConfig } from './data-cid.js'
export { DataPinshipStatus, type DataPinshipStatusConfig } from './data-status.js'
export { DealList, DealOutputReference, StatusPinList, StatusPinOutputReference } from './deals.js'
export { PinshipFunctions } from './functions.js'
export { StaticSite, type StaticSiteConfig } from './static-site.js'
export type { AttributeSpec, AttributeType, BlockSpec } from './attributes.js'
export { PROVIDER_NAME, PROVIDER_SOURCE, PROVIDER_VERSION } from './version.js'
