/**
 * go-plugin AutoMTLS, server side: a fresh self-signed certificate per process that Terraform trusts because we
 * announce it in the handshake line. Terraform checks the name `localhost` through the SAN (a CN alone is refused),
 * so the SAN carries it. ECDSA P-256 through WebCrypto: ~20 ms, where RSA in pure JS takes ~250 ms of start-up.
 */
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README says so)
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

export interface ServerCertificate {
  certPem: string
  keyPem: string
  /** DER bytes of the certificate, for the handshake line. */
  der: Buffer
}

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

function pem (label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`
}

export async function createServerCertificate (now = Date.now()): Promise<ServerCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=localhost, O=pinship',
    // go-plugin backdates by 30 s so clocks a little apart still agree
    notBefore: new Date(now - 30_000),
    notAfter: new Date(now + 30 * 24 * 3600_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement | x509.KeyUsageFlags.keyCertSign,
        true
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])
    ]
  })
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
  return { certPem: cert.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', pkcs8), der: Buffer.from(cert.rawData) }
}
