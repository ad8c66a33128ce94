/** Provider functions (Terraform ≥ 1.8): provider::pinship::cid_v1, gateway_url, dnslink. */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { urlsFor } from '../../../src/core/index.js'
import { FunctionCallError, type FunctionType, type TfValue } from '../framework/types.js'

function parseCidArg (v: TfValue, index: number, fn: string): CID {
  if (typeof v !== 'string') throw new FunctionCallError(`${fn}: cid must be a string`, index)
  try {
    return CID.parse(v.trim())
  } catch {
    throw new FunctionCallError(`${fn}: ${JSON.stringify(v)} is not a valid CID; give a CIDv1 (bafy…) or CIDv0 (Qm…) string`, index)
  }
}

export const cidV1: FunctionType = {
  name: 'cid_v1',
  summary: 'A CID as base32 CIDv1',
  description: 'Returns the CID in its base32 CIDv1 form (bafy…), the form DNS labels and subdomain gateways need; a CIDv0 (Qm…) is converted, a CIDv1 in another base is re-encoded.',
  parameters: [{ name: 'cid', type: 'string', description: 'A CIDv0 (Qm…) or CIDv1 string.' }],
  returns: 'string',
  call ([cid]) {
    return parseCidArg(cid, 0, 'cid_v1').toV1().toString(base32)
  }
}

export const gatewayUrl: FunctionType = {
  name: 'gateway_url',
  summary: 'Subdomain gateway URL of a CID',
  description: 'Returns the subdomain-style gateway URL https://<cidv1-base32>.ipfs.<gateway host>/ for a CID, the form that gives each site its own browser origin. The gateway is a base URL such as "https://dweb.link"; a loopback address becomes localhost.',
  parameters: [
    { name: 'cid', type: 'string', description: 'A CIDv0 (Qm…) or CIDv1 string.' },
    { name: 'gateway', type: 'string', description: 'Gateway base URL, e.g. "https://dweb.link" (http or https, no path).' }
  ],
  returns: 'string',
  call ([cid, gateway]) {
    const parsed = parseCidArg(cid, 0, 'gateway_url')
    if (typeof gateway !== 'string') throw new FunctionCallError('gateway_url: gateway must be a string', 1)
    let u: URL
    try {
      u = new URL(gateway)
    } catch {
      throw new FunctionCallError(`gateway_url: ${JSON.stringify(gateway)} is not a URL; give a gateway base URL such as "https://dweb.link"`, 1)
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FunctionCallError(`gateway_url: the gateway must use http or https, got ${u.protocol.replace(/:$/, '')}`, 1)
    if (u.username !== '' || u.password !== '') throw new FunctionCallError('gateway_url: the gateway URL must not carry credentials', 1)
    if (u.search !== '' || u.hash !== '') throw new FunctionCallError('gateway_url: the gateway URL must not carry a query or fragment', 1)
    const urls = urlsFor(parsed.toString(), gateway)
    if (urls.subdomain === undefined) {
      throw new FunctionCallError(`gateway_url: ${JSON.stringify(gateway)} has no subdomain form (it has a path, or is an IP address other than loopback); give the gateway's bare host, e.g. "https://dweb.link"`, 1)
    }
    return urls.subdomain
  }
}

export const dnslink: FunctionType = {
  name: 'dnslink',
  summary: 'DNSLink TXT record value for a CID',
  description: 'Returns "dnslink=/ipfs/<cid>", the TXT record value to put at _dnslink.<domain> so the domain serves the content. The CID is kept as given (checked to be valid).',
  parameters: [{ name: 'cid', type: 'string', description: 'A CIDv0 (Qm…) or CIDv1 string.' }],
  returns: 'string',
  call ([cid]) {
    parseCidArg(cid, 0, 'dnslink')
    return `dnslink=/ipfs/${(cid as string).trim()}`
  }
}

export const functions: FunctionType[] = [cidV1, gatewayUrl, dnslink]
