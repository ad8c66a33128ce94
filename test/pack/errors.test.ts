// Bad inputs: each gives its own error (stable code, the path in the message), and nothing that looks like a CAR is
// left behind.
import { execFile } from 'node:child_process'
import { appendFileSync, existsSync, truncateSync, writeFileSync } from 'node:fs'
import { symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PinshipError } from '../../src/core/errors.js'
import { excludeFilter, pack, type PackOptions } from '../../src/core/pack/index.js'
import { KiB, MiB, makeTemp, removeTemp, writeTree } from '../helpers/corpus.js'

let dir: string

beforeAll(async () => {
  dir = await makeTemp('pinship-errors-')
})

afterAll(async () => {
  await removeTemp(dir)
})

async function failure (path: string, options?: PackOptions): Promise<PinshipError> {
  try {
    await pack(path, options)
  } catch (err) {
    expect(err).toBeInstanceOf(PinshipError)
    return err as PinshipError
  }
  throw new Error(`packing ${path} succeeded, but it should have failed`)
}

describe('inputs the packer refuses', () => {
  test('a missing path', async () => {
    const missing = join(dir, 'nope')
    const err = await failure(missing)
    expect(err.code).toBe('ERR_PATH_NOT_FOUND')
    expect(err.message).toContain(missing)
  })

  test('an unknown profile, listing the valid ones', async () => {
    await writeTree(join(dir, 'p'), { 'a.txt': 'a' })
    const err = await failure(join(dir, 'p'), { profile: 'kubo-2099' as never })
    expect(err.code).toBe('ERR_UNKNOWN_PROFILE')
    expect(err.message).toContain('kubo-2099')
    expect(err.message).toContain('unixfs-v1-2025, unixfs-v0-2015, ipfs-car')
  })

  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
    test(`shard size ${String(bad)} (${typeof bad})`, async () => {
      const err = await failure(join(dir, 'p'), { shardSize: bad as number })
      expect(err.code).toBe('ERR_INVALID_SHARD_SIZE')
      expect(err.message).toContain('shard size')
    })
  }

  test('options of the wrong type are named', async () => {
    expect((await failure(join(dir, 'p'), { hidden: 'yes' as never })).message).toContain('`hidden`')
    expect((await failure(join(dir, 'p'), { ignore: 5 as never })).code).toBe('ERR_INVALID_ARGUMENT')
    expect((await failure(join(dir, 'p'), { output: '' })).message).toContain('`output`')
    expect((await failure('')).code).toBe('ERR_INVALID_ARGUMENT')
    expect((await failure(join(dir, 'p'), { cacheDir: '' })).message).toContain('`cacheDir`')
    expect((await failure(join(dir, 'p'), { cacheDir: 7 as never })).code).toBe('ERR_INVALID_ARGUMENT')
    // skipping held blocks needs a pack that knows every block before writing one
    expect((await failure(join(dir, 'p'), { skipHeld: async () => new Set() })).message).toMatch(/`skipHeld` needs `onShard` and `output`/)
  })

  test('an output that is a folder (no shard size) or a file (with one)', async () => {
    const err = await failure(join(dir, 'p'), { output: dir })
    expect(err.code).toBe('ERR_INVALID_ARGUMENT')
    expect(err.message).toContain(dir)
    await writeFile(join(dir, 'plain-file'), 'x')
    expect((await failure(join(dir, 'p'), { output: join(dir, 'plain-file'), shardSize: 10 * MiB })).code).toBe('ERR_INVALID_ARGUMENT')
  })

  test('an output that is the file being packed', async () => {
    const file = join(dir, 'self.bin')
    await writeFile(file, 'x')
    const err = await failure(file, { output: file })
    expect(err.code).toBe('ERR_INVALID_ARGUMENT')
    expect(err.message).toContain(file)
  })

  test('an output that cannot be written is ERR_UNWRITABLE_OUTPUT naming it, and the input is untouched', async () => {
    // /proc refuses new files even to root
    const err = await failure(join(dir, 'p'), { output: '/proc/pinship-test.car' })
    expect(err.code).toBe('ERR_UNWRITABLE_OUTPUT')
    expect(err.message).toContain('/proc/pinship-test.car')
    await writeFile(join(dir, 'not-a-dir'), 'x')
    const nested = await failure(join(dir, 'p'), { output: join(dir, 'not-a-dir', 'x.car') })
    expect(nested.code).toBe('ERR_UNWRITABLE_OUTPUT')
    expect(nested.message).toContain(join(dir, 'not-a-dir'))
  })

  test('a symlink pointing outside the folder', async () => {
    const root = join(dir, 'outside')
    await writeTree(root, { 'a.txt': 'a', sub: { link: { symlink: '../../p/a.txt' } } })
    const err = await failure(root)
    expect(err.code).toBe('ERR_SYMLINK_OUTSIDE')
    expect(err.message).toContain(join(root, 'sub', 'link'))
  })

  test('a symlink to a folder that contains it (a cycle)', async () => {
    const root = join(dir, 'cycle')
    await writeTree(root, { 'a.txt': 'a', sub: { up: { symlink: '..' } } })
    const err = await failure(root)
    expect(err.code).toBe('ERR_SYMLINK_CYCLE')
    expect(err.message).toContain(join(root, 'sub', 'up'))
  })

  test('a symlink that points at itself', async () => {
    const root = join(dir, 'self')
    await writeTree(root, { 'a.txt': 'a' })
    await symlink('me', join(root, 'me'))
    const err = await failure(root)
    expect(err.code).toBe('ERR_SYMLINK_CYCLE')
    expect(err.message).toContain(join(root, 'me'))
  })

  test('a broken symlink is unreadable, and says so', async () => {
    const root = join(dir, 'broken')
    await writeTree(root, { 'a.txt': 'a', dangling: { symlink: 'does-not-exist' } })
    const err = await failure(root)
    expect(err.code).toBe('ERR_UNREADABLE_PATH')
    expect(err.message).toContain(join(root, 'dangling'))
  })

  test('a socket inside the folder', async () => {
    const root = join(dir, 'socket')
    await writeTree(root, { 'a.txt': 'a' })
    const server: Server = createServer()
    await new Promise<void>(resolve => server.listen(join(root, 'app.sock'), resolve))
    try {
      const err = await failure(root)
      expect(err.code).toBe('ERR_UNSUPPORTED_FILE_TYPE')
      expect(err.message).toContain(join(root, 'app.sock'))
      expect(err.message).toContain('socket')
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  })

  test('a file name that is not valid UTF-8 is named as such, with its bytes, not as missing', async () => {
    const root = join(dir, 'latin1')
    await writeTree(root, { 'a.txt': 'a', docs: { 'b.txt': 'b' } })
    // "café.txt" in Latin-1: é is the lone byte 0xE9
    writeFileSync(Buffer.concat([Buffer.from(join(root, 'docs') + '/caf'), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name')
    const err = await failure(root)
    expect(err.code).toBe('ERR_INVALID_FILE_NAME')
    expect(err.message).toBe(`${join(root, 'docs', 'caf\\xe9.txt')}: the name is not valid UTF-8 (0xE9 at byte 3), and UnixFS names are UTF-8. ` +
      "Rename it to UTF-8 (e.g. convmv -f latin1 -t utf8), or leave it out with --exclude 'docs/caf?.txt'.")
    // following the advice works, with the Action's glob semantics
    const packed = await pack(root, { ignore: excludeFilter(['docs/caf?.txt']) })
    expect(packed.files).toBe(2)
  })

  test('a FIFO inside the folder', async () => {
    const root = join(dir, 'fifo')
    await writeTree(root, { 'a.txt': 'a' })
    await promisify(execFile)('mkfifo', [join(root, 'pipe')])
    const err = await failure(root)
    expect(err.code).toBe('ERR_UNSUPPORTED_FILE_TYPE')
    expect(err.message).toContain(join(root, 'pipe'))
  })

  test('a device file', async () => {
    const err = await failure('/dev/null')
    expect(err.code).toBe('ERR_UNSUPPORTED_FILE_TYPE')
    expect(err.message).toContain('/dev/null')
    expect(err.message).toContain('character device')
  })

  test('a folder with no files, unless empty input is allowed', async () => {
    const root = join(dir, 'nothing')
    await writeTree(root, { inner: { deeper: {} }, '.only-hidden': 'h' })
    expect((await failure(root, { hidden: false })).code).toBe('ERR_EMPTY_INPUT')
    const err = await failure(join(root, 'inner'))
    expect(err.code).toBe('ERR_EMPTY_INPUT')
    expect(err.message).toContain(join(root, 'inner'))
    expect((await pack(join(root, 'inner'), { allowEmpty: true })).files).toBe(0)
  })
})

describe('files that change while being packed', () => {
  // the progress callback runs synchronously inside the packer, so sync fs calls there land at a known moment
  test('a file that grows after listing is an error naming it, and no CAR is left', async () => {
    const root = join(dir, 'grows')
    await writeTree(root, { 'a.txt': 100, 'b.bin': 2 * MiB })
    const out = join(dir, 'grows-out')
    const err = await failure(root, {
      output: join(out, 'x.car'),
      onProgress: e => { if (e.type === 'pinship:pack:start') appendFileSync(join(root, 'b.bin'), 'more') }
    })
    expect(err.code).toBe('ERR_FILE_CHANGED')
    expect(err.message).toContain(join(root, 'b.bin'))
    // neither the CAR nor the folder made for it is left
    expect(existsSync(out)).toBe(false)
  })

  test('a small file that shrinks after listing', async () => {
    const root = join(dir, 'shrinks')
    await writeTree(root, { 'a.txt': 10 * KiB })
    const err = await failure(root, {
      onProgress: e => { if (e.type === 'pinship:pack:start') truncateSync(join(root, 'a.txt'), 10) }
    })
    expect(err.code).toBe('ERR_FILE_CHANGED')
    expect(err.message).toContain(join(root, 'a.txt'))
  })

  test('content that changes between the two passes (same size) is caught by the root check', async () => {
    const root = join(dir, 'rewritten')
    await writeTree(root, { 'a.txt': 'aaaa', 'b.txt': 'bbbb' })
    let rewritten = false
    const err = await failure(root, {
      onShard: () => {},
      onProgress: e => {
        const d = e.detail as { bytes?: number, totalBytes?: number, pass?: number }
        // the end of the first pass (root computed), before the second reads anything
        if (e.type === 'pinship:pack:bytes' && !rewritten && d.pass === 1 && d.bytes === d.totalBytes) {
          rewritten = true
          writeFileSync(join(root, 'b.txt'), 'BBBB')
        }
      }
    })
    expect(rewritten).toBe(true)
    expect(err.code).toBe('ERR_FILE_CHANGED')
    expect(err.message).toContain(root)
  })
})

describe('aborting', () => {
  test('an aborted signal stops packing with ERR_ABORTED and removes the partial CAR', async () => {
    const root = join(dir, 'abort')
    await writeTree(root, { 'big.bin': 8 * MiB, 'small.txt': 'x' })
    const out = join(dir, 'abort-out')
    const controller = new AbortController()
    const err = await failure(root, {
      output: join(out, 'x.car'),
      signal: controller.signal,
      onProgress: e => { if (e.type === 'pinship:pack:start') controller.abort() }
    })
    expect(err.code).toBe('ERR_ABORTED')
    // neither the CAR nor the folder made for it is left
    expect(existsSync(out)).toBe(false)
  })
})
