// Upload progress (seed 004) over REST and WebSocket while a slow upload is running.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { encodeCar, importFiles, json, startTestServer, type TestServer } from './helpers.js'

let server: TestServer
let car: Uint8Array
let root: string

beforeAll(async () => {
  server = await startTestServer()
  const imported = await importFiles([{ path: 'slow.bin', content: Buffer.alloc(3_500_000, 9) }])
  root = imported.root.toString()
  car = await encodeCar([imported.root], imported.blocks)
})
afterAll(async () => { await server.stop() })

const key = (): Record<string, string> => ({ 'x-user-api-key': server.tokens[0] })

/** POSTs `body` in `parts` pieces with a pause between them; with or without Content-Length. */
async function slowUpload (path: string, body: Uint8Array, options: { parts?: number, pauseMs?: number, length?: boolean, endpoint?: string } = {}): Promise<{ status: number, body: string }> {
  const parts = options.parts ?? 7
  const headers: Record<string, string | number> = { ...server.auth() }
  if (options.length !== false) headers['content-length'] = body.length
  const endpoint = options.endpoint ?? '/car'
  return await new Promise((resolve, reject) => {
    const req = request(`${server.url}${endpoint}?informProgress=true&path=${encodeURIComponent(path)}`, { method: 'POST', headers }, res => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    const size = Math.ceil(body.length / parts)
    let i = 0
    const next = (): void => {
      if (i >= body.length) { req.end(); return }
      req.write(body.subarray(i, i + size))
      i += size
      setTimeout(next, options.pauseMs ?? 80)
    }
    next()
  })
}

describe('GET /progress', () => {
  it('reports uploading with total_size and growing uploaded, then completed', async () => {
    const path = '/uploads/rest.car'
    const seen: Array<{ status: string, uploaded: number, total_size: number }> = []
    let done = false
    const poller = (async () => {
      while (!done) {
        const res = await fetch(`${server.url}/progress?path=${encodeURIComponent(path)}&updatingRate=0`, { headers: key() })
        expect(res.status).toBe(200)
        seen.push(await json(res))
        await new Promise(resolve => setTimeout(resolve, 40))
      }
    })()
    const result = await slowUpload(path, car)
    done = true
    await poller
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body).cid).toBe(root)
    const uploading = seen.filter(p => p.status === 'uploading')
    expect(uploading.length).toBeGreaterThanOrEqual(3)
    for (const p of uploading) expect(p.total_size).toBe(car.length)
    const amounts = uploading.map(p => p.uploaded)
    expect([...amounts].sort((a, b) => a - b)).toEqual(amounts)
    expect(amounts.at(-1)).toBeLessThan(car.length + 1)
    expect(new Set(amounts).size).toBeGreaterThanOrEqual(3)
    const after = await json(await fetch(`${server.url}/progress?path=${encodeURIComponent(path)}`, { headers: key() }))
    expect(after).toEqual({ total_size: car.length, uploaded: car.length, status: 'completed', error: '' })
  })

  it('reports total_size -1 without Content-Length, and steps of updatingRate MB', async () => {
    const path = '/uploads/chunked.car'
    const seen: Array<{ status: string, uploaded: number, total_size: number }> = []
    let done = false
    const poller = (async () => {
      while (!done) {
        seen.push(await json(await fetch(`${server.url}/progress?path=${encodeURIComponent(path)}&updatingRate=1&unitOfMeasurement=MB`, { headers: { authorization: `Bearer ${server.tokens[0]}` } })))
        await new Promise(resolve => setTimeout(resolve, 40))
      }
    })()
    expect((await slowUpload(path, car, { length: false })).status).toBe(200)
    done = true
    await poller
    const uploading = seen.filter(p => p.status === 'uploading')
    expect(uploading.length).toBeGreaterThan(0)
    for (const p of uploading) {
      expect(p.total_size).toBe(-1)
      expect(p.uploaded % 1_000_000).toBe(0)
    }
  })

  it('answers not_exist for an unknown path, failed with the error for a rejected upload', async () => {
    expect(await json(await fetch(`${server.url}/progress?path=/never/uploaded`, { headers: key() }))).toEqual({ total_size: 0, uploaded: 0, status: 'not_exist', error: '' })
    const bad = await slowUpload('/uploads/bad.car', Buffer.from('this is not a CAR file'), { parts: 1 })
    expect(bad.status).toBe(400)
    const p = await json(await fetch(`${server.url}/progress?path=/uploads/bad.car`, { headers: key() }))
    expect(p.status).toBe('failed')
    expect(p.error).toMatch(/CAR/)
  })

  it('is per user, needs a key, and refuses relative paths and bad units with 400', async () => {
    expect((await json(await fetch(`${server.url}/progress?path=/uploads/rest.car`, { headers: { 'x-user-api-key': server.tokens[1] } }))).status).toBe('not_exist')
    expect((await fetch(`${server.url}/progress?path=/uploads/rest.car`)).status).toBe(401)
    for (const q of ['path=relative/file', 'path=/a&unitOfMeasurement=KB', 'path=/a&updatingRate=-1', 'path=/a&updatingRate=1.5', '']) {
      const res = await fetch(`${server.url}/progress?${q}`, { headers: key() })
      expect(res.status, q).toBe(400)
      expect(typeof (await json(res)).error).toBe('string')
    }
    const res = await fetch(`${server.url}/car?informProgress=true&path=relative.car`, { method: 'POST', body: car, headers: server.auth() })
    expect(res.status).toBe(400)
    expect((await json(res)).message).toMatch(/absolute/)
  })
})

describe('WebSocket /ws/progress', () => {
  function watch (path: string, query = '', headers = key(), endpoint = '/ws/progress'): { messages: Array<{ status: string, uploaded: number, total_size: number }>, closed: Promise<number>, opened: Promise<void> } {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${endpoint}?path=${encodeURIComponent(path)}${query}`, { headers })
    const messages: Array<{ status: string, uploaded: number, total_size: number }> = []
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())))
    const opened = new Promise<void>((resolve, reject) => { ws.on('open', () => resolve()); ws.on('error', reject) })
    const closed = new Promise<number>(resolve => ws.on('close', (code: number) => resolve(code)))
    return { messages, closed, opened }
  }

  it('pushes an update per MB uploaded and closes after completed', async () => {
    const path = '/uploads/ws.car'
    const w = watch(path, '&updatingRate=1&unitOfMeasurement=MB')
    await w.opened
    const result = await slowUpload(path, car)
    expect(result.status).toBe(200)
    expect(await w.closed).toBe(1000)
    const statuses = w.messages.map(m => m.status)
    expect(statuses[0]).toBe('not_exist')
    expect(statuses.at(-1)).toBe('completed')
    const uploading = w.messages.filter(m => m.status === 'uploading')
    // one message when it starts (0 bytes), then one per whole MB of the ~3.5 MB body
    expect(uploading.map(m => m.uploaded)).toEqual([0, 1_000_000, 2_000_000, 3_000_000])
    for (const m of uploading) expect(m.total_size).toBe(car.length)
  })

  it('answers completed at once for a finished path, on the /progress/ws spelling too', async () => {
    const w = watch('/uploads/ws.car', '', key(), '/progress/ws')
    expect(await w.closed).toBe(1000)
    expect(w.messages.map(m => m.status)).toEqual(['completed'])
  })

  it('refuses the handshake without a key or with a relative path', async () => {
    await expect(watch('/uploads/ws.car', '', {}).opened).rejects.toThrow(/401/)
    await expect(watch('relative.car').opened).rejects.toThrow(/400/)
    await expect(watch('/x', '', key(), '/ws/other').opened).rejects.toThrow(/404/)
    // a plain GET (no Upgrade) is told what to do rather than "no route"
    const res = await fetch(`${server.url}/ws/progress?path=/x`, { headers: key() })
    expect(res.status).toBe(426)
    expect((await json(res)).error).toMatch(/WebSocket/)
  })
})
