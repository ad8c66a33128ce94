import { describe, expect, it } from 'vitest'
import { resolveServiceConfigs } from '../../src/core/services/config.js'
import { checkEndpoint, createService, SERVICE_SLUGS } from '../../src/core/services/index.js'

describe('service registry', () => {
  it('has one adapter per slug, each naming itself', () => {
    expect([...SERVICE_SLUGS]).toEqual(['local', 'web3storage', 'nftstorage', 'psa', 'pinata', 'kubo', 'cluster', 'filebase'])
    const configs: Record<string, object> = {
      local: { endpoint: 'http://127.0.0.1:8787', token: 't0k3n' },
      psa: { endpoint: 'https://api.pinata.cloud/psa', token: 't0k3n' },
      filebase: { token: 'K:S:bucket' }
    }
    for (const slug of SERVICE_SLUGS) {
      const s = createService({ service: slug, token: 't0k3n', ...configs[slug] })
      expect(s.slug).toBe(slug)
      expect(typeof s.status).toBe('function')
      expect(s.uploads ? typeof s.uploadCar : 'function').toBe('function')
    }
  })

  it('refuses an unknown slug, listing the valid ones', () => {
    expect(() => createService({ service: 'ipfs-magic' })).toThrow('unknown service "ipfs-magic": use one of local, web3storage, nftstorage, psa, pinata, kubo, cluster, filebase')
    expect(() => createService({ service: 'ipfs-magic' })).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_SERVICE' }))
  })

  it('refuses a missing token for services that need one, naming the env var', () => {
    for (const slug of ['web3storage', 'nftstorage', 'pinata', 'local', 'psa']) {
      expect(() => createService({ service: slug, endpoint: 'https://x.example' })).toThrow(`service ${slug} needs a token: pass --token or set PINSHIP_TOKEN`)
    }
    expect(() => createService({ service: 'kubo' })).not.toThrow()
    expect(() => createService({ service: 'web3storage' }, { requireToken: false })).not.toThrow()
  })

  it.each([
    ['not a url', /is not a URL/],
    ['ftp://files.example', /must use http or https, got ftp/],
    ['https://user:pw@api.example', /carries credentials; pass them with --token/],
    ['https://api.example/?token=abc', /must not carry a query/]
  ])('refuses the endpoint %s', (endpoint, message) => {
    expect(() => createService({ service: 'web3storage', endpoint, token: 't' })).toThrow(message)
    expect(() => createService({ service: 'web3storage', endpoint, token: 't' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ENDPOINT' }))
  })

  it('normalises endpoints (no trailing slash, prefix kept)', () => {
    expect(checkEndpoint('psa', 'https://api.pinata.cloud/psa/')).toBe('https://api.pinata.cloud/psa')
    expect(createService({ service: 'web3storage', endpoint: 'http://127.0.0.1:8787/', token: 't' }).endpoint).toBe('http://127.0.0.1:8787')
  })
})

describe('resolveServiceConfigs', () => {
  it('defaults to local', () => {
    expect(resolveServiceConfigs({}, {})).toEqual([{ service: 'local' }])
  })

  it('reads env, lets flags win, and prefers per-service variables', () => {
    const env = { PINSHIP_SERVICE: 'psa,pinata', PINSHIP_TOKEN: 'generic', PINSHIP_PSA_TOKEN: 'psa-only', PINSHIP_ENDPOINT: 'https://e.example' }
    expect(resolveServiceConfigs({}, env)).toEqual([
      { service: 'psa', endpoint: 'https://e.example', token: 'psa-only' },
      { service: 'pinata', endpoint: 'https://e.example', token: 'generic' }
    ])
    expect(resolveServiceConfigs({ service: 'kubo', token: 'flag', endpoint: 'http://k:5001' }, env)).toEqual([{ service: 'kubo', endpoint: 'http://k:5001', token: 'flag' }])
  })

  it('refuses unknown, empty and repeated services', () => {
    expect(() => resolveServiceConfigs({ service: 'local,nope' }, {})).toThrow(/unknown service "nope"/)
    expect(() => resolveServiceConfigs({ service: ' , ' }, {})).toThrow(/no service given/)
    expect(() => resolveServiceConfigs({ service: 'psa,psa' }, {})).toThrow(/listed twice/)
  })
})
