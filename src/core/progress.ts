/**
 * Progress events. The core never logs: it calls `onProgress` with namespaced events and each front end
 * (CLI bar, action log groups, provider log) renders them. Event types are `pinship:<area>:<what>`.
 * Each module exports the precise union of its own events; this is the shape they all share.
 */
export interface ProgressEvent<T extends string = string, D = unknown> {
  type: T
  detail: D
}

export type OnProgress = (event: ProgressEvent) => void

export interface ProgressOptions {
  /** Receives progress events; must not throw. */
  onProgress?: OnProgress
}

/** Call onProgress without letting a renderer's bug break the pipeline. */
export function emit<T extends string, D> (options: ProgressOptions | undefined, type: T, detail: D): void {
  const fn = options?.onProgress
  if (fn === undefined) return
  try { fn({ type, detail }) } catch { /* a renderer's failure must not fail a deploy */ }
}
