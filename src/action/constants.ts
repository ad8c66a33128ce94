import { DEFAULT_PROFILE } from '../core/pack/api.js'
import type { ProfileName } from '../core/pack/api.js'
import { DEFAULT_TIMEOUT_MS, DEFAULT_WAIT } from '../core/deploy/api.js'
import type { WaitFor } from '../core/deploy/api.js'

/** Defaults shared by action.yml, getInputs() and the docs; a test checks action.yml says the same. */
export const DEFAULT_CID_PROFILE: ProfileName = DEFAULT_PROFILE
export const DEFAULT_HIDDEN = true
export const DEFAULT_WAIT_FOR: WaitFor = DEFAULT_WAIT
export const DEFAULT_TIMEOUT_MINUTES = DEFAULT_TIMEOUT_MS / 60_000
export const DEFAULT_PIN_NAME = '{owner}-{repo}-{sha7}'
export const DEFAULT_PR_COMMENT = true
export const DEFAULT_COMMIT_STATUS = true
export const DEFAULT_JOB_SUMMARY = true
export const DEFAULT_VERIFY = false
export const DEFAULT_REMOVE_PREVIEWS = true
/** `auto`: a GitHub deployment for pull requests, when the token may create one; `true` for every run; `false` never. */
export const DEPLOYMENTS_VALUES = ['auto', 'true', 'false'] as const
export type DeploymentsSetting = typeof DEPLOYMENTS_VALUES[number]
export const DEFAULT_DEPLOYMENTS: DeploymentsSetting = 'auto'
/** Environment of deployments from pushes (pull requests use `preview/pr-<n>`). */
export const DEFAULT_ENVIRONMENT = 'production'

/** The `service` value that means "pack only, upload nothing". */
export const SERVICE_NONE = 'none'
/** Commit status context: one status per commit, replaced on every run. */
export const STATUS_CONTEXT = 'pinship'
/** GitHub limits a commit status description to 140 characters. */
export const STATUS_DESCRIPTION_MAX = 140
