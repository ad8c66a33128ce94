import { readFileSync } from 'node:fs'

/**
 * The provider version these bindings describe: the package's own (the provider ships in the same package and its
 * filesystem mirror is laid out under this version). Both the source (`provider/cdk/`) and the builds
 * (`build/cdktn/`, `build/cdktf/`) sit two folders below package.json.
 */
export const PROVIDER_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** Registry address of the provider (`required_providers.pinship.source`). */
export const PROVIDER_SOURCE = 'registry.terraform.io/pinship/pinship'

/** Local name in `required_providers` and the `provider::pinship::…` function namespace. */
export const PROVIDER_NAME = 'pinship'
