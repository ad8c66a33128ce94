/**
 * terraform-provider-pinship: Terraform starts this process and talks to it over its plugin protocol (v6).
 * Everything pinship-specific lives in ./provider.ts and ./resources; the protocol in ./protocol.
 */
import { HandshakeError } from './protocol/handshake.js'
import { serve } from './protocol/server.js'

declare const __PINSHIP_VERSION__: string | undefined

const version = typeof __PINSHIP_VERSION__ !== 'undefined' ? __PINSHIP_VERSION__ : 'dev'

if (process.argv.includes('--version')) {
  process.stdout.write(`terraform-provider-pinship ${version}\n`)
  process.exit(0)
}

// Terraform handles Ctrl-C for both of us: it sends StopProvider, then Shutdown.
process.on('SIGINT', () => {})

// The provider (and the pinship core under it) loads after the handshake line: Terraform waits for that line.
serve(async () => (await import('./provider.js')).provider).catch((err: unknown) => {
  if (err instanceof HandshakeError) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`terraform-provider-pinship could not start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
