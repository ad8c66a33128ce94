import { isPinshipError, MissingTokenError } from '../core/errors.js'
import { checkServiceConfig, createService } from '../core/services/index.js'
import type { ServiceConfig } from '../core/services/api.js'
import type { RunContext } from './context.js'
import { InvalidInputError } from './errors.js'
import { inWorkflowTerms } from './format.js'
import type { SkipReason } from './report.js'

/**
 * Why this run only packs, if it does: `service: none`; a fork's pull request (never any secrets); a Dependabot pull
 * request whose step got no token for a service that needs one (its secrets are Dependabot secrets, which a
 * repository may or may not have filled in; when it has, the deploy goes ahead as on any other run).
 */
export function skipReason (services: ServiceConfig[], context: RunContext): SkipReason | undefined {
  if (services.length === 0) return 'service-none'
  if (context.fork) return 'fork'
  if (context.dependabot && services.some(missingToken)) return 'dependabot'
  return undefined
}

/** The `token` input and `service-options` gave this service no token, and it needs one. */
function missingToken (config: ServiceConfig): boolean {
  try {
    checkServiceConfig(config)
    return false
  } catch (err) {
    // Any other problem (an unusable endpoint) is checkServices' to report.
    return isPinshipError(err) && err.code === MissingTokenError.code
  }
}

/**
 * Builds each adapter once, without a request, so a missing token, a missing endpoint or unusable credentials
 * fail before anything is packed or posted. Skipped for dry runs: a fork's pull request has no secrets by design,
 * nor has a Dependabot pull request when the token is not among the repository's Dependabot secrets.
 */
export function checkServices (services: ServiceConfig[]): void {
  for (const config of services) {
    try {
      createService(config)
    } catch (err) {
      if (!isPinshipError(err)) throw err
      // The core words its messages for the CLI (--token, PINSHIP_TOKEN); say where that goes in a workflow.
      const where = err.code === MissingTokenError.code
        ? `In the workflow, pass it from a secret: \`token: \${{ secrets.… }}\` or \`service-options: ${config.service}.token=\${{ secrets.… }}\`.`
        : `In the workflow, set it with \`endpoint\`, \`token\` or \`service-options: ${config.service}.<key>=…\`.`
      throw new InvalidInputError(`${inWorkflowTerms(err.message)}. ${where}`, { cause: err })
    }
  }
}
