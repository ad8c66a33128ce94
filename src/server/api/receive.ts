import { EmptyInputError, InvalidArgumentError, isPinshipError } from '../../core/errors.js'
import { checkDeclaredLength, limitedBody } from '../http/body.js'
import { isMultipart, multipartFiles } from '../http/multipart.js'
import { progressPathOf, startProgress } from '../http/upload-progress.js'
import { ingestCar, ingestFiles, type FilePart, type IngestResult } from '../ingest.js'
import type { UploadApi } from '../store/records.js'
import type { Ctx } from '../state.js'

export type UploadKind = 'car' | 'files'

/** X-Name is URI-encoded (web3.storage client); a bad escape is the client's error, not ours. */
export function nameFromHeader (ctx: Ctx): string | undefined {
  const raw = ctx.req.headers['x-name']
  if (typeof raw !== 'string' || raw === '') return undefined
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new InvalidArgumentError('The X-Name header is not valid URI encoding: send encodeURIComponent(name).')
  }
}

export function isCarRequest (ctx: Ctx): boolean {
  return /^application\/(car|vnd\.ipld\.car)\b/i.test(ctx.req.headers['content-type'] ?? '')
}

/**
 * Receives one upload request body (a CAR, multipart files or a single blob) for `user`, with body limits,
 * optional progress reporting (seed 004) and a durable commit before it resolves.
 */
export async function receiveUpload (ctx: Ctx, user: string, api: UploadApi, kind: UploadKind): Promise<IngestResult> {
  const { state, req, url } = ctx
  const path = progressPathOf(url)
  const declared = checkDeclaredLength(req, state.maxBodyBytes)
  const progress = startProgress(ctx, user, path, declared)
  const body = limitedBody(req, state.maxBodyBytes, { onBytes: progress?.update })
  const name = nameFromHeader(ctx)
  try {
    let result: IngestResult
    if (kind === 'car') {
      result = await ingestCar(state.repo, body, { user, api, name, path, type: 'application/car', maxBlockBytes: state.maxBlockBytes })
    } else if (isMultipart(req)) {
      const files: Array<{ name: string, type: string }> = []
      async function * parts (): AsyncGenerator<FilePart> {
        for await (const part of multipartFiles(req, body)) {
          files.push({ name: part.path, type: part.type })
          yield part
        }
      }
      result = await ingestFiles(state.repo, parts(), { user, api, name, path, wrap: true, type: 'directory', files })
    } else {
      const type = req.headers['content-type'] ?? 'application/octet-stream'
      async function * nonEmpty (): AsyncGenerator<Uint8Array> {
        let bytes = 0
        for await (const chunk of body) { bytes += chunk.length; yield chunk }
        if (bytes === 0) throw new EmptyInputError('The request body is empty. Send the file as the body, or multipart file parts.')
      }
      async function * single (): AsyncGenerator<FilePart> { yield { path: 'blob', content: nonEmpty() } }
      result = await ingestFiles(state.repo, single(), { user, api, name, path, wrap: false, type })
    }
    progress?.complete()
    state.emit({ type: 'pinship:server:stored', detail: { api, cid: result.record.cid, user, blocks: result.blocks, newBlocks: result.newBlocks, bytes: result.bytes } })
    return result
  } catch (err) {
    progress?.fail(isPinshipError(err) ? err.message : 'upload failed')
    throw err
  }
}
