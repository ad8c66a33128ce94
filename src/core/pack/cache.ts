/**
 * The pack cache: what hashing each file produced (its leaf links and its root), so an unchanged file is not read
 * again. One JSON file per (profile, packed folder) under the cache directory, replaced whole and atomically (write
 * to a temporary name, rename) so concurrent packs sharing a cache never see half a file: the last one wins.
 *
 * An entry is trusted only when the file's device, inode, size, mtime and ctime (nanoseconds) are those recorded,
 * and the recording was made more than the file system's timestamp granularity after the file's last change (a
 * "racy" file, as git calls it, could have changed again within the same timestamp). The file carries a SHA-256 of
 * its body, and an entry whose leaves are used is checked too: they must rebuild the recorded root under the
 * profile. A cache that fails any check is ignored with a warning: it can make a pack faster, never a CID wrong.
 *
 * Beside the entries, the last whole results of this tree: a CID-only pack's result, and a deploy's DAG root, each
 * keyed by every name and every file's stat (used only while every file matches its entry).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type BigIntStats } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { CID } from 'multiformats/cid'
import { RAW_CODE, type DagLink } from './block.js'
import { FileDagBuilder } from './file-dag.js'
import type { CidProfile } from './profiles.js'
import type { WalkFile } from './walk.js'

export const CACHE_FORMAT = 'pinship-pack-cache/2'
/** Racy window on file systems with sub-second timestamps (kernel coarse clock ticks are ≤ 10 ms; NFS and skew). */
export const DEFAULT_RACY_WINDOW_NS = 100_000_000n
/** Racy window when a file's timestamps are whole seconds (FAT keeps mtime to 2 s). */
export const COARSE_RACY_WINDOW_NS = 2_000_000_000n

/** `PINSHIP_CACHE_DIR`, else `$XDG_CACHE_HOME/pinship`, else `~/.cache/pinship` (the XDG default). */
export function defaultCacheDir (env: NodeJS.ProcessEnv = process.env): string {
  const own = env.PINSHIP_CACHE_DIR
  if (own !== undefined && own !== '') return own
  const xdg = env.XDG_CACHE_HOME
  // the XDG spec: a relative value is invalid and must be ignored
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache')
  return join(base, 'pinship')
}

/**
 * The cache folder a front end should use: none with `--no-cache` (`enabled: false`) or `PINSHIP_NO_CACHE=1`, else
 * the folder given (`--cache-dir`), else `defaultCacheDir()`.
 */
export function resolveCacheDir (options: { dir?: string, enabled?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.enabled === false || /^(1|true|yes)$/i.test(env.PINSHIP_NO_CACHE ?? '')) return undefined
  return options.dir !== undefined && options.dir !== '' ? options.dir : defaultCacheDir(env)
}

/** [cid, size (dag bytes), contentSize] */
type LinkJson = [string, number, number]

interface EntryJson {
  size: string
  mtimeNs: string
  ctimeNs: string
  /** Wall clock (ns) just before the file was stat'ed for the pass that hashed it. */
  at: string
  root: LinkJson
  leaves: LinkJson[]
}

interface CacheFileJson {
  format: string
  profile: string
  /** `dev:ino` → entry */
  files: Record<string, EntryJson>
  /** The last whole-pack result without output, keyed by the tree and every file's stat. */
  result?: { key: string, value: unknown }
  /** The last deploy's DAG (root, distinct blocks and their bytes), keyed the same way. */
  dag?: { key: string, value: unknown }
}

/** What a two-pass pack learnt of the whole DAG: its root and its distinct blocks' count and bytes. */
export interface DagMemo {
  cid: string
  blocks: number
  blockBytes: number
}

function asDagMemo (v: unknown): DagMemo | undefined {
  const d = v as Partial<DagMemo> | null | undefined
  if (d === null || typeof d !== 'object' || typeof d.cid !== 'string' || !Number.isSafeInteger(d.blocks) || !Number.isSafeInteger(d.blockBytes)) return undefined
  try {
    CID.parse(d.cid)
  } catch {
    return undefined
  }
  return { cid: d.cid, blocks: d.blocks as number, blockBytes: d.blockBytes as number }
}

interface Stat {
  key: string
  size: bigint
  mtimeNs: bigint
  ctimeNs: bigint
  at: bigint
}

export interface PackCacheOptions {
  /** Called with a sentence when the cache cannot be used or written. */
  warn: (message: string) => void
  /** Racy window for sub-second timestamps. @default DEFAULT_RACY_WINDOW_NS */
  racyWindowNs?: bigint
}

function nowNs (): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

function statOf (path: string): BigIntStats | undefined {
  try {
    return statSync(path, { bigint: true })
  } catch {
    return undefined
  }
}

function linkJson (l: DagLink): LinkJson {
  return [l.cid.toString(), l.size, l.contentSize]
}

function isLinkJson (v: unknown): v is LinkJson {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' &&
    Number.isSafeInteger(v[1]) && Number.isSafeInteger(v[2]) && v[1] >= 0 && v[2] >= 0
}

function parseLink (v: LinkJson): DagLink {
  return { cid: CID.parse(v[0]), size: v[1], contentSize: v[2] }
}

const nullOut = (): undefined => undefined

export class PackCache {
  readonly #path: string
  readonly #dir: string
  readonly #profile: CidProfile
  readonly #opts: PackCacheOptions
  readonly #old: Record<string, EntryJson>
  readonly #next: Record<string, EntryJson> = {}
  #result: CacheFileJson['result']
  #dag: CacheFileJson['dag']
  #stats: Array<Stat | undefined> = []
  #matched: Array<EntryJson | undefined> = []
  #dirty = false

  private constructor (dir: string, path: string, profile: CidProfile, old: CacheFileJson | undefined, opts: PackCacheOptions) {
    this.#dir = dir
    this.#path = path
    this.#profile = profile
    this.#opts = opts
    this.#old = old?.files ?? {}
    this.#result = old?.result
    this.#dag = old?.dag
  }

  /** Loads the cache of `input` under `dir`; a missing one is empty, a damaged or foreign one is ignored with a warning. */
  static open (dir: string, input: string, profile: CidProfile, opts: PackCacheOptions): PackCache {
    let real: string
    try {
      real = realpathSync(input)
    } catch {
      real = input
    }
    const name = createHash('sha256').update(`${profile.name}\0${real}`).digest('hex').slice(0, 32)
    const path = join(dir, `${name}.json`)
    let text: string | undefined
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') opts.warn(`pack cache ${path} cannot be read (${code ?? String(err)}); hashing everything`)
    }
    let old: CacheFileJson | undefined
    if (text !== undefined) {
      old = PackCache.#parse(text, profile)
      if (old === undefined) opts.warn(`pack cache ${path} is damaged or was not written by this pinship; ignoring it (it is rewritten after this pack)`)
    }
    return new PackCache(dir, path, profile, old, opts)
  }

  /** The file is `<format> <sha256 of the rest>` on its first line, then the JSON: any damage fails the sum. */
  static #parse (text: string, profile: CidProfile): CacheFileJson | undefined {
    const eol = text.indexOf('\n')
    if (eol < 0) return undefined
    const [format, sum] = text.slice(0, eol).split(' ')
    const body = text.slice(eol + 1)
    if (format !== CACHE_FORMAT || sum !== createHash('sha256').update(body).digest('hex')) return undefined
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch {
      return undefined
    }
    const j = json as Partial<CacheFileJson> | null
    if (j === null || typeof j !== 'object' || j.format !== CACHE_FORMAT || j.profile !== profile.name) return undefined
    if (j.files === null || typeof j.files !== 'object' || Array.isArray(j.files)) return undefined
    return j as CacheFileJson
  }

  /**
   * Stats every file before any is read (an entry recorded later describes the bytes that followed this stat) and
   * finds the entries whose stat matches and is not racy. The walk's own stat is used when it made one (`stat`,
   * with `statAt` the clock just before it): it too came before any read.
   */
  statAll (files: readonly WalkFile[]): void {
    this.#readPaths = files.map(f => f.readPath)
    this.#stats = files.map(f => {
      const at = f.statAt ?? nowNs()
      const st = f.stat ?? statOf(f.readPath)
      if (st === undefined || !st.isFile() || BigInt(f.size) !== st.size) return undefined
      return { key: `${st.dev}:${st.ino}`, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, at }
    })
    this.#matched = this.#stats.map(st => {
      const entry = st === undefined ? undefined : this.#old[st.key]
      if (st === undefined || entry === undefined || entry === null || typeof entry !== 'object') return undefined
      try {
        if (BigInt(entry.size) !== st.size || BigInt(entry.mtimeNs) !== st.mtimeNs || BigInt(entry.ctimeNs) !== st.ctimeNs) return undefined
        return this.#racy(BigInt(entry.at), st) ? undefined : entry
      } catch {
        return undefined
      }
    })
  }

  /**
   * The leaf links of file `i`, from an entry statAll matched, once checked (well formed for the profile, and
   * rebuilding its recorded root exactly); undefined: the file must be read.
   */
  async lookup (i: number, file: WalkFile): Promise<DagLink[] | undefined> {
    const st = this.#stats[i]
    const entry = this.#matched[i]
    if (st === undefined || entry === undefined) return undefined
    const leaves = await this.#check(entry, st.size)
    if (leaves === undefined) {
      this.#damaged(file)
      return undefined
    }
    this.#next[st.key] = entry
    return leaves
  }

  /** Keeps every entry statAll matched (a pack that used none of their leaves, because it knew the whole tree). */
  keepMatched (): void {
    for (const [i, entry] of this.#matched.entries()) {
      const st = this.#stats[i]
      if (st !== undefined && entry !== undefined) this.#next[st.key] = entry
    }
  }

  /** Entries made within the timestamp granularity of the file's last change are not trusted. */
  #racy (recorded: bigint, st: Stat): boolean {
    const changed = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs
    const coarse = st.mtimeNs % 1_000_000_000n === 0n && st.ctimeNs % 1_000_000_000n === 0n
    const window = coarse ? COARSE_RACY_WINDOW_NS : (this.#opts.racyWindowNs ?? DEFAULT_RACY_WINDOW_NS)
    return recorded - changed <= window
  }

  /** The entry's leaves when they are well formed for the profile and rebuild its root exactly; else undefined. */
  async #check (entry: EntryJson, size: bigint): Promise<DagLink[] | undefined> {
    try {
      if (!isLinkJson(entry.root) || !Array.isArray(entry.leaves) || entry.leaves.length === 0 || !entry.leaves.every(isLinkJson)) return undefined
      const leaves = entry.leaves.map(parseLink)
      const chunk = this.#profile.chunkSize
      let total = 0
      for (const [n, l] of leaves.entries()) {
        const last = n === leaves.length - 1
        if (l.contentSize > chunk || (!last && l.contentSize !== chunk)) return undefined
        if (this.#profile.rawLeaves ? (l.cid.code !== RAW_CODE || l.cid.version !== 1 || l.size !== l.contentSize) : (l.cid.version !== this.#profile.cidVersion || l.cid.code === RAW_CODE)) return undefined
        total += l.contentSize
      }
      if (BigInt(total) !== size) return undefined
      const root = parseLink(entry.root)
      const rebuilt = await rebuildRoot(this.#profile, leaves)
      return rebuilt.cid.equals(root.cid) && rebuilt.size === root.size && rebuilt.contentSize === root.contentSize ? leaves : undefined
    } catch {
      return undefined
    }
  }

  #damaged (file: WalkFile): void {
    if (!this.#dirty) this.#opts.warn(`pack cache ${this.#path} holds a damaged entry (for ${file.relPath}); hashing that file again`)
    this.#dirty = true
  }

  /**
   * Remembers what hashing file `i` gave, if it held still: its stat after the read must equal the one before any
   * read (a change during the read moves mtime/ctime, or is racy and so not trusted later).
   */
  record (i: number, leaves: readonly DagLink[], root: DagLink): void {
    const before = this.#stats[i]
    if (before === undefined || leaves.length === 0) return
    const file = this.#fileAt(i)
    const after = file === undefined ? undefined : statOf(file)
    if (after === undefined || `${after.dev}:${after.ino}` !== before.key || after.size !== before.size ||
      after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs) return
    this.#next[before.key] = {
      size: String(before.size),
      mtimeNs: String(before.mtimeNs),
      ctimeNs: String(before.ctimeNs),
      at: String(before.at),
      root: linkJson(root),
      leaves: leaves.map(linkJson)
    }
    this.#dirty = true
  }

  #readPaths: readonly string[] = []
  #fileAt (i: number): string | undefined { return this.#readPaths[i] }

  /**
   * A key for a whole pack of this tree: every name and every file's stat, plus what else changes the CAR. Only when
   * every file's entry is trusted (so the content is what the entries say); else undefined.
   */
  treeKey (shape: string, files: readonly WalkFile[]): string | undefined {
    // one string, hashed once: thousands of small updates cost more than the hashing
    const parts: string[] = [shape]
    for (const [i, f] of files.entries()) {
      const st = this.#stats[i]
      const entry = st === undefined ? undefined : this.#next[st.key] ?? this.#matched[i]
      if (st === undefined || entry === undefined || this.#racy(BigInt(entry.at), st)) return undefined
      parts.push(`${f.relPath}\0${st.key}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}`)
    }
    return createHash('sha256').update(parts.join('\0')).digest('hex')
  }

  result (key: string): unknown {
    return this.#result?.key === key ? this.#result.value : undefined
  }

  setResult (key: string, value: unknown): void {
    if (this.#result?.key === key) return
    this.#result = { key, value }
    this.#dirty = true
  }

  dag (key: string): DagMemo | undefined {
    return this.#dag?.key === key ? asDagMemo(this.#dag.value) : undefined
  }

  setDag (key: string, value: DagMemo): void {
    if (this.#dag?.key === key && asDagMemo(this.#dag.value)?.cid === value.cid) return
    this.#dag = { key, value }
    this.#dirty = true
  }

  /** Writes the entries of this pack's files (others are dropped), atomically. A failure is a warning only. */
  save (): void {
    const kept = Object.keys(this.#next).length
    if (!this.#dirty && kept === Object.keys(this.#old).length) return
    const body: CacheFileJson = { format: CACHE_FORMAT, profile: this.#profile.name, files: this.#next, ...(this.#result !== undefined ? { result: this.#result } : {}), ...(this.#dag !== undefined ? { dag: this.#dag } : {}) }
    const tmp = `${this.#path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
      const json = JSON.stringify(body)
      writeFileSync(tmp, `${CACHE_FORMAT} ${createHash('sha256').update(json).digest('hex')}\n${json}`, { mode: 0o600 })
      renameSync(tmp, this.#path)
    } catch (err) {
      try { unlinkSync(tmp) } catch { /* never written */ }
      this.#opts.warn(`pack cache ${this.#path} could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); the next pack hashes everything again`)
    }
  }
}

/** The file root that these leaves give under the profile (only the small parent nodes are hashed). */
async function rebuildRoot (profile: CidProfile, leaves: readonly DagLink[]): Promise<DagLink> {
  const builder = new FileDagBuilder(profile, nullOut)
  for (const l of leaves) await builder.addKnownLeaf(l)
  return await builder.close()
}
