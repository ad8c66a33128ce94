import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiFace } from './errors.js'

export interface RequestContext<S> {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: string[]
  state: S
}

export type Handler<S> = (ctx: RequestContext<S>) => Promise<void>

interface Route<S> { method: string, pattern: RegExp, face: ApiFace, handler: Handler<S> }

export type RouteMatch<S> =
  | { kind: 'found', face: ApiFace, handler: Handler<S>, params: string[] }
  | { kind: 'method', face: ApiFace, allowed: string[] }
  | { kind: 'none' }

/** Method + anchored pattern routes; captured groups become `params` (still percent-encoded). */
export class Router<S> {
  private readonly routes: Array<Route<S>> = []

  add (method: string, pattern: RegExp, face: ApiFace, handler: Handler<S>): this {
    this.routes.push({ method, pattern, face, handler })
    return this
  }

  match (method: string, path: string): RouteMatch<S> {
    const allowed: string[] = []
    let face: ApiFace | undefined
    for (const r of this.routes) {
      const m = r.pattern.exec(path)
      if (m === null) continue
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) {
        return { kind: 'found', face: r.face, handler: r.handler, params: m.slice(1) }
      }
      allowed.push(r.method)
      face ??= r.face
    }
    if (face !== undefined) return { kind: 'method', face, allowed }
    return { kind: 'none' }
  }
}
