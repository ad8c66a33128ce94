import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { crc32 } from 'node:zlib'

/**
 * Append-only journal of JSON records, one per line: `<crc32 hex> <json>\n`. A record counts only once its
 * whole line, checksum included, is on disk; `append` resolves after fsync. On open, the first line that is
 * incomplete or fails its checksum marks a torn tail (a crash mid-append): it and anything after it are cut off.
 */
export class Journal {
  private constructor (private readonly fh: FileHandle, private tail: Promise<void> = Promise.resolve()) {}

  /** Replays every intact record through `onRecord`, truncates a torn tail, and opens the file for appending. */
  static async open (path: string, onRecord: (record: unknown) => void): Promise<{ journal: Journal, records: number, tornBytes: number }> {
    const fh = await open(path, 'a+')
    let validEnd = 0
    let records = 0
    let size = 0
    try {
      size = (await fh.stat()).size
      let carry: Buffer = Buffer.alloc(0)
      let offset = 0
      let broken = false
      for await (const chunk of createReadStream('', { fd: fh.fd, start: 0, autoClose: false }) as AsyncIterable<Buffer>) {
        if (broken) break
        let buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk
        let start = 0
        while (true) {
          const nl = buf.indexOf(10, start)
          if (nl < 0) break
          const record = parseLine(buf.subarray(start, nl))
          if (record === undefined) { broken = true; break }
          onRecord(record)
          records++
          offset += nl + 1 - start
          validEnd = offset
          start = nl + 1
        }
        buf = buf.subarray(start)
        carry = Buffer.from(buf)
      }
    } catch (err) {
      await fh.close()
      throw err
    }
    if (validEnd < size) {
      await fh.truncate(validEnd)
      await fh.sync()
    }
    return { journal: new Journal(fh), records, tornBytes: size - validEnd }
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

  async close (): Promise<void> {
    await this.tail
    await this.fh.close()
  }
}

function formatLine (record: unknown): string {
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
