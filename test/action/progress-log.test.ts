/** The core's progress events as action log lines: groups per phase, throttled byte progress, no secrets. */
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { ProgressLog } from '../../src/action/progress-log.js'

let lines: string[]
beforeEach(() => {
  lines = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(l => l !== ''))
    return true
  })
})
afterEach(() => { vi.restoreAllMocks() })

const cid = 'bafybeidoc7vs3nczqnirm4ciikwzgcormjm6kjl2qfkcar2yp2hcvdnz7a'

test('one group per phase, only moving forward; pack lines stay in the Pack group when packing and uploading overlap', () => {
  const log = new ProgressLog()
  log.onProgress({ type: 'pinship:deploy:plan', detail: { services: [{ service: 'local', endpoint: 'http://127.0.0.1:1' }], shardSize: null, wait: 'pinned', timeoutMs: 60_000 } })
  log.onProgress({ type: 'pinship:pack:start', detail: { path: '/site', files: 2, bytes: 10 } })
  log.onProgress({ type: 'pinship:deploy:shard-start', detail: { service: 'local', shard: 1, shards: 0, bytes: 900, attempt: 1 } })
  log.onProgress({ type: 'pinship:pack:done', detail: { cid, profile: 'unixfs-v1-2025', files: 2, bytes: 10, carBytes: 900 } })
  log.onProgress({ type: 'pinship:deploy:state', detail: { service: 'local', cid, pin: 'pinned', deals: [], rawStatus: 'Pinned' } })
  log.close()
  log.close()
  expect(lines).toEqual([
    '::group::Plan',
    'deploying to local (127.0.0.1:1); waiting for pinned, at most 1 min',
    '::endgroup::',
    '::group::Pack into CAR',
    'packing /site: 2 files, 10 B',
    `root ${cid} (unixfs-v1-2025): 2 files, 10 B, CAR 900 B`,
    '::endgroup::',
    '::group::Upload',
    'local: uploading shard 1 (900 B)',
    '::endgroup::',
    '::group::Wait for pins',
    'local: pinned (Pinned)',
    '::endgroup::'
  ])
})

test('lines held back while packing are throttled as they arrive, and still logged when the core throws mid-pack', () => {
  const log = new ProgressLog()
  log.onProgress({ type: 'pinship:pack:start', detail: { path: '/site', files: 1, bytes: 1000 } })
  for (let sent = 0; sent <= 1000; sent += 10) {
    log.onProgress({ type: 'pinship:deploy:shard-bytes', detail: { service: 'local', shard: 1, sent, bytes: 1000 } })
  }
  log.onProgress({ type: 'pinship:pack:shard', detail: { index: 0, bytes: 1000, blocks: 3, carCid: 'bafkqaaa' } })
  log.close()
  log.onProgress({ type: 'pinship:pack:done', detail: { cid, profile: 'unixfs-v1-2025', files: 1, bytes: 1000, carBytes: 1100 } })
  expect(lines).toEqual([
    '::group::Pack into CAR',
    'packing /site: 1 file, 1000 B',
    'CAR shard 1: 1000 B, 3 blocks, bafkqaaa',
    '::endgroup::',
    '::group::Upload',
    'local: shard 1 250 B of 1000 B',
    'local: shard 1 500 B of 1000 B',
    'local: shard 1 750 B of 1000 B',
    '::endgroup::',
    `root ${cid} (unixfs-v1-2025): 1 file, 1000 B, CAR 1.07 KiB`
  ])
})

test('byte progress is logged in steps, not per chunk', () => {
  const log = new ProgressLog()
  for (let bytes = 0; bytes <= 1000; bytes += 10) {
    log.onProgress({ type: 'pinship:pack:bytes', detail: { bytes, totalBytes: 1000, files: 1, totalFiles: 1 } })
    log.onProgress({ type: 'pinship:deploy:bytes', detail: { bytes, totalBytes: 2000 } })
  }
  log.close()
  expect(lines.filter(l => l.startsWith('packing:'))).toEqual(['packing: 25% (250 B of 1000 B)', 'packing: 50% (500 B of 1000 B)', 'packing: 75% (750 B of 1000 B)', 'packing: 100% (1000 B of 1000 B)'])
  expect(lines.some(l => l.includes('deploy:bytes'))).toBe(false)
})

test('two passes over the files are two honest phases, each to 100% of the files\' bytes', () => {
  const log = new ProgressLog()
  for (const [pass, phase] of [[1, 'root CID'], [2, 'CAR']] as const) {
    for (let bytes = 0; bytes <= 1000; bytes += 250) log.onProgress({ type: 'pinship:pack:bytes', detail: { bytes, totalBytes: 1000, files: 1, totalFiles: 1, pass, passes: 2, phase } })
  }
  log.close()
  expect(lines.filter(l => l.startsWith('packing'))).toEqual([
    'packing (root CID): 25% (250 B of 1000 B)', 'packing (root CID): 50% (500 B of 1000 B)', 'packing (root CID): 75% (750 B of 1000 B)', 'packing (root CID): 100% (1000 B of 1000 B)',
    'packing (CAR): 25% (250 B of 1000 B)', 'packing (CAR): 50% (500 B of 1000 B)', 'packing (CAR): 75% (750 B of 1000 B)', 'packing (CAR): 100% (1000 B of 1000 B)'
  ])
})

test('unknown events are shown generically but rate-limited; secrets are scrubbed', () => {
  const log = new ProgressLog(['s3cr3t-token'])
  for (let i = 0; i < 50; i++) log.onProgress({ type: 'pinship:future:thing', detail: { n: i, note: 'uses s3cr3t-token' } })
  log.onProgress({ type: 'pinship:deploy:retry', detail: { service: 'pinata', operation: 'upload', attempt: 2, retriesLeft: 3, retryAfterMs: 60_000, error: { code: 'ERR_RATE_LIMITED', message: 'too many requests for s3cr3t-token' } } })
  log.close()
  expect(lines.filter(l => l.startsWith('future:thing'))).toEqual(['future:thing: n=0 note=uses ***'])
  expect(lines).toContain('pinata: upload failed (too many requests for ***); retry 2, 3 left, service asked to wait 60 s')
  expect(lines.join('\n')).not.toContain('s3cr3t-token')
})
