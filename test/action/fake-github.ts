/**
 * A recording fake of the slice of the GitHub REST API the action uses: issue comments (list with paging,
 * create, update, delete), commit statuses, deployments and their statuses, and the pull request list. Bound to
 * 127.0.0.1:0; tests point GITHUB_API_URL here.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  authorization: string | undefined
  body: unknown
}

export interface FakeComment {
  id: number
  issue: number
  body: string
  user: { login: string, type: string }
}

export interface FakeStatus {
  sha: string
  state: string
  context: string
  description?: string
  target_url?: string
}

export interface FakePull {
  number: number
  head: { sha: string, label: string }
}

export interface FakeDeployment {
  id: number
  ref: string
  environment: string
  transient_environment?: boolean
  production_environment?: boolean
  payload?: unknown
  description?: string
  statuses: Array<{ state: string, environment_url?: string, log_url?: string, description?: string, auto_inactive?: boolean }>
}

export interface FakeGitHub {
  url: string
  requests: RecordedRequest[]
  comments: FakeComment[]
  statuses: FakeStatus[]
  pulls: FakePull[]
  deployments: FakeDeployment[]
  /** Answer every request on these paths with this status (to test permission trouble). */
  failures: Map<string, number>
  /**
   * Hold the comment listings of an issue until this many have arrived, then answer them all: two jobs then both
   * see no comment, as when they race.
   */
  listBarriers: Map<number, number>
  /** The same for edits of a comment (by comment id): each edit is applied at once, the answers wait for the last. */
  updateBarriers: Map<number, number>
  /**
   * Who the token is, for a personal access token (GET /user answers, comments are that user's); unset: the
   * workflow's token, which may not ask and whose comments are github-actions[bot]'s.
   */
  viewer?: { login: string, type: string }
  close: () => Promise<void>
}

export async function startFakeGitHub (options: { owner: string, repo: string, token: string }): Promise<FakeGitHub> {
  const state: Omit<FakeGitHub, 'url' | 'close'> = { requests: [], comments: [], statuses: [], pulls: [], deployments: [], failures: new Map(), listBarriers: new Map(), updateBarriers: new Map() }
  const waiting = new Map<number, Array<() => void>>()
  const waitingEdits = new Map<number, Array<() => void>>()
  async function barrier (barriers: Map<number, number>, queues: Map<number, Array<() => void>>, key: number): Promise<void> {
    const count = barriers.get(key)
    if (count === undefined) return
    const queue = queues.get(key) ?? []
    queues.set(key, queue)
    await new Promise<void>(resolve => {
      queue.push(resolve)
      if (queue.length >= count) {
        barriers.delete(key)
        for (const release of queue.splice(0)) release()
      }
    })
  }
  const fake: FakeGitHub = {
    ...state,
    url: '',
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
  let nextId = 1000
  const repoPath = `/repos/${options.owner}/${options.repo}`

  const server = createServer((req, res) => {
    void handle(req, res).catch(err => send(res, 500, { message: String(err) }))
  })

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const text = await readBody(req)
    const body = text === '' ? undefined : JSON.parse(text)
    const method = req.method ?? 'GET'
    state.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, body })

    const auth = req.headers.authorization ?? ''
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) {
      return send(res, 401, { message: 'Bad credentials' })
    }
    const failure = state.failures.get(url.pathname)
    if (failure !== undefined) return send(res, failure, { message: 'Resource not accessible by integration' })
    if (url.pathname === '/user' && method === 'GET') {
      return fake.viewer === undefined ? send(res, 403, { message: 'Resource not accessible by integration' }) : send(res, 200, fake.viewer)
    }
    if (!url.pathname.startsWith(repoPath + '/')) return send(res, 404, { message: 'Not Found' })
    const rest = url.pathname.slice(repoPath.length)
    let m: RegExpExecArray | null

    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest)) !== null) {
      const issue = Number(m[1])
      if (method === 'GET') {
        await barrier(state.listBarriers, waiting, issue)
        const all = state.comments.filter(c => c.issue === issue)
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        const slice = all.slice((page - 1) * perPage, page * perPage)
        const headers: Record<string, string> = {}
        if (page * perPage < all.length) {
          const next = new URL(url.href.replace('http://fake', `http://${req.headers.host ?? ''}`))
          next.searchParams.set('page', String(page + 1))
          headers.link = `<${next.href}>; rel="next"`
        }
        return send(res, 200, slice.map(c => view(c)), headers)
      }
      if (method === 'POST') {
        const comment: FakeComment = { id: nextId++, issue, body: String(body.body), user: fake.viewer ?? { login: 'github-actions[bot]', type: 'Bot' } }
        state.comments.push(comment)
        return send(res, 201, view(comment))
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) !== null && method === 'GET') {
      const comment = state.comments.find(c => c.id === Number(m![1]))
      return comment === undefined ? send(res, 404, { message: 'Not Found' }) : send(res, 200, view(comment))
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) !== null && method === 'DELETE') {
      const at = state.comments.findIndex(c => c.id === Number(m![1]))
      if (at === -1) return send(res, 404, { message: 'Not Found' })
      state.comments.splice(at, 1)
      res.writeHead(204).end()
      return
    }
    if (rest === '/deployments' && method === 'POST') {
      if (typeof body.ref !== 'string' || body.ref === '') return send(res, 422, { message: 'Validation Failed: ref' })
      const deployment: FakeDeployment = {
        id: nextId++,
        ref: body.ref,
        environment: body.environment ?? 'production',
        transient_environment: body.transient_environment,
        production_environment: body.production_environment,
        payload: body.payload,
        description: body.description,
        statuses: []
      }
      state.deployments.push(deployment)
      const { statuses: _, ...view } = deployment
      return send(res, 201, view)
    }
    if (rest === '/deployments' && method === 'GET') {
      const environment = url.searchParams.get('environment')
      const list = state.deployments.filter(d => environment === null || d.environment === environment).reverse()
      return send(res, 200, list.map(({ statuses: _, ...view }) => view))
    }
    if ((m = /^\/deployments\/(\d+)\/statuses$/.exec(rest)) !== null && method === 'GET') {
      const deployment = state.deployments.find(d => d.id === Number(m![1]))
      if (deployment === undefined) return send(res, 404, { message: 'Not Found' })
      // Newest first, as GitHub lists them.
      const perPage = Number(url.searchParams.get('per_page') ?? 30)
      return send(res, 200, [...deployment.statuses].reverse().slice(0, perPage))
    }
    if ((m = /^\/deployments\/(\d+)\/statuses$/.exec(rest)) !== null && method === 'POST') {
      const deployment = state.deployments.find(d => d.id === Number(m![1]))
      if (deployment === undefined) return send(res, 404, { message: 'Not Found' })
      if (!['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'].includes(body.state)) return send(res, 422, { message: 'Validation Failed: state' })
      if (typeof body.description === 'string' && body.description.length > 140) return send(res, 422, { message: 'description is too long (maximum is 140 characters)' })
      deployment.statuses.push(body)
      // GitHub's auto_inactive (default true): a success makes the environment's other deployments inactive.
      if (body.state === 'success' && body.auto_inactive !== false) {
        for (const other of state.deployments) {
          if (other !== deployment && other.environment === deployment.environment && other.statuses.at(-1)?.state !== 'inactive') other.statuses.push({ state: 'inactive' })
        }
      }
      return send(res, 201, { id: nextId++, ...body })
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) !== null && method === 'PATCH') {
      const comment = state.comments.find(c => c.id === Number(m![1]))
      if (comment === undefined) return send(res, 404, { message: 'Not Found' })
      comment.body = String(body.body)
      await barrier(state.updateBarriers, waitingEdits, comment.id)
      return send(res, 200, view(comment))
    }
    if ((m = /^\/statuses\/([0-9a-f]{40})$/.exec(rest)) !== null && method === 'POST') {
      if (!['success', 'failure', 'error', 'pending'].includes(body.state)) return send(res, 422, { message: 'Validation Failed' })
      if (typeof body.description === 'string' && body.description.length > 140) return send(res, 422, { message: 'description is too long (maximum is 140 characters)' })
      const status: FakeStatus = { sha: m[1], ...body }
      state.statuses.push(status)
      return send(res, 201, { id: nextId++, ...status })
    }
    if (rest === '/pulls' && method === 'GET') {
      const head = url.searchParams.get('head')
      return send(res, 200, state.pulls.filter(p => head === null || p.head.label === head))
    }
    return send(res, 404, { message: 'Not Found' })
  }

  function view (c: FakeComment): Record<string, unknown> {
    return { ...c, html_url: `https://github.example/${options.owner}/${options.repo}/pull/${c.issue}#issuecomment-${c.id}` }
  }

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  fake.url = `http://127.0.0.1:${port}`
  return fake
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}
