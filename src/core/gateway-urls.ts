/**
 * Gateway URLs for a root: path style (`https://gw/ipfs/<cid>`) and subdomain style
 * (`https://<cidv1-base32>.ipfs.gw/`), the one browsers give each site its own origin. Subdomains need the
 * case-insensitive base32 form of a CIDv1, so a CIDv0 root is converted.
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { InvalidCidError, InvalidEndpointError } from './errors.js'

export interface GatewayUrls {
  gateway: string
  path: string
  /** undefined when the gateway sits under a path prefix (no subdomain form exists). */
  subdomain?: string
}

/** The CID as DNS-safe base32 CIDv1. */
export function subdomainCid (cid: string): string {
  let parsed: CID
  try {
    parsed = CID.parse(cid)
  } catch (err) {
    throw new InvalidCidError(`${JSON.stringify(cid)} is not a CID`, { cause: err })
  }
  return parsed.toV1().toString(base32)
}

function isIpHost (hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[')
}

/** Both URL styles for one gateway. Loopback IPs become `localhost` in subdomain form (browsers resolve *.localhost). */
export function urlsFor (cid: string, gateway: string): GatewayUrls {
  let gw: URL
  try {
    gw = new URL(gateway)
  } catch (err) {
    throw new InvalidEndpointError(`gateway ${JSON.stringify(gateway)} is not a URL`, { cause: err })
  }
  const prefix = gw.pathname.replace(/\/+$/, '')
  const out: GatewayUrls = { gateway: `${gw.origin}${prefix}`, path: `${gw.origin}${prefix}/ipfs/${cid}/` }
  if (prefix !== '') return out
  let host = gw.hostname
  if (isIpHost(host)) {
    if (host !== '127.0.0.1' && host !== '[::1]') return out
    host = 'localhost'
  }
  const port = gw.port !== '' ? `:${gw.port}` : ''
  out.subdomain = `${gw.protocol}//${subdomainCid(cid)}.ipfs.${host}${port}/`
  return out
}

/** For each gateway: path style, then subdomain style. */
export function gatewayUrls (cid: string, gateways: string[]): string[] {
  return gateways.flatMap(g => {
    const u = urlsFor(cid, g)
    return u.subdomain !== undefined ? [u.path, u.subdomain] : [u.path]
  })
}
