import type { Auth } from './http/auth.js'
import type { Sessions } from './http/sessions.js'
import type { RequestContext } from './http/router.js'
import type { ProgressTracker } from './progress.js'
import type { Repo } from './store/repo.js'
import type { Fetcher } from './fetch/fetcher.js'
import type { Deals } from './deals/pipeline.js'
import type { ServerProgressEvent } from './options.js'

/** What every handler can reach. */
export interface ServerState {
  repo: Repo
  /** Pin by CID from other nodes. */
  fetcher: Fetcher
  /** The local Filecoin deal pipeline. */
  deals: Deals
  auth: Auth
  /** Account page sign-ins. */
  sessions: Sessions
  progress: ProgressTracker
  peerId: string
  /** Name reported in web3 `pins[].peerName`. */
  peerName: string
  maxBodyBytes: number
  maxBlockBytes: number
  /** Filled once listening. */
  port: number
  host: string
  /** Hosts whose `{cid}.ipfs.<host>` subdomains reach this server; the path gateway redirects browsers there. */
  subdomainHosts: string[]
  emit: (event: ServerProgressEvent) => void
}

export type Ctx = RequestContext<ServerState>
