/**
 * Every CID a service reports is compared with the local root (services.md "what breaks" #3: different tools,
 * different CIDs). CIDv0 and CIDv1 of the same codec and multihash name the same DAG and count as equal.
 */
import { CID } from 'multiformats/cid'
import { equals } from 'multiformats/bytes'
import { CidMismatchError } from '../errors.js'

export function sameCid (a: string, b: string): boolean {
  if (a === b) return true
  try {
    const x = CID.parse(a)
    const y = CID.parse(b)
    return x.code === y.code && equals(x.multihash.bytes, y.multihash.bytes)
  } catch {
    return false
  }
}

/** Throws CidMismatchError naming both CIDs unless `reported` names the local root. */
export function checkReportedCid (service: string, reported: string, local: string, what: string): void {
  if (sameCid(reported, local)) return
  throw new CidMismatchError(
    `service ${service} reported ${reported} but the local root is ${local} (${what}): it stored or built a different DAG. ` +
    'Do not use the reported CID; check the endpoint is the service you meant and that it takes the CAR unchanged ' +
    '(pin-by-file services re-chunk content: use a CAR upload or match its --profile).')
}
