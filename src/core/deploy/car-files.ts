/**
 * Shard files on disk: read a shard's header root, and join shards into one CARv1 for services that take a single
 * CAR (every shard carries the same header, so the joined CAR is the first header followed by every shard's
 * blocks). Both stream: nothing but a header is held in memory.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { varint } from 'multiformats'
import { openCarStream } from '../car/index.js'
import { InvalidCarError } from '../errors.js'

/** The first root in a CAR file's header. */
export async function readCarRoot (path: string): Promise<string> {
  const stream = createReadStream(path, { highWaterMark: 4096 })
  try {
    const car = await openCarStream(stream)
    if (car.roots.length !== 1) throw new InvalidCarError(`${path} has ${car.roots.length} roots in its header; a shard must carry exactly one`)
    return car.roots[0].toString()
  } finally {
    stream.destroy()
  }
}

/** Byte offset where a CARv1's blocks start (after the varint length and the header). */
async function headerEnd (path: string): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const lead = Buffer.alloc(10)
    const { bytesRead } = await fh.read(lead, 0, 10, 0)
    const [length, size] = varint.decode(lead.subarray(0, bytesRead))
    return size + length
  } finally {
    await fh.close()
  }
}

/** Write the shards, in order, as one CARv1 at `out`. */
export async function joinShards (paths: string[], out: string): Promise<void> {
  const sink = createWriteStream(out)
  const starts = await Promise.all(paths.map(async (p, i) => i === 0 ? 0 : await headerEnd(p)))
  async function * parts (): AsyncGenerator<Buffer> {
    for (let i = 0; i < paths.length; i++) {
      for await (const chunk of createReadStream(paths[i], { start: starts[i] })) yield chunk as Buffer
    }
  }
  await pipeline(parts(), sink)
}
