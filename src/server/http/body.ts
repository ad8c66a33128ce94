import type { IncomingMessage } from 'node:http'
import { InvalidArgumentError, TooLargeError } from '../../core/errors.js'

/** Largest request body accepted: web3.storage and NFT.Storage capped a request at 100 MB (10^8 bytes), and so do we. */
export const DEFAULT_MAX_BODY_BYTES = 100_000_000
/** JSON bodies (PSA pins, login) are small; refuse big ones early. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024

/** What a body is, so a 413 gives advice that fits: uploads can be split, a JSON object or a form cannot. */
export type BodyKind = 'upload' | 'json' | 'form'

function tooLarge (max: number, kind: BodyKind): Error {
  if (kind === 'json') {
    return new TooLargeError(`The JSON body is over the ${max}-byte limit for JSON requests. Send a smaller object: ` +
      'a pin request is a few hundred bytes; keep names, origins and meta short.')
  }
  if (kind === 'form') return new TooLargeError(`The form is over the ${max}-byte limit. Send only the form's own fields.`)
  return new TooLargeError(`Request body is over the ${max}-byte limit. Split the CAR into shards of at most ${max} bytes ` +
    '(pinship deploy does this) and send each with POST /car.')
}

/** Throws 413 before reading anything when Content-Length is already over the limit. */
export function checkDeclaredLength (req: IncomingMessage, max: number, kind: BodyKind = 'upload'): number | undefined {
  const header = req.headers['content-length']
  if (header === undefined) return undefined
  const length = Number(header)
  if (!Number.isSafeInteger(length) || length < 0) throw new InvalidArgumentError(`Invalid Content-Length header: ${header}`)
  if (length > max) throw tooLarge(max, kind)
  return length
}

/**
 * The request body as a stream of chunks, stopping with 413 once it passes `max` bytes and with a clear error
 * when the client goes away mid-body (truncated upload). `onBytes` sees the running total.
 */
export async function * limitedBody (req: IncomingMessage, max: number, options: { onBytes?: (total: number) => void, kind?: BodyKind } = {}): AsyncGenerator<Uint8Array> {
  const { onBytes, kind = 'upload' } = options
  let total = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > max) throw tooLarge(max, kind)
      onBytes?.(total)
      yield chunk
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'ECONNRESET' || (err as Error).message === 'aborted') {
      throw new InvalidArgumentError(`The request body was cut off after ${total} bytes (client disconnected). Send the whole body again.`, { cause: err })
    }
    throw err
  }
  if (req.readableAborted || (req.complete === false)) {
    throw new InvalidArgumentError(`The request body was cut off after ${total} bytes (client disconnected). Send the whole body again.`)
  }
}

export async function readJson (req: IncomingMessage, max = DEFAULT_MAX_JSON_BYTES): Promise<unknown> {
  checkDeclaredLength(req, max, 'json')
  const chunks: Uint8Array[] = []
  for await (const chunk of limitedBody(req, max, { kind: 'json' })) chunks.push(chunk)
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new InvalidArgumentError(`The request body is not valid JSON (${(err as Error).message}). Send a JSON object with Content-Type: application/json.`, { cause: err })
  }
}
