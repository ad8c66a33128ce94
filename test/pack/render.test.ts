// The CLI's shared progress renderer: a bar per area on a TTY, plain lines or nothing otherwise, generic over
// pinship:<area>:<what> events.
import { describe, expect, test } from 'vitest'
import { createProgressRenderer, describeEvent, formatBytes, splitEventType } from '../../src/cli/render.js'
import { describePackEvent, parseByteSize } from '../../src/cli/commands/pack.js'

function fakeStream (isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let out = ''
  const stream = {
    isTTY,
    columns: 100,
    write: (chunk: string | Uint8Array) => { out += String(chunk); return true },
    on: () => stream,
    once: () => stream,
    removeListener: () => stream,
    off: () => stream,
    text: () => out
  }
  return stream as unknown as NodeJS.WriteStream & { text: () => string }
}

const bytes = (n: number, total: number): { type: string, detail: unknown } =>
  ({ type: 'pinship:pack:bytes', detail: { bytes: n, totalBytes: total, files: 1, totalFiles: 2 } })

describe('progress renderer', () => {
  test('auto mode draws nothing when the stream is not a TTY', () => {
    const stream = fakeStream(false)
    const r = createProgressRenderer({ stream })
    r.onProgress({ type: 'pinship:pack:start', detail: { path: 'x', files: 2, bytes: 10 } })
    r.onProgress(bytes(5, 10))
    r.stop()
    expect(stream.text()).toBe('')
  })

  test('auto mode draws a bar on a TTY, one per area, with other events as lines above it', () => {
    const stream = fakeStream(true)
    const r = createProgressRenderer({ stream, describe: describePackEvent })
    r.onProgress({ type: 'pinship:pack:start', detail: { path: 'x', files: 2, bytes: 2 * 1024 * 1024 } })
    r.onProgress(bytes(1024 * 1024, 2 * 1024 * 1024))
    r.onProgress({ type: 'pinship:upload:bytes', detail: { bytes: 10, totalBytes: 100 } })
    r.onProgress({ type: 'pinship:pack:shard', detail: { index: 0, path: '/tmp/s.car', carCid: 'bag', bytes: 2048, blocks: 3 } })
    r.onProgress(bytes(2 * 1024 * 1024, 2 * 1024 * 1024))
    r.stop()
    const text = stream.text()
    expect(text).toContain('pinship: packing 2 files (2.0 MiB)')
    expect(text).toContain('pinship: shard 1: 2.0 KiB, 3 blocks → /tmp/s.car')
    expect(text).toMatch(/pack\s+\[/)
    expect(text).toMatch(/upload\s+\[/)
    expect(text).toContain('100%')
    expect(text).toContain('1/2 files')
  })

  test('lines mode prints bytes progress in steps and other events generically', () => {
    const stream = fakeStream(false)
    const r = createProgressRenderer({ stream, mode: 'lines', lineStepPercent: 50 })
    for (let i = 0; i <= 10; i++) r.onProgress(bytes(i, 10))
    r.onProgress({ type: 'pinship:deploy:pinned', detail: { service: 'kubo', cid: 'bafy', bytes: 2048 } })
    r.stop()
    expect(stream.text().split('\n').filter(Boolean)).toEqual([
      'pinship: pack 0% (0 B of 10 B)',
      'pinship: pack 50% (5 B of 10 B)',
      'pinship: pack 100% (10 B of 10 B)',
      'pinship: deploy pinned service=kubo cid=bafy bytes=2.0 KiB'
    ])
  })

  test('two passes over the same bytes are two phases, each with its own percentages; "1 file"', () => {
    const stream = fakeStream(false)
    const r = createProgressRenderer({ stream, mode: 'lines', describe: describePackEvent })
    r.onProgress({ type: 'pinship:pack:start', detail: { path: 'x', files: 1, bytes: 100 } })
    for (const [pass, phase] of [[1, 'root CID'], [2, 'CAR']] as const) {
      for (const n of [0, 50, 100]) r.onProgress({ type: 'pinship:pack:bytes', detail: { bytes: n, totalBytes: 100, files: n === 100 ? 1 : 0, totalFiles: 1, pass, passes: 2, phase } })
    }
    r.stop()
    expect(stream.text().split('\n').filter(l => l !== '')).toEqual([
      'pinship: packing 1 file (100 B)',
      'pinship: pack (root CID) 0% (0 B of 100 B)',
      'pinship: pack (root CID) 50% (50 B of 100 B)',
      'pinship: pack (root CID) 100% (100 B of 100 B)',
      'pinship: pack (CAR) 0% (0 B of 100 B)',
      'pinship: pack (CAR) 50% (50 B of 100 B)',
      'pinship: pack (CAR) 100% (100 B of 100 B)'
    ])
  })

  test('none mode is silent; a describe returning null hides an event', () => {
    const stream = fakeStream(true)
    const r = createProgressRenderer({ stream, mode: 'none' })
    r.onProgress(bytes(1, 2))
    expect(stream.text()).toBe('')
    const lines = fakeStream(false)
    const l = createProgressRenderer({ stream: lines, mode: 'lines', describe: () => null })
    l.onProgress({ type: 'pinship:pack:done', detail: {} })
    expect(lines.text()).toBe('')
  })

  test('helpers', () => {
    expect(splitEventType('pinship:pack:bytes')).toEqual({ area: 'pack', what: 'bytes' })
    expect(splitEventType('other')).toEqual({ area: 'pinship', what: 'other' })
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(400 * 1024 * 1024)).toBe('400 MiB')
    expect(describeEvent({ type: 'pinship:x:y', detail: { a: 1, b: 'c', nested: { d: 1 } } })).toBe('x y a=1 b=c')
  })
})

describe('--shard-size parsing', () => {
  test('bytes and units', () => {
    expect(parseByteSize('100000000')).toBe(100_000_000)
    expect(parseByteSize('100MB')).toBe(100_000_000)
    expect(parseByteSize('95MiB')).toBe(95 * 1024 * 1024)
    expect(parseByteSize('1.5kb')).toBe(1500)
  })

  for (const bad of ['', 'abc', '0', '-5', '1.5', '10 parsecs', '1e8']) {
    test(`refuses "${bad}"`, () => {
      expect(() => parseByteSize(bad)).toThrow(/Invalid shard size/)
    })
  }
})
