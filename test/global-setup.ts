import { ensureProviderBuilt } from './helpers/provider-build.js'

/** Build the Terraform provider once, before any test file runs (terraform and CDK tests install it offline). */
export default async function setup (): Promise<void> {
  await ensureProviderBuilt()
}
