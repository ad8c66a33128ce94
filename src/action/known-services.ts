// TEMPORARY until the core's service registry lands: replaced by its list of slugs.
const SLUGS = ['local', 'web3storage', 'nftstorage', 'psa', 'pinata', 'kubo', 'cluster', 'filebase']

/** Service slugs the core can deploy to. */
export function knownServices (): string[] {
  return [...SLUGS]
}
