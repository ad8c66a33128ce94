/**
 * go-plugin's handshake: Terraform starts us with a magic cookie and the protocol versions it speaks, and reads one
 * line from our stdout: `CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL|CERT`. The certificate is base64 of
 * its DER bytes without padding (Go's RawStdEncoding: padding is refused as "illegal base64 data").
 */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE'
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2'
export const CORE_PROTOCOL_VERSION = 1
export const APP_PROTOCOL_VERSION = 6

export class HandshakeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HandshakeError'
  }
}

export interface PluginEnv {
  clientCertPem: string | undefined
  /** go-plugin's TLS can be turned off by a test harness (TF_DISABLE_PLUGIN_TLS); Terraform itself never does. */
  tls: boolean
}

/** Check we were started by Terraform and that it speaks protocol 6; throws a message for a human otherwise. */
export function readPluginEnv (env: NodeJS.ProcessEnv = process.env): PluginEnv {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'This is the pinship Terraform provider (a Terraform plugin). It is not meant to be run by hand: Terraform starts it.\n' +
      'Install it with a filesystem mirror or dev_overrides (see the README, "Terraform provider") and run terraform init / plan.'
    )
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? String(APP_PROTOCOL_VERSION)).split(',').map(v => Number(v.trim()))
  if (!versions.includes(APP_PROTOCOL_VERSION)) {
    throw new HandshakeError(`this provider speaks plugin protocol ${APP_PROTOCOL_VERSION}; Terraform offered ${env.PLUGIN_PROTOCOL_VERSIONS ?? '(none)'}: use Terraform 1.0 or later`)
  }
  const pem = env.PLUGIN_CLIENT_CERT
  return { clientCertPem: pem !== undefined && pem !== '' ? pem : undefined, tls: env.TF_DISABLE_PLUGIN_TLS === undefined || env.TF_DISABLE_PLUGIN_TLS === '' }
}

export function handshakeLine (network: 'unix' | 'tcp', address: string, certDer: Buffer | null): string {
  const cert = certDer === null ? '' : certDer.toString('base64').replace(/=+$/, '')
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|${network}|${address}|grpc|${cert}\n`
}
