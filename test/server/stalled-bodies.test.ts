// Slow and silent clients cannot hold connections: a stalled body gets 408 RequestTimeout, stalled headers too, and
// connections no authenticated request has used are capped; normal requests stay fast during such an attack.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCar, importFiles, startTestServer, type TestServer } from './helpers.js'

const IDLE_MS = 1000
const CAP = 20
let server: TestServer
let car: Uint8Array
let cid: string

beforeAll(async () => {
  server = await startTestServer({ bodyIdleTimeoutMs: IDLE_MS, headersTimeoutMs: IDLE_MS, maxUnauthenticatedConnections: CAP })
  const { root, blocks } = await importFiles([{ path: 'a.bin', content: Buffer.alloc(300 * 1024, 7) }], { wrap: true })
  car = await encodeCar([root], blocks)
  cid = root.toString()
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: car, headers: server.auth() })).status).toBe(200)
})
afterAll(async () => { await server.stop() })

interface Raw { socket: Socket, text: () => string, closed: Promise<number> }

/** A raw TCP client: `closed` resolves with the ms from open to the server closing the connection. */
function open (first?: string | Uint8Array): Raw {
  const socket = connect(server.port, '127.0.0.1')
  const started = Date.now()
  let text = ''
  socket.on('data', (c: Buffer) => { text += c.toString('latin1') })
  socket.on('error', () => {})
  const closed = new Promise<number>(resolve => socket.once('close', () => resolve(Date.now() - started)))
  if (first !== undefined) socket.write(first)
  return { socket, text: () => text, closed }
}

const head = (path: string, headers: Record<string, string | number>): string =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`

describe('a stalled request', () => {
  it('body of an upload: 408 RequestTimeout after the idle timeout, connection closed', async () => {
    const c = open(head('/car', { authorization: 'Bearer token-alice', 'content-length': car.length }))
    c.socket.write(car.subarray(0, 1000))
    const ms = await c.closed
    expect(ms).toBeGreaterThanOrEqual(IDLE_MS)
    expect(ms).toBeLessThan(IDLE_MS + 2000)
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /)
    expect(c.text()).toContain('"code":"RequestTimeout"')
  })

  it('JSON body of a pin request: 408 in the Pinning Service API\'s shape', async () => {
    const c = open(head('/pins', { authorization: 'Bearer token-alice', 'content-type': 'application/json', 'content-length': 100 }) + '{"cid":')
    await c.closed
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /)
    expect(c.text()).toContain('"reason":"REQUEST_TIMEOUT"')
  })

  it('headers: 408 once the header timeout passes', async () => {
    const c = open(`POST /car HTTP/1.1\r\nhost: 127.0.0.1\r\n`)
    const ms = await c.closed
    expect(ms).toBeLessThan(IDLE_MS + 3000)
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('a slow but steady upload (pauses shorter than the timeout, longer in total) succeeds', async () => {
    const c = open(head('/car', { authorization: 'Bearer token-bob', 'content-length': car.length }))
    // the status line, however long the server takes to store the upload (a fixed 300 ms wait was a guess)
    const answered = new Promise<void>(resolve => {
      const check = (): void => { if (c.text().includes('\r\n')) resolve() }
      c.socket.on('data', check)
      c.socket.once('close', () => resolve())
    })
    // pauses of a quarter of the timeout (half left a loaded machine 500 ms of slack), 2 s in total
    const piece = Math.ceil(car.length / 8)
    for (let i = 0; i < car.length; i += piece) {
      c.socket.write(car.subarray(i, i + piece))
      await new Promise(resolve => setTimeout(resolve, IDLE_MS / 4))
    }
    await answered
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 /)
    c.socket.destroy()
  })
})

describe('an attack of stalled unauthenticated connections', () => {
  it(`keeps at most ${CAP} of them, and normal requests stay fast`, async () => {
    const attackers: Raw[] = []
    const drips: NodeJS.Timeout[] = []
    try {
      for (let i = 0; i < 100; i++) {
        // no token (wrong ones would trip the failed-auth limit for the whole address); one byte every 400 ms:
        // never idle long enough for the body timeout
        const a = open(head('/car', { 'content-length': 1_000_000 }))
        drips.push(setInterval(() => a.socket.write('x'), 400))
        attackers.push(a)
      }
      for (let i = 0; i < 30; i++) attackers.push(open())
      await new Promise(resolve => setTimeout(resolve, 1500))

      const times: number[] = []
      for (let i = 0; i < 10; i++) {
        let t = Date.now()
        expect((await fetch(`${server.url}/user/uploads`, { headers: server.auth() })).status).toBe(200)
        times.push(Date.now() - t)
        t = Date.now()
        expect((await fetch(`${server.url}/ipfs/${cid}/a.bin`)).status).toBe(200)
        times.push(Date.now() - t)
      }
      times.sort((a, b) => a - b)
      console.log(`normal requests during the attack: median ${times[times.length >> 1]} ms, max ${times[times.length - 1]} ms (20 requests)`)
      expect(times[times.length - 1]).toBeLessThan(1000)

      const open_ = attackers.filter(a => !a.socket.destroyed && a.socket.readyState === 'open').length
      console.log(`attack connections still open: ${open_} of ${attackers.length}`)
      expect(open_).toBeLessThanOrEqual(CAP)
    } finally {
      for (const d of drips) clearInterval(d)
      for (const a of attackers) a.socket.destroy()
    }
  }, 30_000)

  it('an authenticated connection is not evicted by strangers, and strangers are capped', async () => {
    // default (20 s) timeouts here: whatever closes the strangers within the test is the cap
    const own = await startTestServer({ maxUnauthenticatedConnections: CAP })
    const { Agent, request } = await import('undici')
    const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 })
    const strangers: Raw[] = []
    try {
      expect((await request(`${own.url}/user/uploads`, { dispatcher: agent, headers: own.auth() })).statusCode).toBe(200)
      for (let i = 0; i < 3 * CAP; i++) {
        const socket = connect(own.port, '127.0.0.1')
        socket.on('error', () => {})
        strangers.push({ socket, text: () => '', closed: new Promise(resolve => socket.once('close', () => resolve(0))) })
      }
      // every stranger connected (or was already closed by the server)
      await Promise.all(strangers.map(async s => await new Promise(resolve => { if (s.socket.readyState === 'open') resolve(null); else { s.socket.once('connect', resolve); s.socket.once('close', resolve) } })))
      const until = Date.now() + 5000
      while (Date.now() < until && strangers.filter(s => s.socket.readyState === 'open').length > CAP) await new Promise(resolve => setTimeout(resolve, 50))
      expect(strangers.filter(s => s.socket.readyState === 'open').length).toBe(CAP)
      const before = Date.now()
      const res = await request(`${own.url}/user/uploads`, { dispatcher: agent, headers: own.auth() })
      await res.body.text()
      expect(res.statusCode).toBe(200)
      expect(Date.now() - before).toBeLessThan(1000)
    } finally {
      for (const s of strangers) s.socket.destroy()
      await agent.close()
      await own.stop()
    }
  })
})
