import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { base32 } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'

/**
 * Content served path-style (`/ipfs/…` on the service's own origin) is anyone's upload, so it must not run as that
 * origin: `sandbox` gives the document an opaque origin (no cookies, no same-origin reads of `/account` or the
 * API, no storage of the service). Scripts, forms and popups stay allowed so a site still renders and works;
 * `allow-same-origin` and `allow-top-navigation` are deliberately absent: with the first the sandbox is void.
 */
export const PATH_GATEWAY_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads allow-modals'

/** The account page's only inline content is its style sheet, allowed by hash: no script at all. */
export function accountHeaders (style: string): Record<string, string> {
  const hash = createHash('sha256').update(style).digest('base64')
  return {
    'content-security-policy': `default-src 'none'; style-src 'sha256-${hash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    // for browsers that predate frame-ancestors
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // not no-referrer: with it Chromium sends `Origin: null` on the page's own form posts, which the CSRF check refuses
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store'
  }
}

/** Hosts whose subdomains resolve without DNS set-up: browsers map `*.localhost` to loopback themselves. */
export const DEFAULT_SUBDOMAIN_HOSTS = ['localhost']

/** DNS allows labels of at most 63 characters; a longer CID (an identity CID, say) stays path-style. */
const MAX_LABEL = 63

/**
 * Where a browser should fetch `/ipfs/{cid}{rest}` instead: its own origin `{cidv1 base32}.ipfs.{host}`, as Kubo's
 * subdomain gateway does. Undefined when the Host cannot have subdomains (an IP literal, an unknown name) or the CID
 * does not fit a DNS label; such requests are served path-style, sandboxed.
 */
export function subdomainLocation (req: IncomingMessage, cid: CID, rest: string, search: string, hosts = DEFAULT_SUBDOMAIN_HOSTS): string | undefined {
  const host = (req.headers.host ?? '').toLowerCase()
  const m = /^([a-z0-9.-]+)(:\d{1,5})?$/.exec(host)
  if (m === null || !hosts.includes(m[1])) return undefined
  let label: string
  try { label = cid.toV1().toString(base32) } catch { return undefined }
  if (label.length > MAX_LABEL) return undefined
  return `http://${label}.ipfs.${m[1]}${m[2] ?? ''}${rest === '' ? '/' : rest}${search}`
}
