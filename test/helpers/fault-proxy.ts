/**
 * A loopback HTTP proxy that sits between a client and a service and misbehaves on purpose, driven by a seeded
 * PRNG so a failing run can be replayed: it resets connections mid-request, answers 503 or 429 (with
 * Retry-After), stalls without answering, and truncates request or response bodies. Everything else is forwarded
 * unchanged. Counts of what it did are in `stats`.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type Fault = 'reset' | 'status503' | 'status429' | 'stall' | 'truncateRequest' | 'truncateResponse'
export const FAULTS: readonly Fault[] = ['reset', 'status503', 'status429', 'stall', 'truncateRequest', 'truncateResponse']

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. http://127.0.0.1:8787 */
  target: string
  /** PRNG seed: the same seed and request order give the same faults. */
  seed: number
  /** Chance per request of each fault (0..1); what is left over is forwarded cleanly. */
  rates?: Partial<Record<Fault, number>>
  /** Retry-After sent with 429 and 503. @default 1 (429), none (503) */
  retryAfterSeconds?: number
  /** Stop injecting after this many faults (so a run always converges). @default Infinity */
  maxFaults?: number
  /** Only requests whose path matches are eligible for faults. @default every request */
  match?: (method: string, path: string) => boolean
}

export interface FaultProxy {
  url: string
  stats: Record<Fault | 'forwarded' | 'requests', number>
  /** Switch faults off (e.g. for a final check) or back on. */
  setEnabled: (on: boolean) => void
  close: () => Promise<void>
}

/** mulberry32: tiny, fast, good enough to pick faults reproducibly. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function reset (socket: Socket): void {
  // An RST, not a FIN: what a crashed peer or a middlebox dropping the connection looks like.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
}

export async function startFaultProxy (options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed)
  const target = new URL(options.target)
  const rates = options.rates ?? {}
  const stats: FaultProxy['stats'] = { requests: 0, forwarded: 0, reset: 0, status503: 0, status429: 0, stall: 0, truncateRequest: 0, truncateResponse: 0 }
  let enabled = true
  let injected = 0
  const sockets = new Set<Socket>()

  function pick (method: string, path: string): Fault | null {
    const roll = random()
    if (!enabled || injected >= (options.maxFaults ?? Number.POSITIVE_INFINITY)) return null
    if (options.match !== undefined && !options.match(method, path)) return null
    let acc = 0
    for (const f of FAULTS) {
      acc += rates[f] ?? 0
      if (roll < acc) return f
    }
    return null
  }

  function forward (req: IncomingMessage, res: ServerResponse, fault: 'truncateRequest' | 'truncateResponse' | null): void {
    const upstream = httpRequest({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host }
    }, up => {
      if (fault === 'truncateResponse') {
        res.writeHead(up.statusCode ?? 502, up.headers)
        let sent = 0
        // Send at most half of the body (at least the first byte), then drop the connection.
        const limit = Math.max(1, Math.floor(Number(up.headers['content-length'] ?? 2) / 2))
        up.on('data', (chunk: Buffer) => {
          if (sent >= limit) return
          const part = chunk.subarray(0, limit - sent)
          sent += part.length
          res.write(part)
          if (sent >= limit) { up.destroy(); reset(req.socket) }
        })
        up.on('end', () => reset(req.socket))
        return
      }
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => { if (!res.headersSent) { res.writeHead(502); res.end('upstream error') } else res.destroy() })
    if (fault === 'truncateRequest') {
      // Forward part of the request body, then cut both sides: the service sees a truncated upload.
      let seen = 0
      const cut = Math.max(1, Math.floor(Number(req.headers['content-length'] ?? 64) / 3))
      req.on('data', (chunk: Buffer) => {
        if (seen >= cut) return
        const part = chunk.subarray(0, cut - seen)
        seen += part.length
        upstream.write(part)
        if (seen >= cut) { upstream.destroy(); reset(req.socket) }
      })
      req.on('end', () => { upstream.destroy(); reset(req.socket) })
      return
    }
    req.pipe(upstream)
  }

  const server = createServer((req, res) => {
    stats.requests++
    const fault = pick(req.method ?? 'GET', req.url ?? '/')
    if (fault !== null) { stats[fault]++; injected++ } else stats.forwarded++
    switch (fault) {
      case 'reset': {
        // Let some of the request in first, so the client is mid-body when the connection dies.
        req.once('data', () => reset(req.socket))
        req.once('end', () => reset(req.socket))
        return
      }
      case 'status503':
      case 'status429': {
        req.resume()
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (fault === 'status429') headers['retry-after'] = String(options.retryAfterSeconds ?? 1)
        else if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds)
        req.on('end', () => {
          res.writeHead(fault === 'status429' ? 429 : 503, headers)
          res.end(JSON.stringify({ code: fault === 'status429' ? 'RATE_LIMITED' : 'MAINTENANCE', message: 'injected by the fault proxy' }))
        })
        return
      }
      case 'stall':
        req.resume() // read everything, answer nothing: the client's timeout must fire
        return
      default:
        forward(req, res, fault)
    }
  })
  server.on('connection', s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setEnabled: on => { enabled = on },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
