import { defineError } from '../core/errors.js'

/** A `with:` value the action cannot use; the message names the input and what to write instead. */
export const InvalidInputError = defineError('ERR_INVALID_INPUT')
/** One or more services did not reach the state `wait-for` asked for. */
export const DeployFailedError = defineError('ERR_DEPLOY_FAILED')
/** Some of a closed pull request's previews could not be removed (they stay on record for a re-run). */
export const RemoveFailedError = defineError('ERR_REMOVE_FAILED')
