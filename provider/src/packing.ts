/**
 * The packing inputs `source`, `profile`, `hidden`, `exclude`, shared by `pinship_content` (write-only there) and
 * `data.pinship_cid`: their schema, their checks, and a pack that writes nothing (CIDs and sizes only).
 */
import { basename, resolve } from 'node:path'
import { DEFAULT_PROFILE, excludeFilter, excludeProblem, pack, PROFILE_NAMES, resolveCacheDir, type IgnoreFn, type OnProgress, type PackResult, type ProfileName } from '../../src/core/index.js'
import { DiagnosticsError, errorAt, type AttributeSchema, type Diagnostic, type TfObject } from './framework/types.js'
import { diagnosticsError, PACK_ATTRIBUTES } from './diagnose.js'
import { boolOf, isWhollyKnown, stringOf } from './tf-values.js'

export interface PackInputs {
  source: string
  profile: ProfileName
  hidden: boolean
  exclude: string[]
}

/** The schema of the four inputs; `writeOnly` for pinship_content (see content.ts for why). */
export function packAttributes (writeOnly: boolean): Record<string, AttributeSchema> {
  const wo = writeOnly ? { writeOnly: true } : {}
  const note = writeOnly ? ' Write-only: used to compute the CID at plan time, never stored in state (the CID is its fingerprint).' : ''
  return {
    source: {
      type: 'string',
      required: true,
      description: `Folder (or single file) to pack, e.g. "\${path.module}/dist"; relative paths are relative to the directory terraform runs in.${note}`,
      ...wo
    },
    profile: {
      type: 'string',
      optional: true,
      description: `CID profile: ${PROFILE_NAMES.map(p => `"${p}"`).join(', ')}. Each reproduces one outside tool's CIDs exactly. Default "${DEFAULT_PROFILE}".${note}`,
      ...wo
    },
    hidden: {
      type: 'bool',
      optional: true,
      description: `Include dot-files and dot-folders (a site's .well-known/ must ship). Default true.${note}`,
      ...wo
    },
    exclude: {
      type: ['list', 'string'],
      optional: true,
      description: `Paths to leave out, as globs relative to source, matched like the GitHub Action's exclude input ("**/*.map" at any depth, a trailing "/" for folders only, a leading "!" keeps something an earlier pattern excluded).${note}`,
      ...wo
    }
  }
}

/** Static checks of the known inputs. */
export function validatePackInputs (config: TfObject): Diagnostic[] {
  const out: Diagnostic[] = []
  const source = config.source
  if (typeof source === 'string' && source.trim() === '') {
    out.push({ severity: 'error', summary: 'Empty source', detail: 'source must name the folder (or file) to pack, e.g. "${path.module}/dist".', attribute: ['source'] })
  }
  const profile = stringOf(config.profile)
  if (profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(profile)) {
    out.push({ severity: 'error', summary: 'Unknown CID profile', detail: `profile ${JSON.stringify(profile)} is not one of ${PROFILE_NAMES.join(', ')}.`, attribute: ['profile'] })
  }
  if (Array.isArray(config.exclude)) {
    config.exclude.forEach((p, i) => {
      if (p === null) {
        out.push({ severity: 'error', summary: 'Null exclude pattern', detail: 'Each exclude entry must be a glob string such as "**/*.map".', attribute: ['exclude', i] })
        return
      }
      if (typeof p !== 'string') return
      const problem = excludeProblem(p)
      if (problem !== undefined) out.push({ severity: 'error', summary: 'Invalid exclude pattern', detail: `${problem}.`, attribute: ['exclude', i] })
    })
  }
  return out
}

/** The inputs when all are known; 'unknown' when any is not yet (values from other resources); throws on bad ones. */
export function packInputs (config: TfObject): PackInputs | 'unknown' {
  const bad = validatePackInputs(config)
  if (bad.length > 0) throw new DiagnosticsError(bad)
  for (const k of ['source', 'profile', 'hidden', 'exclude']) if (!isWhollyKnown(config[k])) return 'unknown'
  const source = stringOf(config.source)
  if (source === undefined) throw errorAt('source', 'Missing source', 'source must name the folder (or file) to pack, e.g. "${path.module}/dist".')
  return {
    source,
    profile: (stringOf(config.profile) ?? DEFAULT_PROFILE) as ProfileName,
    hidden: boolOf(config.hidden) ?? true,
    exclude: Array.isArray(config.exclude) ? config.exclude.filter((p): p is string => typeof p === 'string') : []
  }
}

/** The name deploy gives an upload when none is set: the folder's own name. */
export function defaultName (source: string): string {
  return basename(resolve(source))
}

/** Pack without writing anything: root CID, file count and bytes, CAR bytes. Errors name the attribute. */
export async function packOnly (inputs: PackInputs, options: { signal: AbortSignal, onProgress?: OnProgress }): Promise<PackResult> {
  try {
    return await pack(inputs.source, {
      profile: inputs.profile,
      hidden: inputs.hidden,
      ...ignoreOption(inputs),
      // one pass: a plan needs the root and the sizes, not the CAR CIDs
      carCids: false,
      // an unchanged folder is not read again at each plan (PINSHIP_CACHE_DIR, PINSHIP_NO_CACHE=1)
      ...cacheOption(),
      signal: options.signal,
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {})
    })
  } catch (err) {
    throw diagnosticsError(err, { doing: `Packing ${inputs.source}`, attributes: PACK_ATTRIBUTES })
  }
}

/** The pack cache for plan-time CIDs and deploys: the user's default unless PINSHIP_NO_CACHE=1. */
export function cacheOption (): { cacheDir?: string } {
  const dir = resolveCacheDir()
  return dir === undefined ? {} : { cacheDir: dir }
}

/** Deploy's `ignore` for the inputs. */
export function ignoreOf (inputs: PackInputs): IgnoreFn | undefined {
  return excludeFilter(inputs.exclude)
}

function ignoreOption (inputs: PackInputs): { ignore?: IgnoreFn } {
  const ignore = ignoreOf(inputs)
  return ignore !== undefined ? { ignore } : {}
}
