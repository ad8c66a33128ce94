/**
 * The embedded service (`pinship serve`, or the one the CLI starts in-process): it speaks the web3.storage API at
 * its root, so uploads and status go through that adapter; pin-by-CID goes to its Pinning Service API (`/pins`).
 */
import { InvalidEndpointError } from '../errors.js'
import type { PinningService, RequestOptions, ServiceConfig, ServiceStatus } from './api.js'
import type { AdapterOptions } from './common.js'
import { isString } from './common.js'
import { createPsa } from './psa.js'
import { createWeb3Storage } from './web3storage.js'

export function createLocal (config: ServiceConfig, options: AdapterOptions = {}): PinningService {
  if (!isString(config.endpoint)) {
    throw new InvalidEndpointError('local needs the URL of a running `pinship serve` (--endpoint); the CLI starts one in-process when no service is configured')
  }
  const w3s = createWeb3Storage(config, options, 'local')
  const psa = createPsa(config, options, 'local')
  return {
    ...w3s,
    // Its /status reports the deals of its local pipeline (batches, piece CIDs, deals queued → published → active).
    reportsDeals: true,
    pin: psa.pin,
    getPin: psa.getPin,
    replacePin: psa.replacePin,
    removePin: psa.removePin,
    async status (cid: string, opts: RequestOptions & { requestId?: string } = {}): Promise<ServiceStatus> {
      // A pin request made here is tracked by its PSA request id; uploads by /status.
      return isString(opts.requestId) ? await psa.status(cid, opts) : await w3s.status(cid, opts)
    }
  }
}
