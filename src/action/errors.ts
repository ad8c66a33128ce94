import { defineError } from '../core/errors.js'

/** A `with:` value the action cannot use; the message names the input and what to write instead. */
export const InvalidInputError = defineError('ERR_INVALID_INPUT')
/** One or more services did not reach the state `wait-for` asked for. */
export const DeployFailedError = defineError('ERR_DEPLOY_FAILED')
