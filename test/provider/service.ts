/** What the embedded service holds, asked over its HTTP APIs (the outside view a Terraform test checks against). */
export interface ServiceView {
  uploads: () => Promise<string[]>
  pins: () => Promise<Array<{ requestid: string, status: string, pin: { cid: string, name?: string, meta?: Record<string, string> } }>>
  deletePin: (requestId: string) => Promise<number>
  gateway: (path: string) => Promise<{ status: number, body: string }>
}

export function serviceView (url: string, token: string): ServiceView {
  const auth = { authorization: `Bearer ${token}` }
  return {
    async uploads () {
      const res = await fetch(`${url}/user/uploads?size=1000`, { headers: auth })
      if (!res.ok) throw new Error(`GET /user/uploads: ${res.status}`)
      const body = await res.json() as Array<{ cid: string }>
      return body.map(u => u.cid)
    },
    async pins () {
      const res = await fetch(`${url}/pins?status=queued,pinning,pinned,failed&limit=1000`, { headers: auth })
      if (!res.ok) throw new Error(`GET /pins: ${res.status}`)
      return (await res.json() as { results: any[] }).results
    },
    async deletePin (requestId) {
      return (await fetch(`${url}/pins/${requestId}`, { method: 'DELETE', headers: auth })).status
    },
    async gateway (path) {
      const res = await fetch(`${url}${path}`)
      return { status: res.status, body: await res.text() }
    }
  }
}
