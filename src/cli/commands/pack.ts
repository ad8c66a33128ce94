import type { Command } from 'commander'
import { InvalidShardSizeError } from '../../core/errors.js'
import { DEFAULT_PROFILE, PROFILE_NAMES, excludeFilter, pack, resolveCacheDir, type PackResult, type ProfileName } from '../../core/pack/index.js'
import type { OnProgress, ProgressEvent } from '../../core/progress.js'
import { createProgressRenderer, formatBytes, plural } from '../render.js'

interface PackCommandOptions {
  profile: string
  hidden: boolean
  wrap?: boolean
  output?: string
  shardSize?: string
  exclude: string[]
  allowEmpty?: boolean
  json?: boolean
  cache: boolean
  cacheDir?: string
}

export function collect (value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** The --exclude help text, shared by pack and deploy: the same patterns as the Action's `exclude` input. */
export const EXCLUDE_HELP = 'leave out paths matching this glob, relative to the folder (repeatable; `**/*.map` at any depth, `drafts/` for folders only, `!pattern` to keep what an earlier one left out)'

const UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3
}

/** "100000000", "100MB", "95MiB" → bytes. Throws InvalidShardSizeError with the accepted forms. */
export function parseByteSize (text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match?.[2].toLowerCase() ?? ''
  const factor = UNITS[unit]
  const bytes = match === null || factor === undefined ? NaN : Number(match[1]) * factor
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidShardSizeError(`Invalid shard size "${text}". Give a positive whole number of bytes, e.g. 100000000, 100MB or 95MiB.`)
  }
  return bytes
}

/** Milestone lines for pack events (the bytes bar is drawn by the renderer). */
export function describePackEvent (event: ProgressEvent): string | null | undefined {
  const detail = event.detail as Record<string, unknown>
  switch (event.type) {
    case 'pinship:pack:start':
      return `packing ${plural(Number(detail.files), 'file')} (${formatBytes(Number(detail.bytes))})`
    case 'pinship:pack:shard':
      return `shard ${Number(detail.index) + 1}: ${formatBytes(Number(detail.bytes))}, ${plural(Number(detail.blocks), 'block')}` +
        (typeof detail.path === 'string' ? ` → ${detail.path}` : '')
    case 'pinship:pack:done':
      return null
    case 'pinship:pack:cache':
      return Number(detail.hits) === 0 ? null : `pack cache: ${String(detail.hits)} unchanged ${Number(detail.hits) === 1 ? 'file' : 'files'} (${formatBytes(Number(detail.hitBytes))}) not read again for the root`
    // printed by withWarnings whatever the render mode
    case 'pinship:pack:warning':
      return null
    default:
      return undefined
  }
}

/** Passes events on, and writes pack-cache warnings to stderr even when no progress is drawn. */
export function withWarnings (onProgress: OnProgress): OnProgress {
  return event => {
    if (event.type === 'pinship:pack:warning') process.stderr.write(`pinship: warning: ${String((event.detail as { message: string }).message)}\n`)
    onProgress(event)
  }
}

export function formatPackSummary (result: PackResult): string {
  const lines = [result.cid]
  lines.push(`  profile  ${result.profile}`)
  lines.push(`  files    ${result.files} (${formatBytes(result.bytes)})`)
  const count = result.shards.length
  lines.push(`  car      ${formatBytes(result.carBytes)} in ${plural(count, 'shard')}, ${plural(result.blocks, 'block')}`)
  for (const shard of result.shards) {
    lines.push(`  ${shard.path === null ? 'car cid' : 'wrote  '}  ${shard.path === null ? '' : `${shard.path}  `}${shard.carCid} (${formatBytes(shard.bytes)})`)
  }
  return lines.join('\n') + '\n'
}

export function register (program: Command): void {
  program
    .command('pack')
    .description('Pack a file or folder into a UnixFS DAG inside a CAR and print its root CID.')
    .argument('<path>', 'file or folder to pack')
    .option('--profile <name>', `CID profile: ${PROFILE_NAMES.join(', ')}`, DEFAULT_PROFILE)
    .option('--no-hidden', 'leave out dot-files and dot-folders (included by default)')
    .option('--wrap', 'wrap a single file in a directory')
    .option('-o, --output <file>', 'write the CAR to this file (with --shard-size: a folder that receives shard-0001.car, …)')
    .option('--shard-size <bytes>', 'split the CAR into shards of at most this many bytes (e.g. 100000000 or 95MiB)')
    .option('--exclude <glob>', EXCLUDE_HELP, collect, [] as string[])
    .option('--allow-empty', 'pack a folder with no files instead of refusing')
    .option('--json', 'print one JSON object on stdout')
    .option('--cache-dir <dir>', 'pack cache folder (env PINSHIP_CACHE_DIR; default $XDG_CACHE_HOME/pinship or ~/.cache/pinship)')
    .option('--no-cache', 'hash every file, neither reading nor writing the pack cache')
    .action(async (path: string, opts: PackCommandOptions) => {
      const shardSize = opts.shardSize === undefined ? undefined : parseByteSize(opts.shardSize)
      const ignore = excludeFilter(opts.exclude)
      const renderer = createProgressRenderer({ describe: describePackEvent })
      const abort = new AbortController()
      const onSignal = (): void => abort.abort(new Error('interrupted'))
      process.once('SIGINT', onSignal)
      let result: PackResult
      try {
        result = await pack(path, {
          profile: opts.profile as ProfileName,
          hidden: opts.hidden,
          wrap: opts.wrap === true,
          output: opts.output,
          shardSize,
          ...(ignore !== undefined ? { ignore } : {}),
          allowEmpty: opts.allowEmpty === true,
          cacheDir: resolveCacheDir({ dir: opts.cacheDir, enabled: opts.cache }),
          onProgress: withWarnings(renderer.onProgress),
          signal: abort.signal
        })
      } finally {
        renderer.stop()
        process.removeListener('SIGINT', onSignal)
      }
      process.stdout.write(opts.json === true ? JSON.stringify(result) + '\n' : formatPackSummary(result))
    })
}
