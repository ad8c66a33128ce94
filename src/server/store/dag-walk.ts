import { CID } from 'multiformats/cid'
import { type BlockStore, blockKey } from './blocks.js'
import { blockLinks, hasLinks } from './links.js'

/**
 * Incremental completeness check of one DAG. `visited` holds every present block reached so far (so dagSize
 * counts each block once) and `missing` the blocks reached but not stored yet; when any of them arrives the
 * walk resumes from there instead of starting over.
 */
export class DagWalk {
  readonly visited = new Set<string>()
  readonly missing = new Map<string, CID>()
  dagSize = 0
  /** A block that is stored but cannot be decoded; the DAG can never complete. */
  broken: string | undefined

  constructor (readonly root: CID) {
    this.missing.set(blockKey(root), root)
  }

  get complete (): boolean { return this.missing.size === 0 && this.broken === undefined }

  /** Walks from every missing block that is now present. */
  async advance (blocks: BlockStore): Promise<void> {
    const stack: CID[] = []
    for (const [key, cid] of this.missing) {
      if (blocks.has(cid)) { this.missing.delete(key); stack.push(cid) }
    }
    while (stack.length > 0) {
      const cid = stack.pop() as CID
      const key = blockKey(cid)
      if (this.visited.has(key)) continue
      const size = blocks.sizeOf(cid)
      if (size === undefined) { this.missing.set(key, cid); continue }
      this.visited.add(key)
      this.dagSize += size
      // leaves (raw, unknown codecs) need no read
      if (!hasLinks(cid.code)) continue
      let links: CID[]
      try {
        links = blockLinks(cid, await blocks.get(cid) as Uint8Array)
      } catch {
        this.broken = cid.toString()
        continue
      }
      for (const link of links) {
        const k = blockKey(link)
        if (!this.visited.has(k) && !this.missing.has(k)) stack.push(link)
      }
    }
  }
}

export function parseCid (text: string): CID | undefined {
  try { return CID.parse(text) } catch { return undefined }
}
