import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha512 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { openCarStream, verifyBlock, blockMatches, DEFAULT_MAX_BLOCK_BYTES } from '../../src/core/car/index.js'
import { encodeCar, importFiles, rawBlock } from './helpers.js'

async function * chunked (bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function collect (bytes: Uint8Array, chunk = 7, options = {}): Promise<{ roots: string[], blocks: string[] }> {
  const car = await openCarStream(chunked(bytes, chunk), options)
  const blocks: string[] = []
  for await (const b of car) blocks.push(b.cid.toString())
  return { roots: car.roots.map(r => r.toString()), blocks }
}

describe('verifyBlock', () => {
  it('accepts bytes that hash to the CID and refuses altered bytes', async () => {
    // "hello pinship\n" as a raw block: the CID `ipfs-car pack --no-wrap` prints for that file
    const b = await rawBlock(Buffer.from('hello pinship\n'))
    expect(b.cid.toString()).toBe('bafkreia4ul6lvg6a4wr5za6rxugqnke37vrdoc5zmoxjj7cjztzm42yp5a')
    expect(() => verifyBlock(b.cid, b.bytes)).not.toThrow()
    expect(() => verifyBlock(b.cid, Buffer.from('hello pinship!'))).toThrow(/does not hash to its CID/)
  })

  it('checks identity CIDs against their inline digest', async () => {
    const bytes = Buffer.from('tiny')
    const cid = CID.createV1(raw.code, identity.digest(bytes))
    expect(blockMatches(cid, bytes)).toBe(true)
    expect(blockMatches(cid, Buffer.from('tiny!'))).toBe(false)
  })

  it('refuses hash functions it cannot check rather than trusting them', async () => {
    const bytes = Buffer.from('x')
    const cid = CID.createV1(raw.code, await sha512.digest(bytes))
    expect(() => verifyBlock(cid, bytes)).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_HASH' }))
  })
})

describe('openCarStream', () => {
  it('reads roots and verified blocks across arbitrary chunk boundaries', async () => {
    const { root, blocks } = await importFiles([{ path: 'a.txt', content: Buffer.from('alpha') }, { path: 'b/c.txt', content: Buffer.from('gamma') }], { wrap: true })
    const car = await encodeCar([root], blocks)
    for (const size of [1, 3, 64, car.length]) {
      const got = await collect(car, size)
      expect(got.roots).toEqual([root.toString()])
      expect(got.blocks).toEqual(blocks.map(b => b.cid.toString()))
    }
  })

  it('rejects a block whose bytes do not match its CID', async () => {
    const good = await rawBlock(Buffer.from('good'))
    const car = await encodeCar([good.cid], [{ cid: good.cid, bytes: Buffer.from('evil') }])
    await expect(collect(car)).rejects.toMatchObject({ code: 'ERR_BLOCK_HASH_MISMATCH' })
  })

  it('rejects a block over the size limit before reading it', async () => {
    const big = await rawBlock(new Uint8Array(DEFAULT_MAX_BLOCK_BYTES + 1))
    const car = await encodeCar([big.cid], [big])
    await expect(collect(car, 65536)).rejects.toMatchObject({ code: 'ERR_INVALID_CAR', message: expect.stringMatching(/over the 2097152-byte block limit/) })
    const exact = await rawBlock(new Uint8Array(DEFAULT_MAX_BLOCK_BYTES))
    expect((await collect(await encodeCar([exact.cid], [exact]), 65536)).blocks).toEqual([exact.cid.toString()])
  })

  it('rejects truncated CARs, garbage and empty input with InvalidCarError', async () => {
    const b = await rawBlock(Buffer.from('some block bytes'))
    const car = await encodeCar([b.cid], [b])
    await expect(collect(car.subarray(0, car.length - 3))).rejects.toMatchObject({ code: 'ERR_INVALID_CAR', message: expect.stringMatching(/truncated/) })
    await expect(collect(Buffer.from('this is not a car file at all'))).rejects.toMatchObject({ code: 'ERR_INVALID_CAR' })
    await expect(collect(new Uint8Array(0))).rejects.toMatchObject({ code: 'ERR_INVALID_CAR', message: expect.stringMatching(/empty/) })
    // a header length prefix of ~2 GB must be refused without buffering
    await expect(collect(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3]))).rejects.toMatchObject({ code: 'ERR_INVALID_CAR', message: expect.stringMatching(/header claims/) })
  })

  it('can skip verification when asked', async () => {
    const good = await rawBlock(Buffer.from('good'))
    const car = await encodeCar([good.cid], [{ cid: good.cid, bytes: Buffer.from('evil') }])
    expect((await collect(car, 7, { verify: false })).blocks).toEqual([good.cid.toString()])
  })
})
