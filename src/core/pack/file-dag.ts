import { rawCid, type Block, type DagLink } from './block.js'
import type { CidProfile } from './profiles.js'
import { encodeFileLeaf, encodeFileParent } from './unixfs-nodes.js'

export type BlockOut = (block: Block) => Promise<void> | undefined

/**
 * Builds one file's balanced tree as chunks arrive, holding only the links of unfinished nodes.
 *
 * Grouping matches ipfs-unixfs-importer's `balanced` layout (batches of `maxLinks` per level, a one-link node for a
 * lone trailing child, a single leaf as the file itself) and @ipld/unixfs's, which agree; the parity tests pin both.
 */
export class FileDagBuilder {
  readonly #profile: CidProfile
  readonly #out: BlockOut
  /** levels[0] holds leaf links not yet grouped, levels[k] nodes of height k. */
  readonly #levels: DagLink[][] = [[]]
  /** Every leaf link in order, when asked for (what the pack cache remembers of a file). */
  readonly leaves: DagLink[] | undefined

  constructor (profile: CidProfile, out: BlockOut, options: { keepLeaves?: boolean } = {}) {
    this.#profile = profile
    this.#out = out
    this.leaves = options.keepLeaves === true ? [] : undefined
  }

  /** Adds the next chunk (an empty file is one empty chunk). `release` returns the chunk's buffer to its pool. */
  async add (chunk: Uint8Array, release?: () => void): Promise<void> {
    let link: DagLink
    if (this.#profile.rawLeaves) {
      const cid = rawCid(chunk)
      link = { cid, size: chunk.byteLength, contentSize: chunk.byteLength }
      await this.#out({ cid, bytes: chunk, release })
    } else {
      const leaf = encodeFileLeaf(chunk, this.#profile.cidVersion)
      release?.()
      link = leaf.link
      await this.#out({ cid: leaf.cid, bytes: leaf.bytes })
    }
    this.leaves?.push(link)
    await this.#push(0, link)
  }

  /** Adds a leaf already known (from the pack cache): its block is not emitted, the nodes above it are. */
  async addKnownLeaf (link: DagLink): Promise<void> {
    this.leaves?.push(link)
    await this.#push(0, link)
  }

  /** Finishes the tree and returns the link to the file's root. */
  async close (): Promise<DagLink> {
    for (let level = 0; ; level++) {
      const pending = this.#levels[level]
      const hasHigher = this.#levels.length > level + 1
      if (!hasHigher && pending.length === 1) return pending[0]
      if (!hasHigher && pending.length === 0) throw new Error('a file needs at least one chunk (an empty file is one empty chunk)')
      if (pending.length > 0) {
        this.#levels[level] = []
        await this.#push(level + 1, await this.#parent(pending))
      }
    }
  }

  async #push (level: number, link: DagLink): Promise<void> {
    if (this.#levels.length === level) this.#levels.push([])
    const row = this.#levels[level]
    row.push(link)
    if (row.length === this.#profile.maxLinks) {
      this.#levels[level] = []
      await this.#push(level + 1, await this.#parent(row))
    }
  }

  async #parent (children: DagLink[]): Promise<DagLink> {
    const node = encodeFileParent(children, this.#profile.cidVersion)
    await this.#out({ cid: node.cid, bytes: node.bytes })
    return node.link
  }
}
