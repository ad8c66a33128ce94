// The balanced file layout over several levels, at a small width so multi-level trees stay tiny: the packer's
// FileDagBuilder against ipfs-unixfs-importer's balanced layout and @ipld/unixfs's (what ipfs-car uses), both set
// to the same width and chunk size. (At real settings a second level needs files over 1 GiB.)
import * as UnixFS from '@ipld/unixfs'
import { withMaxChunkSize } from '@ipld/unixfs/file/chunker/fixed'
import { withWidth } from '@ipld/unixfs/file/layout/balanced'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import * as raw from 'multiformats/codecs/raw'
import { describe, expect, test } from 'vitest'
import type { Block } from '../../src/core/pack/block.js'
import { FileDagBuilder } from '../../src/core/pack/file-dag.js'
import { resolveProfile, type CidProfile } from '../../src/core/pack/profiles.js'
import { seededBytes } from '../helpers/corpus.js'
import { MemoryBlockstore } from './oracles.js'

const CHUNK = 1024
const WIDTH = 4

function smallProfile (base: 'unixfs-v1-2025' | 'unixfs-v0-2015'): CidProfile {
  return { ...resolveProfile(base), chunkSize: CHUNK, maxLinks: WIDTH }
}

async function packerRoot (bytes: Uint8Array, profile: CidProfile): Promise<{ cid: string, blocks: Block[] }> {
  const blocks: Block[] = []
  const builder = new FileDagBuilder(profile, block => { blocks.push(block); return undefined })
  if (bytes.byteLength === 0) await builder.add(bytes)
  for (let at = 0; at < bytes.byteLength; at += CHUNK) await builder.add(bytes.subarray(at, at + CHUNK))
  return { cid: (await builder.close()).cid.toString(), blocks }
}

async function importerRoot (bytes: Uint8Array, v0: boolean): Promise<string> {
  const options = {
    chunker: fixedSize({ chunkSize: CHUNK }),
    layout: balanced({ maxChildrenPerNode: WIDTH }),
    cidVersion: v0 ? 0 as const : 1 as const,
    rawLeaves: !v0,
    reduceSingleLeafToSelf: true
  }
  let last
  for await (const entry of importer([{ content: bytes }], new MemoryBlockstore(), options)) last = entry
  return String(last?.cid)
}

async function ipldUnixfsRoot (bytes: Uint8Array): Promise<string> {
  const settings = UnixFS.configure({
    fileChunkEncoder: raw,
    smallFileEncoder: raw,
    chunker: withMaxChunkSize(CHUNK),
    fileLayout: withWidth(WIDTH)
  })
  const { readable, writable } = new TransformStream({}, UnixFS.withCapacity(64 * 1024 * 1024))
  const drained = readable.pipeTo(new WritableStream())
  const writer = UnixFS.createWriter({ writable, settings })
  const file = UnixFS.createFileWriter(writer)
  await file.write(bytes)
  const link = await file.close()
  await writer.close()
  await drained
  return link.cid.toString()
}

describe(`balanced layout, width ${WIDTH}, ${CHUNK}-byte chunks`, () => {
  // 1 leaf, a partial first level, exactly full, one over, two and three levels and their edges
  const leafCounts = [1, 3, 4, 5, 8, 16, 17, 20, 21, 64, 65, 66, 81]
  for (const leaves of leafCounts) {
    test(`${leaves} leaves (raw leaves, CIDv1) = importer = @ipld/unixfs`, async () => {
      const bytes = seededBytes(`layout-${leaves}`, leaves * CHUNK - (leaves > 1 ? 7 : 0))
      const ours = await packerRoot(bytes, smallProfile('unixfs-v1-2025'))
      expect(ours.cid).toBe(await importerRoot(bytes, false))
      expect(ours.cid).toBe(await ipldUnixfsRoot(bytes))
      // the root is the last block out, every block once
      expect(ours.blocks.at(-1)?.cid.toString()).toBe(ours.cid)
    })

    test(`${leaves} leaves (dag-pb leaves, CIDv0) = importer`, async () => {
      const bytes = seededBytes(`layout-v0-${leaves}`, leaves * CHUNK)
      const ours = await packerRoot(bytes, smallProfile('unixfs-v0-2015'))
      expect(ours.cid).toMatch(/^Qm/)
      expect(ours.cid).toBe(await importerRoot(bytes, true))
    })
  }

  test('an empty file is one empty leaf', async () => {
    const ours = await packerRoot(new Uint8Array(0), smallProfile('unixfs-v1-2025'))
    expect(ours.blocks).toHaveLength(1)
    expect(ours.cid).toBe(await importerRoot(new Uint8Array(0), false))
  })
})
