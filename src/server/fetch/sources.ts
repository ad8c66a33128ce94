// Where a pin by CID can fetch from: PSA `origins`, Pinata `hostNodes` (multiaddrs) and `--upstream` gateway URLs,
// each turned into the base URL of a trustless gateway (`{base}/ipfs/{cid}?format=car`).

/** One place to fetch from: a gateway base URL, and what it was given as (for messages). */
export interface Source { base: string, given: string, explicit: boolean }

/**
 * An HTTP(S) multiaddr as a URL: `/ip4/127.0.0.1/tcp/8787/http`, `/ip6/::1/tcp/80/http`, `/dns4/host/tcp/443/https`
 * (also `/dns`, `/dns6`, and `/tls/http` for https), optionally followed by `/p2p/<peer id>`, which is ignored.
 * Undefined for anything else (libp2p-only addresses such as `/ip4/…/tcp/4001/p2p/…` cannot be fetched over HTTP).
 */
export function multiaddrToUrl (addr: string): string | undefined {
  const parts = addr.split('/')
  if (parts[0] !== '' || parts.length < 6) return undefined
  const [, proto, host, tcp, port, ...rest] = parts
  if (tcp !== 'tcp' || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return undefined
  let hostPart: string
  if (proto === 'ip4') {
    if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host) || host.split('.').some(n => Number(n) > 255)) return undefined
    hostPart = host
  } else if (proto === 'ip6') {
    if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(':')) return undefined
    hostPart = `[${host}]`
  } else if (proto === 'dns' || proto === 'dns4' || proto === 'dns6') {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}))*\.?$/.test(host)) return undefined
    hostPart = host
  } else {
    return undefined
  }
  let scheme: string
  let i = 0
  if (rest[i] === 'tls' && rest[i + 1] === 'http') { scheme = 'https'; i += 2 } else if (rest[i] === 'http' || rest[i] === 'https') { scheme = rest[i]; i += 1 } else return undefined
  if (i < rest.length) {
    // only a trailing /p2p/<id> may follow
    if (rest[i] !== 'p2p' || rest.length !== i + 2 || rest[i + 1] === '') return undefined
  }
  return `${scheme}://${hostPart}:${port}`
}

/** An upstream gateway given as a URL (`--upstream http://host:port`), without a trailing slash. */
export function upstreamUrl (text: string): string | undefined {
  let url: URL
  try { url = new URL(text) } catch { return undefined }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return undefined
  return url.toString().replace(/\/+$/, '')
}

/** Multiaddr protocols that take a value, and those that do not (the common ones; others are "unparseable"). */
const WITH_VALUE = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr', 'tcp', 'udp', 'p2p', 'ipfs', 'sni', 'ip6zone', 'certhash'])
const WITHOUT_VALUE = new Set(['http', 'https', 'tls', 'quic', 'quic-v1', 'ws', 'wss', 'webtransport', 'p2p-circuit', 'webrtc', 'webrtc-direct', 'noise', 'utp'])

/**
 * Whether `text` is a well-formed multiaddr (of the common protocols). A well-formed libp2p address that is not HTTP
 * (`/ip4/…/tcp/4001/p2p/…`) is a hint this service cannot use, not an error; a malformed one is a bad host node.
 */
export function isMultiaddr (text: string): boolean {
  const parts = text.split('/')
  if (parts[0] !== '' || parts.length < 2) return false
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]
    if (WITHOUT_VALUE.has(p)) continue
    if (!WITH_VALUE.has(p)) return false
    const v = parts[++i]
    if (v === undefined || v === '') return false
    if ((p === 'tcp' || p === 'udp') && !(/^\d{1,5}$/.test(v) && Number(v) <= 65535)) return false
    if (p === 'ip4' && !(/^\d{1,3}(\.\d{1,3}){3}$/.test(v) && v.split('.').every(n => Number(n) <= 255))) return false
    if (p === 'ip6' && !/^[0-9a-fA-F:.]+$/.test(v)) return false
  }
  return true
}
