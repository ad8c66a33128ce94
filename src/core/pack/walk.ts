import { lstatSync, readdirSync, realpathSync, statSync, type BigIntStats, type Dirent, type Stats } from 'node:fs'
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { excludeHint } from './exclude.js'
import {
  AbortedError, InvalidFileNameError, PathNotFoundError, SymlinkCycleError, SymlinkOutsideError, UnreadablePathError,
  UnsupportedFileTypeError
} from '../errors.js'

export interface WalkFile {
  kind: 'file'
  name: string
  /** Path inside the packed folder, POSIX separators (the file's own name when a single file is packed). */
  relPath: string
  /** Where the bytes are read from (symlinks resolved). */
  readPath: string
  size: number
  /** With `WalkOptions.stats`: the file's stat in nanoseconds, made before any read. */
  stat?: BigIntStats
  /** With `stat`: the wall clock (ns) before the walk began, so no later than that stat. */
  statAt?: bigint
}

export interface WalkDir {
  kind: 'dir'
  name: string
  relPath: string
  /** Sorted by UTF-8 bytes of the name, so the CAR's block order is the same on every machine. */
  children: WalkEntry[]
}

export type WalkEntry = WalkFile | WalkDir

export interface WalkOptions {
  /** @default true */
  hidden?: boolean
  ignore?: (relativePosixPath: string, isDirectory: boolean) => boolean
  /** Absolute paths left out wherever they appear (the CAR being written into the folder, for one). */
  exclude?: readonly string[]
  signal?: AbortSignal
  /** Entries listed between two yields to the event loop. @default DEFAULT_WALK_BATCH */
  batch?: number
  /** Keep each file's stat, in nanoseconds (`WalkFile.stat`), for the pack cache. @default false */
  stats?: boolean
}

/**
 * The walk makes blocking fs calls (a few µs each, where a thread-pool round trip costs tens) and lets the event loop
 * run every this many entries, so a huge tree does not stall timers and I/O.
 */
export const DEFAULT_WALK_BATCH = 2000

const utf8 = new TextEncoder()

/** Sort key: UTF-8 byte order, the order dag-pb gives links, independent of locale and readdir order. */
export function compareNames (a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b))
}

interface Context {
  input: string
  rootReal: string
  hidden: boolean
  ignore?: (relativePosixPath: string, isDirectory: boolean) => boolean
  exclude: Set<string>
  signal?: AbortSignal
  batch: number
  sinceYield: number
  /** Set when stats are kept: the clock before the walk began. */
  statAt?: bigint
}

type AnyStats = Stats | BigIntStats

function statPath (ctx: Context, path: string): AnyStats {
  return ctx.statAt !== undefined ? statSync(path, { bigint: true }) : statSync(path)
}

function fileEntry (ctx: Context, name: string, relPath: string, readPath: string, st: AnyStats): WalkFile {
  const file: WalkFile = { kind: 'file', name, relPath, readPath, size: Number(st.size) }
  if (ctx.statAt !== undefined && typeof st.size === 'bigint') {
    file.stat = st as BigIntStats
    file.statAt = ctx.statAt
  }
  return file
}

/**
 * Lists what will be packed: follows symlinks that stay inside the folder, refuses those that leave it or loop, and
 * refuses sockets, FIFOs and devices — each error names the path. Holds names and sizes only, never content.
 */
export async function walk (input: string, options: WalkOptions = {}): Promise<WalkEntry> {
  const absolute = resolve(input)
  try {
    lstatSync(absolute)
  } catch (err) {
    throw fsError(err, input, 'the path to pack')
  }
  const statAt = options.stats === true ? BigInt(Date.now()) * 1_000_000n : undefined
  let rootReal: string
  let rootStat: AnyStats
  try {
    rootReal = realpathSync(absolute)
    rootStat = statAt !== undefined ? statSync(rootReal, { bigint: true }) : statSync(rootReal)
  } catch (err) {
    throw fsError(err, input, 'the path to pack')
  }
  const ctx: Context = {
    ...(statAt !== undefined ? { statAt } : {}),
    input,
    rootReal,
    hidden: options.hidden ?? true,
    ignore: options.ignore,
    exclude: new Set((options.exclude ?? []).map(p => resolve(p))),
    signal: options.signal,
    batch: options.batch ?? DEFAULT_WALK_BATCH,
    sinceYield: 0
  }
  const name = basename(absolute)
  if (rootStat.isFile()) return fileEntry(ctx, name, name, rootReal, rootStat)
  if (rootStat.isDirectory()) {
    return { kind: 'dir', name, relPath: '', children: await walkDir(ctx, rootReal, '', [rootReal]) }
  }
  throw new UnsupportedFileTypeError(`${input} is ${describeType(rootStat)}, not a file or folder. Pack a file or a folder.`)
}

async function walkDir (ctx: Context, realDir: string, relDir: string, ancestors: readonly string[]): Promise<WalkEntry[]> {
  if (ctx.signal?.aborted === true) throw new AbortedError('Packing was aborted.', { cause: ctx.signal.reason })
  let dirents: Dirent[]
  try {
    dirents = readdirSync(realDir, { withFileTypes: true })
  } catch (err) {
    throw fsError(err, display(ctx, relDir), 'a folder', relDir)
  }
  const badNames = dirents.some(d => d.name.includes('\uFFFD')) ? invalidNames(realDir) : undefined
  const kept: WalkEntry[] = []
  for (const dirent of dirents) {
    const raw = badNames?.get(dirent.name)
    if (raw !== undefined) {
      // Node decoded the name lossily; stat-ing that string would say "does not exist". Say what is wrong instead.
      const relPath = relDir === '' ? dirent.name : `${relDir}/${dirent.name}`
      if (ctx.ignore?.(relPath, dirent.isDirectory()) === true) continue
      const shown = join(display(ctx, relDir), escapeName(raw))
      throw new InvalidFileNameError(`${shown}: the name is not valid UTF-8 (${invalidBytes(raw)}), and UnixFS names are UTF-8. ` +
        `Rename it to UTF-8 (e.g. convmv -f latin1 -t utf8), or leave it out with ${excludeHint(relPath).replace(/\uFFFD/g, '?')}.`)
    }
    if (++ctx.sinceYield >= ctx.batch) {
      ctx.sinceYield = 0
      await new Promise(resolve => setImmediate(resolve))
    }
    const entry = await visit(ctx, dirent, realDir, relDir, ancestors)
    if (entry !== null) kept.push(entry)
  }
  return kept.sort((a, b) => compareNames(a.name, b.name))
}

async function visit (ctx: Context, dirent: Dirent, realDir: string, relDir: string, ancestors: readonly string[]): Promise<WalkEntry | null> {
  const name = dirent.name
  if (!ctx.hidden && name.startsWith('.')) return null
  const relPath = relDir === '' ? name : `${relDir}/${name}`
  const here = join(realDir, name)
  if (ctx.exclude.has(here) || ctx.exclude.has(resolve(ctx.input, relPath))) return null

  let target = here
  let st: AnyStats
  if (dirent.isSymbolicLink()) {
    try {
      target = realpathSync(here)
    } catch (err) {
      if (ctx.ignore?.(relPath, false) === true) return null
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ELOOP') {
        throw new SymlinkCycleError(`Symlink ${display(ctx, relPath)} loops back on itself. Remove it or point it at a real file.`, { cause: err })
      }
      throw new UnreadablePathError(`Symlink ${display(ctx, relPath)} is broken (what it points to cannot be read). Remove it or fix its target.`, { cause: err })
    }
    try {
      st = statPath(ctx, target)
    } catch (err) {
      throw fsError(err, display(ctx, relPath), 'a symlink target', relPath)
    }
    if (ctx.ignore?.(relPath, st.isDirectory()) === true) return null
    const inside = relative(ctx.rootReal, target)
    // `..` or `../…` leaves the folder; a name inside it may still start with two dots (`..notes`)
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new SymlinkOutsideError(`Symlink ${display(ctx, relPath)} points outside the folder being packed (to ${target}). ` +
        `Remove it, replace it with a copy of what it points to, or leave it out with ${excludeHint(relPath)}.`)
    }
    if (ctx.exclude.has(target)) return null
  } else if (dirent.isFile() || dirent.isDirectory()) {
    if (ctx.ignore?.(relPath, dirent.isDirectory()) === true) return null
    if (dirent.isDirectory()) return { kind: 'dir', name, relPath, children: await walkDir(ctx, here, relPath, [...ancestors, here]) }
    try {
      st = statPath(ctx, here)
    } catch (err) {
      throw fsError(err, display(ctx, relPath), 'a file', relPath)
    }
  } else {
    try {
      st = lstatSync(here)
    } catch (err) {
      throw fsError(err, display(ctx, relPath), 'an entry', relPath)
    }
    if (ctx.ignore?.(relPath, st.isDirectory()) === true) return null
  }

  if (st.isFile()) return fileEntry(ctx, name, relPath, target, st)
  if (st.isDirectory()) {
    if (ancestors.includes(target)) {
      throw new SymlinkCycleError(`Symlink ${display(ctx, relPath)} points to ${relative(ctx.rootReal, target) || 'the packed folder'}, ` +
        `a folder that contains it, so the tree would never end. Remove the link or leave it out with ${excludeHint(relPath)}.`)
    }
    return { kind: 'dir', name, relPath, children: await walkDir(ctx, target, relPath, [...ancestors, target]) }
  }
  throw new UnsupportedFileTypeError(`${display(ctx, relPath)} is ${describeType(st)}, which cannot be packed. ` +
    `Remove it from the folder or leave it out with ${excludeHint(relPath)}.`)
}

/** Lossy name → raw bytes, for the entries of `dir` whose names are not valid UTF-8. */
function invalidNames (dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const strict = new TextDecoder('utf-8', { fatal: true })
  for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
    try { strict.decode(raw) } catch { out.set(raw.toString('utf8'), raw) }
  }
  return out
}

/** Walks a name's bytes: each valid UTF-8 sequence as its character, each other byte as `\xNN`. */
function utf8Parts (raw: Buffer): Array<{ text: string } | { byte: number, at: number }> {
  const strict = new TextDecoder('utf-8', { fatal: true })
  const parts: Array<{ text: string } | { byte: number, at: number }> = []
  let i = 0
  while (i < raw.length) {
    const b = raw[i]
    const len = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0
    if (len > 0 && i + len <= raw.length) {
      try {
        parts.push({ text: strict.decode(raw.subarray(i, i + len)) })
        i += len
        continue
      } catch { /* not a valid sequence: this byte alone */ }
    }
    parts.push({ byte: b, at: i })
    i++
  }
  return parts
}

function escapeName (raw: Buffer): string {
  return utf8Parts(raw).map(p => 'text' in p ? p.text : `\\x${p.byte.toString(16).padStart(2, '0')}`).join('')
}

function invalidBytes (raw: Buffer): string {
  const bad = utf8Parts(raw).flatMap(p => 'byte' in p ? [`0x${p.byte.toString(16).toUpperCase().padStart(2, '0')} at byte ${p.at}`] : [])
  return bad.join(', ')
}

function display (ctx: Context, relPath: string): string {
  return relPath === '' ? ctx.input : join(ctx.input, relPath)
}

function describeType (st: AnyStats): string {
  if (st.isSocket()) return 'a socket'
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isCharacterDevice()) return 'a character device'
  return 'not a regular file'
}

/** Turns an fs error into PathNotFoundError / UnreadablePathError naming the path. */
export function fsError (err: unknown, path: string, what: string, relPath?: string): Error {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new PathNotFoundError(`${path} does not exist (${what}). Check the path and run again.`, { cause: err })
  }
  if (code === 'EACCES' || code === 'EPERM') {
    const leaveOut = relPath !== undefined && relPath !== '' ? excludeHint(relPath) : '--exclude'
    return new UnreadablePathError(`${path} cannot be read (permission denied). Fix its permissions or leave it out with ${leaveOut}.`, { cause: err })
  }
  if (code === 'ELOOP') {
    return new SymlinkCycleError(`${path} is a symlink loop. Remove it or point it at a real file.`, { cause: err })
  }
  const reason = err instanceof Error ? err.message : String(err)
  return new UnreadablePathError(`${path} cannot be read: ${reason}`, { cause: err })
}
