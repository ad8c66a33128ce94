// A damaged journal never costs acknowledged data: corruption before intact records stops start-up with the line
// named and `pinship repair` salvages every record that verifies; a damaged last line is cut like a torn tail but
// kept; segments whose record is gone are quarantined, never deleted.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { repairDataDir } from '../../src/server/index.js'
import { encodeCar, importFiles, json, ROOT, startTestServer, tempDir, type TestServer, ensureCliBuilt } from './helpers.js'

const run = promisify(execFile)
let tmp: { path: string, remove: () => Promise<void> }
beforeAll(async () => {
  tmp = await tempDir()
  ensureCliBuilt()
})
afterAll(async () => { await tmp.remove() })

interface Fixture { a: string, b: string, c: string, segments: string[] }

async function content (seed: string): Promise<{ root: CID, car: Uint8Array, partial: Uint8Array }> {
  const data = Buffer.alloc(600 * 1024, seed)
  const { root, blocks } = await importFiles([{ path: `${seed}.txt`, content: data }], { wrap: true })
  return { root, car: await encodeCar([root], blocks), partial: await encodeCar([root], blocks.slice(0, 1)) }
}

/**
 * Three uploads, three segments. Journal lines: 1 commit A, 2 complete A, 3 commit B, 4 complete B, 5 commit C,
 * where C is a partial DAG, so its commit is the last line.
 */
async function populate (dir: string): Promise<Fixture> {
  const [a, b, c] = await Promise.all(['alpha', 'bravo', 'charlie'].map(content))
  const s = await startTestServer({}, dir)
  try {
    for (const [car, name] of [[a.car, 'a'], [b.car, 'b'], [c.partial, 'c']] as const) {
      expect((await fetch(`${s.url}/car`, { method: 'POST', body: car, headers: { ...s.auth(), 'x-name': name } })).status).toBe(200)
    }
  } finally {
    await s.close()
  }
  const lines = (await readFile(join(dir, 'journal.log'), 'utf8')).trimEnd().split('\n')
  expect(lines.map(l => JSON.parse(l.slice(9)).t)).toEqual(['commit', 'complete', 'commit', 'complete', 'commit'])
  return { a: a.root.toString(), b: b.root.toString(), c: c.root.toString(), segments: (await readdir(join(dir, 'blocks'))).sort() }
}

/** Changes one byte inside the JSON of line `n` (1-based), keeping the line's length and newline. */
async function flipByte (dir: string, n: number): Promise<Buffer> {
  const path = join(dir, 'journal.log')
  const bytes = await readFile(path)
  let start = 0
  for (let i = 1; i < n; i++) start = bytes.indexOf(10, start) + 1
  const at = start + 20
  bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61
  await writeFile(path, bytes)
  return bytes
}

function segmentOf (journal: string, line: number): string {
  return JSON.parse(journal.split('\n')[line - 1].slice(9)).seg
}

async function status (s: TestServer, cid: string): Promise<number> {
  return (await fetch(`${s.url}/ipfs/${cid}/`)).status
}

describe.each([
  { where: 'head', line: 1, lost: 'a' as const },
  { where: 'middle', line: 3, lost: 'b' as const }
])('a damaged journal line at the $where', ({ line, lost }) => {
  it('stops start-up naming the line, changes nothing, and `repairDataDir` salvages every verifiable record', async () => {
    const dir = join(tmp.path, `corrupt-${line}`)
    const f = await populate(dir)
    const original = await readFile(join(dir, 'journal.log'), 'utf8')
    const damaged = await flipByte(dir, line)

    const failed = await startTestServer({}, dir).then(async s => { await s.stop(); return undefined }, (err: unknown) => err)
    expect(failed).toMatchObject({ code: 'ERR_JOURNAL_CORRUPT' })
    expect((failed as Error).message).toContain(`line ${line} `)
    expect((failed as Error).message).toContain(`pinship repair --data ${dir}`)
    // refused before touching anything: the journal and every segment are as they were
    expect((await readFile(join(dir, 'journal.log'))).equals(damaged)).toBe(true)
    expect((await readdir(join(dir, 'blocks'))).sort()).toEqual(f.segments)

    const report = await repairDataDir(dir)
    expect(report.dropped.map(d => d.line)).toEqual([line])
    expect(report.lines).toBe(5)
    // completion marks after the damage are dropped (they are walked again on start); every other record is kept
    expect(report.completionsRechecked).toBe(line === 1 ? 2 : 1)
    expect(report.kept).toBe(line === 1 ? 2 : 3)
    const lostSeg = segmentOf(original, line)
    expect(report.quarantined).toEqual([lostSeg])
    expect(await readdir(join(dir, 'quarantine'))).toContain(lostSeg)
    expect((await readFile(report.backup as string)).equals(damaged)).toBe(true)

    const s = await startTestServer({}, dir)
    try {
      const kept = (['a', 'b'] as const).find(k => k !== lost) as 'a' | 'b'
      expect(await status(s, f[kept])).toBe(200)
      expect((await json(await fetch(`${s.url}/status/${f[kept]}`))).pins[0].status).toBe('Pinned')
      expect((await json(await fetch(`${s.url}/status/${f.c}`))).pins[0].status).toBe('PinQueued')
      expect(await status(s, f[lost])).toBe(404)
      // the content that lost its record can simply be uploaded again
      const again = await content(lost === 'a' ? 'alpha' : 'bravo')
      expect((await fetch(`${s.url}/car`, { method: 'POST', body: again.car, headers: s.auth() })).status).toBe(200)
      expect(await status(s, f[lost])).toBe(200)
    } finally {
      await s.close()
    }
  })
})

describe('a damaged last line', () => {
  it('is cut like a torn tail, but its bytes and its segment are kept in quarantine and the recovery is reported', async () => {
    const dir = join(tmp.path, 'corrupt-tail')
    const f = await populate(dir)
    const original = await readFile(join(dir, 'journal.log'), 'utf8')
    await flipByte(dir, 5)
    const events: Array<{ type: string, detail: any }> = []
    const s = await startTestServer({ onProgress: e => events.push(e as { type: string, detail: any }) }, dir)
    try {
      expect(await status(s, f.a)).toBe(200)
      expect(await status(s, f.b)).toBe(200)
      expect((await fetch(`${s.url}/status/${f.c}`)).status).toBe(404)
      const recovered = events.find(e => e.type === 'pinship:server:recovered')?.detail
      expect(recovered).toMatchObject({ fromLine: 5, damagedRecords: 1, quarantined: [segmentOf(original, 5)] })
      expect(await readFile(recovered.savedTo, 'utf8')).toBe(original.split('\n')[4].replace(/^(.{20})./s, (m, p: string) => p + (original.split('\n')[4][20] === 'a' ? 'b' : 'a')) + '\n')
      expect(await readdir(join(dir, 'quarantine'))).toContain(segmentOf(original, 5))
    } finally {
      await s.close()
    }
  })

  it('a torn tail (no newline, as after kill -9) is cut without setting anything aside', async () => {
    const dir = join(tmp.path, 'torn-tail')
    const f = await populate(dir)
    const path = join(dir, 'journal.log')
    const whole = await readFile(path)
    await writeFile(path, Buffer.concat([whole, Buffer.from('1234abcd {"t":"commit","seg":"x.seg","blo')]))
    const events: Array<{ type: string, detail: any }> = []
    const s = await startTestServer({ onProgress: e => events.push(e as { type: string, detail: any }) }, dir)
    try {
      expect(await status(s, f.a)).toBe(200)
      expect(events.find(e => e.type === 'pinship:server:recovered')?.detail).toMatchObject({ fromLine: 6, damagedRecords: 0, journalBytesCut: 41 })
      expect(existsSync(join(dir, 'quarantine'))).toBe(false)
      expect((await readFile(path)).equals(whole)).toBe(true)
    } finally {
      await s.close()
    }
  })

  it('a last record that only lost its newline is kept', async () => {
    const dir = join(tmp.path, 'no-newline')
    const f = await populate(dir)
    const path = join(dir, 'journal.log')
    const whole = await readFile(path)
    await writeFile(path, whole.subarray(0, whole.length - 1))
    const s = await startTestServer({}, dir)
    try {
      expect((await json(await fetch(`${s.url}/status/${f.c}`))).pins[0].status).toBe('PinQueued')
    } finally {
      await s.close()
    }
    expect((await readFile(path)).equals(whole)).toBe(true)
  })
})

describe('a segment the journal names but the disk lacks', () => {
  it('has its blocks unindexed, is reported, and its DAG is walked again instead of claimed complete', async () => {
    const dir = join(tmp.path, 'missing-seg')
    const f = await populate(dir)
    const journal = await readFile(join(dir, 'journal.log'), 'utf8')
    const { rm } = await import('node:fs/promises')
    await rm(join(dir, 'blocks', segmentOf(journal, 1)))
    const events: Array<{ type: string, detail: any }> = []
    const s = await startTestServer({ onProgress: e => events.push(e as { type: string, detail: any }) }, dir)
    try {
      expect(events.find(e => e.type === 'pinship:server:recovered')?.detail).toMatchObject({ missingSegments: [segmentOf(journal, 1)] })
      expect((await json(await fetch(`${s.url}/status/${f.a}`))).pins[0].status).toBe('PinQueued')
      expect(await status(s, f.a)).toBe(404)
      expect((await json(await fetch(`${s.url}/status/${f.b}`))).pins[0].status).toBe('Pinned')
      expect(await status(s, f.b)).toBe(200)
    } finally {
      await s.close()
    }
  })
})

describe('the CLI', () => {
  it('`pinship serve` exits 1 naming the damaged line; `pinship repair` salvages and serve starts again', async () => {
    const dir = join(tmp.path, 'cli')
    const f = await populate(dir)
    await flipByte(dir, 3)
    const bin = join(ROOT, 'bin/pinship')
    const failed = await run(process.execPath, [bin, 'serve', '--port', '0', '--json', '--data', dir, '--token', 'token-alice']).then(() => undefined, (err: { code: number, stderr: string }) => err)
    expect(failed?.code).toBe(1)
    expect(failed?.stderr).toMatch(/line 3 .*pinship repair --data/s)
    const { stdout } = await run(process.execPath, [bin, 'repair', '--data', dir])
    expect(stdout).toContain('kept 3 of 5 journal lines; dropped damaged line(s) 3.')
    expect(stdout).toMatch(/1 segment\(s\) no kept record references were moved to .*quarantine/)
    const s = await startTestServer({}, dir)
    try {
      expect(await status(s, f.a)).toBe(200)
    } finally {
      await s.close()
    }
  })
})
