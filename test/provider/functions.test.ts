/** provider::pinship::cid_v1, gateway_url and dnslink: exact strings, and a clear error naming the argument. */
import { describe, expect, it } from 'vitest'
import { cidV1, dnslink, gatewayUrl } from '../../provider/src/resources/functions.js'
import { provider } from '../../provider/src/provider.js'
import { FunctionCallError } from '../../provider/src/framework/types.js'

// The pair the IPFS docs use to explain CIDv0 → CIDv1 (docs.ipfs.tech, "Content Identifiers").
const V0 = 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR'
const V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

function failure (fn: () => unknown): FunctionCallError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(FunctionCallError)
    return err as FunctionCallError
  }
  throw new Error('expected a FunctionCallError')
}

describe('provider functions', () => {
  it('are registered with descriptions on the function and every parameter', () => {
    expect(provider.functions.map(f => f.name)).toEqual(['cid_v1', 'gateway_url', 'dnslink'])
    for (const f of provider.functions) {
      expect(f.description.length).toBeGreaterThan(20)
      for (const p of f.parameters) expect(p.description.length).toBeGreaterThan(5)
    }
  })

  it('cid_v1 converts CIDv0 to base32 CIDv1 and leaves a base32 CIDv1 as it is', () => {
    expect(cidV1.call([V0])).toBe(V1)
    expect(cidV1.call([V1])).toBe(V1)
    // base36 (k51…) form of the same CID → base32
    const base36 = 'k2jmtxw8rjh1z69c6not3wtdxb0u3urbzhyll1t9jg6ox26dhi5sfi1m'
    expect(cidV1.call([base36])).toBe(V1)
  })

  it('gateway_url gives the subdomain form', () => {
    expect(gatewayUrl.call([V0, 'https://dweb.link'])).toBe(`https://${V1}.ipfs.dweb.link/`)
    expect(gatewayUrl.call([V1, 'https://inbrowser.link/'])).toBe(`https://${V1}.ipfs.inbrowser.link/`)
    expect(gatewayUrl.call([V1, 'http://127.0.0.1:8787'])).toBe(`http://${V1}.ipfs.localhost:8787/`)
  })

  it('dnslink gives the TXT record value', () => {
    expect(dnslink.call([V1])).toBe(`dnslink=/ipfs/${V1}`)
    expect(dnslink.call([V0])).toBe(`dnslink=/ipfs/${V0}`)
  })

  it('bad input: a message that says what was wrong, and which argument', () => {
    const bad = failure(() => cidV1.call(['not-a-cid']))
    expect(bad.argument).toBe(0)
    expect(bad.message).toMatch(/"not-a-cid" is not a valid CID/)
    expect(failure(() => dnslink.call(['Qm123'])).argument).toBe(0)
    expect(failure(() => gatewayUrl.call(['nope', 'https://dweb.link'])).argument).toBe(0)
    const cases: Array<[string, RegExp]> = [
      ['dweb.link', /not a URL/],
      ['ftp://dweb.link', /http or https/],
      ['https://user:pw@dweb.link', /credentials/],
      ['https://example.com/gateway', /no subdomain form/],
      ['https://10.0.0.1', /no subdomain form/],
      ['https://dweb.link/?x=1', /query or fragment/]
    ]
    for (const [gw, message] of cases) {
      const e = failure(() => gatewayUrl.call([V1, gw]))
      expect(e.argument).toBe(1)
      expect(e.message).toMatch(message)
    }
  })
})
