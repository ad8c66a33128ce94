/**
 * go-plugin AutoMTLS, server side: a fresh self-signed certificate per process that Terraform trusts because we
 * announce it in the handshake line. Terraform checks the name `localhost` through the SAN (a CN alone is refused),
 * so the SAN carries it; the rest follows go-plugin's own template (backdated 30 s, CA, digital signature / key
 * encipherment / key agreement / cert sign).
 *
 * The certificate structure comes from @peculiar/asn1-x509 (X.509's ASN.1 types); the key pair and the signature from
 * node:crypto (ECDSA P-256, SHA-256). Terraform starts the provider several times per command and waits for the
 * handshake each time: the full @peculiar/x509 toolkit costs ~80 ms more to load than these structures.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { AsnConvert, OctetString } from '@peculiar/asn1-schema'
import {
  AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, BasicConstraints, Certificate, ExtendedKeyUsage, Extension, Extensions,
  GeneralName, id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_kp_clientAuth,
  id_kp_serverAuth, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName, SubjectAlternativeName,
  SubjectPublicKeyInfo, TBSCertificate, Validity, Version
} from '@peculiar/asn1-x509'

export interface ServerCertificate {
  certPem: string
  keyPem: string
  /** DER bytes of the certificate, for the handshake line. */
  der: Buffer
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const COMMON_NAME = '2.5.4.3'
const ORGANIZATION = '2.5.4.10'

function name (): Name {
  const rdn = (type: string, value: string): RelativeDistinguishedName =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ printableString: value }) })])
  return new Name([rdn(ORGANIZATION, 'pinship'), rdn(COMMON_NAME, 'localhost')])
}

function extension (extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })
}

function pem (label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`
}

export async function createServerCertificate (now = Date.now()): Promise<ServerCertificate> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }) as { privateKey: KeyObject, publicKey: KeyObject }
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f | 0x10 // positive, and no leading zero byte to strip
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 })
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: name(),
    subject: name(),
    validity: new Validity({ notBefore: new Date(now - 30_000), notAfter: new Date(now + 30 * 24 * 3600_000) }),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions([
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement | KeyUsageFlags.keyCertSign)),
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
      extension(id_ce_subjectAltName, false, new SubjectAlternativeName([new GeneralName({ dNSName: 'localhost' })]))
    ])
  })
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs))
  // ECDSA signatures from node:crypto are DER (r, s) by default: what X.509 carries in its BIT STRING
  const signature = sign('sha256', tbsDer, privateKey)
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signature).buffer })
  const der = Buffer.from(AsnConvert.serialize(cert))
  return { certPem: pem('CERTIFICATE', der), keyPem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })), der }
}
