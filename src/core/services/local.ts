/** The embedded service answers at most this many CIDs per POST /blocks/check. */
export const LOCAL_MAX_CHECK_CIDS = 10_000

/**
 * The embedded service (`pinship serve`, or the one the CLI starts in-process): it speaks the web3.storage API at
 * its root, so uploads and status go through that adapter; pin-by-CID goes to its Pinning Service API (`/pins`).
 */
import { Readable } from 'node:stream'
import { InvalidEndpointError, ServiceError } from '../errors.js'
import { httpRequest, joinUrl, parseJson } from '../http.js'
import type { PinningService, RequestOptions, ServiceConfig, ServiceStatus } from './api.js'
import type { AdapterOptions } from './common.js'
import { bearer, context, isString, parseJsonError } from './common.js'
import { createPsa } from './psa.js'
import { createWeb3Storage } from './web3storage.js'

export function createLocal (config: ServiceConfig, options: AdapterOptions = {}): PinningService {
  if (!isString(config.endpoint)) {
    throw new InvalidEndpointError('local needs the URL of a running `pinship serve` (--endpoint); the CLI starts one in-process when no service is configured')
  }
  const w3s = createWeb3Storage(config, options, 'local')
  const psa = createPsa(config, options, 'local')
  const endpoint = config.endpoint
  const ctx = context(config, 'local', parseJsonError)
  async function checkBlocks (cids: string[], opts: RequestOptions = {}): Promise<string[]> {
    const body = Buffer.from(JSON.stringify({ cids }))
    const res = await httpRequest(ctx, joinUrl(endpoint, '/blocks/check'), {
      method: 'POST',
      headers: { ...bearer(config.token), 'content-type': 'application/json', 'content-length': String(body.byteLength) },
      // a stream goes through the same transport as the uploads that follow, so failures read the same (fetch
      // alone refuses some ports outright, without saying the connection was refused)
      body: Readable.from([body]),
      signal: opts.signal,
      timeoutMs: options.timeoutMs,
      // an older `pinship serve` has no such route: then it holds nothing as far as the caller knows
      allowStatus: [404, 405]
    })
    if (res.status === 404 || res.status === 405) return []
    const json = parseJson<{ have?: unknown }>(ctx, res, 'POST /blocks/check')
    if (!Array.isArray(json.have) || !json.have.every(isString)) throw new ServiceError('local answered POST /blocks/check without a "have" list of CIDs')
    return json.have
  }
  return {
    ...w3s,
    checkBlocks,
    maxCheckCids: LOCAL_MAX_CHECK_CIDS,
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
