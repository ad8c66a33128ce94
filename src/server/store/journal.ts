import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { defineError } from '../../core/errors.js'

/** A checksum failure with intact records after it: damage, not a crash. The server refuses to start on it. */
export const JournalCorruptError = defineError('ERR_JOURNAL_CORRUPT')

/** One line of the journal as read back: 1-based number, byte span, and its record when it verifies. */
export interface JournalLine {
  line: number
  start: number
  /** Offset just past the line, its newline included when it has one. */
  end: number
  /** False only for a last line with no newline. */
  terminated: boolean
  /** The parsed record, or undefined when the line fails its checksum or is not JSON. */
  record: unknown
}

/** What opening did to the end of the file: nothing, or the torn tail it cut off. */
export interface JournalTail {
  /** Bytes cut off the end (0 when the journal was whole). */
  cutBytes: number
  /** Line number where the cut began. */
  fromLine?: number
  /**
   * Newline-terminated lines in the cut: each was a whole record whose checksum failed (a write torn across
   * pages, or a damaged last record). When above 0, the cut bytes are kept in `savedTo`.
   */
  wholeLines: number
  savedTo?: string
}

/** Every line of a journal file, verified; a last line without its newline comes last with `terminated: false`. */
export async function * journalLines (fh: FileHandle): AsyncGenerator<JournalLine> {
  let carry: Buffer = Buffer.alloc(0)
  let offset = 0
  let line = 0
  for await (const chunk of createReadStream('', { fd: fh.fd, start: 0, autoClose: false }) as AsyncIterable<Buffer>) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk
    let start = 0
    while (true) {
      const nl = buf.indexOf(10, start)
      if (nl < 0) break
      line++
      yield { line, start: offset, end: offset + nl + 1 - start, terminated: true, record: parseLine(buf.subarray(start, nl)) }
      offset += nl + 1 - start
      start = nl + 1
    }
    carry = Buffer.from(buf.subarray(start))
  }
  if (carry.length > 0) {
    line++
    yield { line, start: offset, end: offset + carry.length, terminated: false, record: parseLine(carry) }
  }
}

/**
 * Append-only journal of JSON records, one per line: `<crc32 hex> <json>\n`. A record counts only once its
 * whole line, checksum included, is on disk; `append` resolves after fsync.
 *
 * On open, a line that fails its checksum is a torn tail (a crash mid-append) only when no intact record follows
 * it: then it and what follows are cut off. A failure with intact records after it is damage to acknowledged
 * data, and cutting there would drop everything after it: open refuses (JournalCorruptError) and changes nothing.
 */
export class Journal {
  private constructor (private fh: FileHandle, private readonly path: string, private tail: Promise<void> = Promise.resolve()) {}

  /**
   * Replays every intact record through `onRecord`, truncates a torn tail, and opens the file for appending.
   * `saveCutTo` receives the cut bytes when they held a whole (newline-terminated) line, so nothing that may have
   * been acknowledged is destroyed.
   */
  static async open (path: string, onRecord: (record: unknown) => void, options: { saveCutTo?: string, repairHint?: string } = {}): Promise<{ journal: Journal, records: number, tail: JournalTail }> {
    // a compaction interrupted before its rename: the journal itself is whole
    await rm(path + COMPACT_SUFFIX, { force: true })
    const fh = await open(path, 'a+')
    let validEnd = 0
    let records = 0
    let size = 0
    let firstBad: JournalLine | undefined
    let wholeBad = 0
    let intactAfter = 0
    let lastLine = 0
    let missingNewline = false
    try {
      size = (await fh.stat()).size
      for await (const l of journalLines(fh)) {
        lastLine = l.line
        if (firstBad === undefined && l.record !== undefined) {
          onRecord(l.record)
          records++
          validEnd = l.end
          // a verified record whose newline was lost (the flip of that one byte): keep it, restore the newline
          missingNewline = !l.terminated
          continue
        }
        firstBad ??= l
        if (l.record !== undefined) intactAfter++
        else if (l.terminated) wholeBad++
      }
      if (firstBad !== undefined && intactAfter > 0) {
        throw new JournalCorruptError(`${path} is damaged: line ${firstBad.line} (bytes ${firstBad.start}-${firstBad.end - 1}) fails its checksum, ` +
          `yet ${intactAfter} intact record(s) follow it (of ${lastLine} lines). That is corruption, not a write torn by a crash, so the service ` +
          `did not start and changed nothing. Copy the data dir somewhere safe, then run ${options.repairHint ?? '`pinship repair --data <dir>`'}: ` +
          'it keeps every record that verifies and sets the damaged lines and any segment no record references aside in quarantine/.')
      }
      const tail: JournalTail = { cutBytes: size - validEnd, wholeLines: wholeBad }
      if (firstBad !== undefined) tail.fromLine = firstBad.line
      if (validEnd < size) {
        if (wholeBad > 0 && options.saveCutTo !== undefined) {
          const cut = Buffer.alloc(size - validEnd)
          await fh.read(cut, 0, cut.length, validEnd)
          await mkdir(dirname(options.saveCutTo), { recursive: true })
          const out = await open(options.saveCutTo, 'wx')
          try { await out.writeFile(cut); await out.sync() } finally { await out.close() }
          tail.savedTo = options.saveCutTo
        }
        await fh.truncate(validEnd)
        await fh.sync()
      }
      if (missingNewline) {
        await fh.write('\n')
        await fh.sync()
      }
      return { journal: new Journal(fh, path), records, tail }
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  /** Appends one record (one line, so it is all there or, after a crash, cut off whole) and fsyncs. */
  async append (record: unknown): Promise<void> {
    const text = formatLine(record)
    const run = this.tail.then(async () => {
      await this.fh.write(text)
      await this.fh.datasync()
    })
    this.tail = run.catch(() => {})
    return await run
  }

  /**
   * Replaces the whole journal with `records` (a snapshot of the state it describes): written to a side file,
   * fsynced, renamed over the journal, directory fsynced. A crash leaves the old journal or the new one, whole.
   * The caller must keep other appends out meanwhile. Returns the new size in bytes.
   */
  async rewrite (records: Iterable<unknown>): Promise<number> {
    await this.tail
    const side = this.path + COMPACT_SUFFIX
    const out = await open(side, 'w')
    let size = 0
    try {
      let batch: string[] = []
      let batchBytes = 0
      const flush = async (): Promise<void> => {
        const text = batch.join('')
        await out.write(text)
        size += Buffer.byteLength(text)
        batch = []
        batchBytes = 0
      }
      for (const r of records) {
        const line = formatLine(r)
        batch.push(line)
        batchBytes += line.length
        if (batchBytes >= 1024 * 1024) await flush()
      }
      if (batch.length > 0) await flush()
      await out.sync()
    } finally {
      await out.close()
    }
    await rename(side, this.path)
    await syncDir(dirname(this.path))
    const next = await open(this.path, 'a+')
    const old = this.fh
    this.fh = next
    await old.close()
    return size
  }

  async size (): Promise<number> {
    return (await this.fh.stat()).size
  }

  async close (): Promise<void> {
    await this.tail
    await this.fh.close()
  }
}

const COMPACT_SUFFIX = '.compact'

async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

export function formatLine (record: unknown): string {
  const json = JSON.stringify(record)
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`
}

function parseLine (line: Buffer): unknown {
  if (line.length < 10 || line[8] !== 32) return undefined
  const json = line.subarray(9)
  if (crc32(json).toString(16).padStart(8, '0') !== line.subarray(0, 8).toString('latin1')) return undefined
  try {
    return JSON.parse(json.toString('utf8'))
  } catch {
    return undefined
  }
}
