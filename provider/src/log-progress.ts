/** Core progress events → Terraform's log: milestones at info, byte counts at debug, retries at warn. */
import type { OnProgress, ProgressEvent } from '../../src/core/index.js'
import type { Logger } from './framework/types.js'

const DEBUG = new Set(['pinship:pack:bytes', 'pinship:deploy:bytes', 'pinship:deploy:shard-bytes', 'pinship:deploy:shard-start', 'pinship:pack:shard'])

function fieldsOf (event: ProgressEvent): Record<string, unknown> {
  const d = event.detail
  if (event.type === 'pinship:pack:done' || event.type === 'pinship:deploy:done') {
    // The whole result is large (every shard); keep what a reader of the log needs.
    const r = d as { cid?: string, files?: number, bytes?: number, carBytes?: number, ok?: boolean, urls?: string[] }
    return { cid: r.cid, files: r.files, bytes: r.bytes, car_bytes: r.carBytes, ok: r.ok, urls: r.urls }
  }
  return typeof d === 'object' && d !== null ? { ...d as Record<string, unknown> } : { detail: d }
}

/** An onProgress that logs every event as `<resource>: <event>` with its detail as fields. */
export function logProgress (log: Logger, resource: string): OnProgress {
  return event => {
    const name = event.type.replace(/^pinship:/, '')
    const fields: Record<string, unknown> = { resource, ...fieldsOf(event) }
    for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k]
    if (DEBUG.has(event.type)) log.debug(`${resource}: ${name}`, fields)
    else if (event.type === 'pinship:deploy:retry') log.warn(`${resource}: ${name}`, fields)
    else log.info(`${resource}: ${name}`, fields)
  }
}
