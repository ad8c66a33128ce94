import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import busboy from 'busboy'
import { InvalidArgumentError, isPinshipError } from '../../core/errors.js'
import type { FilePart } from '../ingest.js'

export function isMultipart (req: IncomingMessage): boolean {
  return /^multipart\/form-data/i.test(req.headers['content-type'] ?? '')
}

/** Checks a part's file name as a relative POSIX path inside the upload: no absolute paths, no `..`. */
export function safeUploadPath (name: string): string {
  const parts = name.replace(/\\/g, '/').split('/').filter(p => p !== '' && p !== '.')
  if (parts.length === 0) throw new InvalidArgumentError(`Invalid file name "${name}" in the multipart upload: give each part a file name.`)
  if (parts.includes('..')) throw new InvalidArgumentError(`Invalid file name "${name}": ".." is not allowed in upload paths.`)
  return parts.join('/')
}

/**
 * File parts of a multipart body, in order, each a stream the consumer must read to the end before the next
 * arrives (busboy applies back-pressure). Parts without a file name are form fields and are ignored.
 */
export async function * multipartFiles (req: IncomingMessage, body: AsyncIterable<Uint8Array>): AsyncGenerator<FilePart & { type: string }> {
  let bb: busboy.Busboy
  try {
    bb = busboy({ headers: req.headers, preservePath: true })
  } catch (err) {
    throw new InvalidArgumentError(`Invalid multipart request: ${(err as Error).message}. Send Content-Type: multipart/form-data with a boundary.`, { cause: err })
  }
  const queue: Array<FilePart & { type: string }> = []
  // the part being read: a body failure must end it too, or its reader would wait forever
  let current: Readable | undefined
  let finished = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const signal = (): void => { const w = wake; wake = undefined; w?.() }

  bb.on('file', (_field, stream, info) => {
    if (info.filename === undefined || info.filename === '') { stream.resume(); return }
    let path: string
    try {
      path = safeUploadPath(info.filename)
    } catch (err) {
      failure = err as Error
      stream.resume()
      signal()
      return
    }
    current = stream
    queue.push({ path, content: guarded(stream, path), type: info.mimeType })
    signal()
  })
  bb.on('error', (err: Error) => {
    failure ??= new InvalidArgumentError(`Malformed multipart body: ${err.message}.`, { cause: err })
    current?.destroy(failure)
    signal()
  })
  bb.on('close', () => { finished = true; signal() })

  const source = Readable.from(body)
  source.on('error', (err) => { failure ??= err; current?.destroy(failure); bb.destroy(); signal() })
  source.pipe(bb)

  // a part cut short (truncated body) fails with busboy's own error: report it as bad input
  async function * guarded (stream: Readable, path: string): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) yield chunk
    } catch (err) {
      if (failure !== undefined && isPinshipError(failure)) throw failure
      throw new InvalidArgumentError(`The multipart body ends inside file "${path}" (${(err as Error).message}). Send the whole request again.`, { cause: err })
    }
  }

  try {
    while (true) {
      if (failure !== undefined) throw failure
      const next = queue.shift()
      if (next !== undefined) { yield next; continue }
      if (finished) return
      await new Promise<void>(resolve => { wake = resolve })
    }
  } finally {
    source.unpipe(bb)
    source.destroy()
  }
}
