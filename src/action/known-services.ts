import { SERVICE_SLUGS } from '../core/services/index.js'

/** Service slugs the core can deploy to (its registry is the one list). */
export function knownServices (): string[] {
  return [...SERVICE_SLUGS]
}
