import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { base58btc } from 'multiformats/bases/base58'

/**
 * The node's peer ID for `pins[].peerId` (web3.storage /status): a libp2p-format Ed25519 peer ID
 * ("12D3KooW…"), made once per data dir. The service is not a libp2p peer; the ID only names this node.
 */
export async function loadPeerId (dataDir: string): Promise<string> {
  const file = join(dataDir, 'peer-id')
  try {
    const id = (await readFile(file, 'utf8')).trim()
    if (id.length > 0) return id
  } catch { /* first start */ }
  const { publicKey } = generateKeyPairSync('ed25519')
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  // libp2p PublicKey protobuf {Type: Ed25519 (1), Data: key}, wrapped in an identity multihash
  const proto = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x20]), raw])
  const id = base58btc.baseEncode(Buffer.concat([Buffer.from([0x00, proto.length]), proto]))
  await writeFile(file, id + '\n')
  return id
}

/** The generated token of a data dir (made on first start, mode 600), used when no --token is given. */
export async function loadOrCreateToken (dataDir: string): Promise<string> {
  const file = join(dataDir, 'token')
  try {
    const token = (await readFile(file, 'utf8')).trim()
    if (token.length > 0) return token
  } catch { /* first start */ }
  const token = randomBytes(24).toString('base64url')
  await writeFile(file, token + '\n', { mode: 0o600 })
  return token
}
