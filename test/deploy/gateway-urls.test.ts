import { describe, expect, it } from 'vitest'
import { gatewayUrls, subdomainCid, urlsFor } from '../../src/core/gateway-urls.js'

// The CIDv0 → base32 CIDv1 pair from the IPFS docs ("CID conversion": `ipfs cid base32 Qm…`).
const V0 = 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR'
const V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('gateway URLs', () => {
  it('gives path then subdomain style for each gateway', () => {
    expect(gatewayUrls(V1, ['https://inbrowser.link', 'https://dweb.link/'])).toEqual([
      `https://inbrowser.link/ipfs/${V1}/`,
      `https://${V1}.ipfs.inbrowser.link/`,
      `https://dweb.link/ipfs/${V1}/`,
      `https://${V1}.ipfs.dweb.link/`
    ])
  })

  it('uses base32 CIDv1 in subdomains (a CIDv0 is case-sensitive and would not survive DNS)', () => {
    expect(subdomainCid(V0)).toBe(V1)
    expect(urlsFor(V0, 'https://dweb.link')).toEqual({ gateway: 'https://dweb.link', path: `https://dweb.link/ipfs/${V0}/`, subdomain: `https://${V1}.ipfs.dweb.link/` })
  })

  it('turns a loopback gateway into *.localhost for subdomains, keeping the port', () => {
    expect(urlsFor(V1, 'http://127.0.0.1:8787').subdomain).toBe(`http://${V1}.ipfs.localhost:8787/`)
    expect(urlsFor(V1, 'http://[::1]:8080').subdomain).toBe(`http://${V1}.ipfs.localhost:8080/`)
  })

  it('gives only path style where subdomains cannot work (other IPs, path prefixes)', () => {
    expect(urlsFor(V1, 'http://10.0.0.5:8080')).toEqual({ gateway: 'http://10.0.0.5:8080', path: `http://10.0.0.5:8080/ipfs/${V1}/` })
    expect(gatewayUrls(V1, ['https://example.com/gw'])).toEqual([`https://example.com/gw/ipfs/${V1}/`])
  })

  it('refuses what is not a CID or a URL', () => {
    expect(() => subdomainCid('hello')).toThrow(/"hello" is not a CID/)
    expect(() => urlsFor(V1, 'nope')).toThrow(/gateway "nope" is not a URL/)
  })
})
