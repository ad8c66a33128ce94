import { InvalidArgumentError, InvalidShardSizeError } from '../errors.js'
import { DEFAULT_PROFILE, type PackOptions } from './api.js'
import { resolveProfile, type CidProfile } from './profiles.js'

/** PackOptions after validation, every default applied. */
export interface ResolvedPackOptions extends Omit<PackOptions, 'profile' | 'hidden' | 'wrap' | 'allowEmpty'> {
  profile: CidProfile
  hidden: boolean
  wrap: boolean
  allowEmpty: boolean
}

export const DEFAULT_HIDDEN = true
export const DEFAULT_WRAP = false
export const DEFAULT_ALLOW_EMPTY = false

function describe (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return typeof value
}

function expectBoolean (options: PackOptions, key: 'hidden' | 'wrap' | 'allowEmpty' | 'carCids'): void {
  const value = options[key]
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(`Expected \`${key}\` to be a boolean, got ${describe(value)}.`)
  }
}

function expectFunction (options: PackOptions, key: 'ignore' | 'onShard' | 'onProgress' | 'skipHeld' | 'holdsRoot'): void {
  const value = options[key]
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(`Expected \`${key}\` to be a function, got ${describe(value)}.`)
  }
}

/** Checks every option before anything is read or written, with a message naming the option and the bad value. */
export function resolvePackOptions (path: unknown, options: PackOptions = {}): ResolvedPackOptions {
  if (typeof path !== 'string' || path === '') {
    throw new InvalidArgumentError(`Expected the path to pack to be a non-empty string, got ${describe(path)}.`)
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`Expected pack options to be an object, got ${describe(options)}.`)
  }
  const profile = resolveProfile(options.profile ?? DEFAULT_PROFILE)
  expectBoolean(options, 'hidden')
  expectBoolean(options, 'wrap')
  expectBoolean(options, 'allowEmpty')
  expectBoolean(options, 'carCids')
  expectFunction(options, 'ignore')
  expectFunction(options, 'onShard')
  expectFunction(options, 'onProgress')
  expectFunction(options, 'skipHeld')
  expectFunction(options, 'holdsRoot')
  if (options.holdsRoot !== undefined && options.skipHeld === undefined) {
    throw new InvalidArgumentError('`holdsRoot` needs `skipHeld`: it only spares the question about every block.')
  }
  if (options.skipHeld !== undefined && (options.onShard === undefined || options.output === undefined)) {
    throw new InvalidArgumentError('`skipHeld` needs `onShard` and `output`: only a two-pass pack knows every block before it writes one.')
  }
  if (options.output !== undefined && (typeof options.output !== 'string' || options.output === '')) {
    throw new InvalidArgumentError(`Expected \`output\` to be a non-empty path, got ${describe(options.output)}.`)
  }
  if (options.cacheDir !== undefined && (typeof options.cacheDir !== 'string' || options.cacheDir === '')) {
    throw new InvalidArgumentError(`Expected \`cacheDir\` to be a non-empty path, got ${describe(options.cacheDir)}.`)
  }
  const shardSize = options.shardSize
  if (shardSize !== undefined && (typeof shardSize !== 'number' || !Number.isSafeInteger(shardSize) || shardSize <= 0)) {
    throw new InvalidShardSizeError(`Expected the shard size to be a positive whole number of bytes, got ${describe(shardSize)}.`)
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`Expected \`signal\` to be an AbortSignal, got ${describe(options.signal)}.`)
  }
  return {
    ...options,
    profile,
    hidden: options.hidden ?? DEFAULT_HIDDEN,
    wrap: options.wrap ?? DEFAULT_WRAP,
    allowEmpty: options.allowEmpty ?? DEFAULT_ALLOW_EMPTY
  }
}
