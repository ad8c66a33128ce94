import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import * as core from '@actions/core'
import { PROFILE_NAMES } from '../core/pack/api.js'
import type { ProfileName } from '../core/pack/api.js'
import type { WaitFor } from '../core/deploy/api.js'
import type { ServiceConfig } from '../core/services/api.js'
import {
  DEFAULT_CID_PROFILE, DEFAULT_COMMIT_STATUS, DEFAULT_DEPLOYMENTS, DEFAULT_ENVIRONMENT, DEFAULT_HIDDEN,
  DEFAULT_JOB_SUMMARY, DEFAULT_PIN_NAME, DEFAULT_PR_COMMENT, DEFAULT_REMOVE_PREVIEWS, DEFAULT_TIMEOUT_MINUTES,
  DEFAULT_VERIFY, DEFAULT_WAIT_FOR, DEPLOYMENTS_VALUES
} from './constants.js'
import type { DeploymentsSetting } from './constants.js'
import { InvalidInputError } from './errors.js'
import { parseServices } from './services.js'
import { checkPinNameTemplate } from './pin-name.js'

/** The `with:` names, exactly as action.yml declares them. */
export enum Inputs {
  Path = 'path',
  Service = 'service',
  Endpoint = 'endpoint',
  Token = 'token',
  ServiceOptions = 'service-options',
  CidProfile = 'cid-profile',
  Hidden = 'hidden',
  Exclude = 'exclude',
  WaitFor = 'wait-for',
  TimeoutMinutes = 'timeout-minutes',
  ShardSize = 'shard-size',
  PinName = 'pin-name',
  Gateways = 'gateways',
  GithubToken = 'github-token',
  PrComment = 'pr-comment',
  CommitStatus = 'commit-status',
  JobSummary = 'job-summary',
  Verify = 'verify',
  RemovePreviews = 'remove-previews',
  Deployments = 'deployments',
  Environment = 'environment'
}

export const WAIT_FOR_VALUES: readonly WaitFor[] = ['none', 'uploaded', 'pinned', 'deal']
/** GitHub stops a job after 6 hours; a longer wait could never finish. */
export const MAX_TIMEOUT_MINUTES = 360

export interface ActionInputs {
  /** Absolute path of the folder (or file) to deploy. */
  path: string
  /** The `path` input as written, for messages and the comment marker. */
  pathInput: string
  /** Where to deploy; empty when `service: none` (pack only). */
  services: ServiceConfig[]
  /** CID profile for packing. @default DEFAULT_CID_PROFILE */
  profile: ProfileName
  /** Include dot-files. @default DEFAULT_HIDDEN */
  hidden: boolean
  /** @actions/glob patterns, relative to `path`, of entries to leave out. */
  exclude: string[]
  /** State every service must reach. @default DEFAULT_WAIT_FOR */
  waitFor: WaitFor
  /** Bound for uploads, retries and waiting. @default DEFAULT_TIMEOUT_MINUTES in ms */
  timeoutMs: number
  /** Largest CAR shard per upload request, in bytes; undefined = the core's default (the service's limit). */
  shardSize: number | undefined
  /** Pin name with `{owner}`, `{repo}`, `{sha}`, `{sha7}`, `{pr}` placeholders. @default DEFAULT_PIN_NAME */
  pinName: string
  /** Gateway base URLs for links; empty = the core's default. */
  gateways: string[]
  /** Token for comments and statuses; empty disables both. */
  githubToken: string
  /** @default DEFAULT_PR_COMMENT */
  prComment: boolean
  /** @default DEFAULT_COMMIT_STATUS */
  commitStatus: boolean
  /** @default DEFAULT_JOB_SUMMARY */
  jobSummary: boolean
  /** Fetch the root back through the first gateway and check it. @default DEFAULT_VERIFY */
  verify: boolean
  /** On `pull_request: closed`, remove the pull request's previews. @default DEFAULT_REMOVE_PREVIEWS */
  removePreviews: boolean
  /** GitHub deployments: `auto` for pull requests when the token may. @default DEFAULT_DEPLOYMENTS */
  deployments: DeploymentsSetting
  /** Environment of deployments from pushes. @default DEFAULT_ENVIRONMENT */
  environment: string
  /** Every secret value read, so messages can be scrubbed as well as masked. */
  secrets: string[]
}

export interface GetInputsOptions {
  /**
   * The run on `pull_request: closed` removes previews and deploys nothing, so `path` need not exist (the workflow
   * may skip its build then). @default false
   */
  closing?: boolean
}

/** Reads and validates every input; throws InvalidInputError before anything is uploaded or posted. */
export function getInputs (options: GetInputsOptions = {}): ActionInputs {
  // Secrets first: the runner masks only what it has been told about before the value reaches a log line.
  const secrets: string[] = []
  const secret = (name: string): string => {
    const value = core.getInput(name)
    if (value !== '') { core.setSecret(value); secrets.push(value) }
    return value
  }
  const token = secret(Inputs.Token)
  const githubToken = secret(Inputs.GithubToken)
  const serviceOptions = core.getMultilineInput(Inputs.ServiceOptions)
  const services = parseServices(core.getInput(Inputs.Service), {
    endpoint: core.getInput(Inputs.Endpoint),
    token,
    options: serviceOptions,
    onSecret: value => { core.setSecret(value); secrets.push(value) }
  })

  const pathInput = core.getInput(Inputs.Path)
  const pinName = core.getInput(Inputs.PinName) || DEFAULT_PIN_NAME
  checkPinNameTemplate(pinName)

  return {
    path: options.closing === true ? resolve(pathInput) : getPath(pathInput),
    pathInput,
    services,
    profile: getChoice(Inputs.CidProfile, PROFILE_NAMES, DEFAULT_CID_PROFILE),
    hidden: getBoolean(Inputs.Hidden, DEFAULT_HIDDEN),
    exclude: getExclude(),
    waitFor: getChoice(Inputs.WaitFor, WAIT_FOR_VALUES, DEFAULT_WAIT_FOR),
    timeoutMs: getTimeoutMinutes() * 60_000,
    shardSize: getShardSize(),
    pinName,
    gateways: getGateways(),
    githubToken,
    prComment: getBoolean(Inputs.PrComment, DEFAULT_PR_COMMENT),
    commitStatus: getBoolean(Inputs.CommitStatus, DEFAULT_COMMIT_STATUS),
    jobSummary: getBoolean(Inputs.JobSummary, DEFAULT_JOB_SUMMARY),
    verify: getBoolean(Inputs.Verify, DEFAULT_VERIFY),
    removePreviews: getBoolean(Inputs.RemovePreviews, DEFAULT_REMOVE_PREVIEWS),
    deployments: getChoice(Inputs.Deployments, DEPLOYMENTS_VALUES, DEFAULT_DEPLOYMENTS),
    environment: getEnvironment(),
    secrets
  }
}

function getPath (value: string): string {
  if (value === '') {
    throw new InvalidInputError(`Input \`${Inputs.Path}\` is required: set it to the folder your build wrote (for example \`path: dist\`).`)
  }
  const abs = resolve(value)
  let exists = true
  try { statSync(abs) } catch { exists = false }
  if (!exists) {
    throw new InvalidInputError(`Input \`${Inputs.Path}\`: ${JSON.stringify(value)} does not exist (looked at ${abs}). Run your build before this step, or fix the path.`)
  }
  return abs
}

function getBoolean (name: Inputs, fallback: boolean): boolean {
  // The runner fills in action.yml defaults; an empty value only happens when the action is run by hand.
  if (core.getInput(name) === '') return fallback
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new InvalidInputError(`Input \`${name}\` must be true or false, got ${JSON.stringify(core.getInput(name))}.`)
  }
}

function getChoice<T extends string> (name: Inputs, choices: readonly T[], fallback: T): T {
  const value = core.getInput(name)
  if (value === '') return fallback
  if (!(choices as readonly string[]).includes(value)) {
    throw new InvalidInputError(`Input \`${name}\` must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}.`)
  }
  return value as T
}

function getTimeoutMinutes (): number {
  const value = core.getInput(Inputs.TimeoutMinutes)
  if (value === '') return DEFAULT_TIMEOUT_MINUTES
  const minutes = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  if (!(minutes > 0 && minutes <= MAX_TIMEOUT_MINUTES)) {
    throw new InvalidInputError(`Input \`${Inputs.TimeoutMinutes}\` must be a number of minutes above 0 and at most ${MAX_TIMEOUT_MINUTES}; got ${JSON.stringify(value)}.`)
  }
  return minutes
}

/** The CLI's `--shard-size` forms (src/cli/commands/pack.ts parseByteSize), which the action cannot import without the CLI. */
const BYTE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3
}

/** "3000000", "100MB", "95MiB" → bytes; empty → undefined (the service's limit). */
export function parseShardSize (value: string): number | undefined {
  if (value.trim() === '') return undefined
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const factor = BYTE_UNITS[match?.[2].toLowerCase() ?? '']
  const bytes = match === null || factor === undefined ? NaN : Number(match[1]) * factor
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidInputError(`Input \`${Inputs.ShardSize}\` must be a positive whole number of bytes, such as 3000000, 100MB or 95MiB; got ${JSON.stringify(value)}.`)
  }
  return bytes
}

function getShardSize (): number | undefined {
  return parseShardSize(core.getInput(Inputs.ShardSize))
}

function getExclude (): string[] {
  const patterns = core.getMultilineInput(Inputs.Exclude).filter(p => !p.startsWith('#'))
  for (const pattern of patterns) {
    const bare = pattern.replace(/^!+/, '')
    if (isAbsolute(bare) || bare.startsWith('~') || bare.split(/[\\/]/).includes('..')) {
      throw new InvalidInputError(`Input \`${Inputs.Exclude}\`: ${JSON.stringify(pattern)} must be relative to \`${Inputs.Path}\` and stay inside it (for example \`**/*.map\`).`)
    }
  }
  return patterns
}

function getGateways (): string[] {
  const list = core.getInput(Inputs.Gateways).split(/[\s,]+/).filter(s => s !== '')
  return list.map(entry => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `https://${entry}`
    let url: URL
    try { url = new URL(withScheme) } catch {
      throw new InvalidInputError(`Input \`${Inputs.Gateways}\`: ${JSON.stringify(entry)} is not a gateway URL; write it like https://dweb.link.`)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new InvalidInputError(`Input \`${Inputs.Gateways}\`: ${JSON.stringify(entry)} must be an http(s) URL such as https://dweb.link.`)
    }
    return withScheme.replace(/\/+$/, '')
  })
}

function getEnvironment (): string {
  const value = core.getInput(Inputs.Environment).trim() || DEFAULT_ENVIRONMENT
  // GitHub's limit for environment names; `preview/pr-<n>` is the pull requests' own.
  if (value.length > 255 || /^preview\/pr-\d+$/.test(value)) {
    throw new InvalidInputError(`Input \`${Inputs.Environment}\` must be an environment name of at most 255 characters other than \`preview/pr-<n>\` (pull requests' own); got ${JSON.stringify(value)}.`)
  }
  return value
}
