import { isPinshipError, MissingTokenError } from '../core/errors.js'
import { createService } from '../core/services/index.js'
import type { ServiceConfig } from '../core/services/api.js'
import { InvalidInputError } from './errors.js'
import { inWorkflowTerms } from './format.js'

/**
 * Builds each adapter once, without a request, so a missing token, a missing endpoint or unusable credentials
 * fail before anything is packed or posted. Skipped for dry runs: a fork's pull request has no secrets by design.
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
