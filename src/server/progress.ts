/** seed 004's UploadProgress, field names as the seed spells them. */
export interface UploadProgress {
  total_size: number
  uploaded: number
  status: 'uploading' | 'completed' | 'failed' | 'not_exist'
  error: string
}

/** Finished (completed or failed) progress entries stay answerable this long; completed uploads also via their record. */
export const DEFAULT_PROGRESS_RETENTION_MS = 10 * 60_000

type Listener = (p: UploadProgress) => void

interface Entry { progress: UploadProgress, listeners: Set<Listener>, finishedAt?: number }

export interface ProgressHandle {
  update: (uploaded: number) => void
  complete: () => void
  fail: (message: string) => void
}

/** Tracks uploads sent with `informProgress=true&path=…`, per user and absolute path. */
export class ProgressTracker {
  private readonly entries = new Map<string, Entry>()

  constructor (private readonly completedPath: (user: string, path: string) => boolean, private readonly retentionMs = DEFAULT_PROGRESS_RETENTION_MS) {}

  private key (user: string, path: string): string { return `${user}\0${path}` }

  start (user: string, path: string, totalSize: number | undefined): ProgressHandle {
    this.prune()
    const key = this.key(user, path)
    const previous = this.entries.get(key)
    const entry: Entry = {
      progress: { total_size: totalSize ?? -1, uploaded: 0, status: 'uploading', error: '' },
      // watchers of an earlier upload to the same path follow the new one
      listeners: previous?.listeners ?? new Set()
    }
    this.entries.set(key, entry)
    const notify = (): void => { for (const l of entry.listeners) l({ ...entry.progress }) }
    notify()
    const finish = (status: 'completed' | 'failed', error: string): void => {
      if (entry.progress.status !== 'uploading') return
      entry.progress = { ...entry.progress, status, error }
      if (status === 'completed' && entry.progress.total_size < 0) entry.progress.total_size = entry.progress.uploaded
      entry.finishedAt = Date.now()
      notify()
    }
    return {
      update: (uploaded) => {
        if (entry.progress.status !== 'uploading') return
        entry.progress.uploaded = uploaded
        notify()
      },
      complete: () => finish('completed', ''),
      fail: (message) => finish('failed', message)
    }
  }

  get (user: string, path: string): UploadProgress {
    const entry = this.entries.get(this.key(user, path))
    if (entry !== undefined && entry.progress.status !== 'not_exist') return { ...entry.progress }
    if (this.completedPath(user, path)) return { total_size: 0, uploaded: 0, status: 'completed', error: '' }
    return { total_size: 0, uploaded: 0, status: 'not_exist', error: '' }
  }

  /** Calls `listener` on every change of this path's upload until unsubscribed. */
  subscribe (user: string, path: string, listener: Listener): () => void {
    const key = this.key(user, path)
    let entry = this.entries.get(key)
    if (entry === undefined) {
      entry = { progress: { total_size: 0, uploaded: 0, status: 'not_exist', error: '' }, listeners: new Set(), finishedAt: Date.now() }
      this.entries.set(key, entry)
    }
    const e = entry
    e.listeners.add(listener)
    return () => { e.listeners.delete(listener) }
  }

  private prune (): void {
    const now = Date.now()
    for (const [key, e] of this.entries) {
      if (e.finishedAt !== undefined && now - e.finishedAt > this.retentionMs && e.listeners.size === 0) this.entries.delete(key)
    }
  }
}
