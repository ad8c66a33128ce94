import { isAbsolute, resolve } from 'node:path'
import * as cdk from './terraform-cdk.js'

/**
 * Terraform runs in `cdktf.out/stacks/<stack>/`, so a relative `source` would point somewhere else there. A literal
 * relative path is made absolute against the app's working directory at synth time; tokens pass through.
 */
export function resolveSource (source: string): string {
  if (typeof source !== 'string' || cdk.Token.isUnresolved(source) || isAbsolute(source)) return source
  return resolve(source)
}
