import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers.js'

/** Send raw bytes and return everything the server answers before it closes the connection. */
async function raw (url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes))
    let out = ''
    socket.on('data', (c: Buffer) => { out += c.toString() })
    socket.on('end', () => resolve(out))
    socket.on('error', reject)
  })
}

describe('requests Node cannot parse', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(async () => { await server.stop() })

  it('a non-numeric Content-Length gets a JSON 400 that says what to check', async () => {
    const answer = await raw(server.url, 'POST /car HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
    expect(body.code).toBe('ERR_BAD_REQUEST')
    expect(body.message).toMatch(/Content-Length/)
  })

  it('a garbage request line gets the same JSON 400, and the server keeps serving', async () => {
    const answer = await raw(server.url, 'NOT HTTP AT ALL\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect((await fetch(`${server.url}/status/bafkqaaa`)).status).not.toBe(500)
  })
})
