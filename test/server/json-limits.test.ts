// A 413 says what fits the request: JSON and form bodies cannot be split like a CAR, so their advice differs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, startTestServer, type TestServer } from './helpers.js'

let server: TestServer
beforeAll(async () => { server = await startTestServer() })
afterAll(async () => { await server.stop() })

const big = JSON.stringify({ cid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', name: 'x'.repeat(2 * 1024 * 1024) })

describe('413 on JSON bodies', () => {
  it.each([
    ['declared by Content-Length', (): BodyInit => big],
    ['streamed without a length', (): BodyInit => new Blob([big]).stream()]
  ])('POST /pins with 2 MiB of JSON %s: advice about JSON, not CARs', async (_, body) => {
    const res = await fetch(`${server.url}/pins`, { method: 'POST', body: body(), headers: { ...server.auth(), 'content-type': 'application/json' }, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
    const details = (await json(res)).error.details as string
    expect(details).toMatch(/JSON body is over the 1048576-byte limit/)
    expect(details).not.toMatch(/CAR/)
  })

  it('POST /pinning/pinByHash too', async () => {
    const res = await fetch(`${server.url}/pinning/pinByHash`, { method: 'POST', body: big, headers: { ...server.auth(), 'content-type': 'application/json' } })
    expect(res.status).toBe(413)
    expect((await json(res)).error.details).toMatch(/JSON body/)
  })
})
