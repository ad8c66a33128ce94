// A static site stored on `pinship serve` and pinned again, by CID, on a second service (provider alias "backup").
// Tokens never appear here or in cdktf.out: each provider reads its own from the environment when Terraform runs it
// (PINSHIP_LOCAL_TOKEN for `local`, PINSHIP_PSA_TOKEN for `psa`, or PINSHIP_TOKEN for both). See README "CDK".
import { App, TerraformOutput, TerraformStack } from 'cdktn'
import type { Construct } from 'constructs'
import { Pin, PinshipProvider, StaticSite } from 'pinship/cdktn'

const endpoint = process.env.PINSHIP_ENDPOINT ?? 'http://127.0.0.1:8787'

class SiteStack extends TerraformStack {
  constructor (scope: Construct, id: string) {
    super(scope, id)
    // Where the site is uploaded: pinship serve (uploads and pins).
    const main = new PinshipProvider(this, 'main', { service: 'local', endpoint })
    // A second service that pins the same CID: any IPFS Pinning Service API (pinship serve speaks it too).
    const backup = new PinshipProvider(this, 'backup', { alias: 'backup', service: 'psa', endpoint: process.env.PINSHIP_BACKUP_ENDPOINT ?? endpoint })

    // A relative source is resolved against this folder (where cdktn runs).
    const site = new StaticSite(this, 'site', { source: process.env.SITE_DIR ?? '../site', provider: main, name: 'example-site' })
    const mirror = new Pin(this, 'backup-pin', { cid: site.cid, provider: backup, name: 'example-site (backup)', meta: { from: 'examples/cdktn' } })

    new TerraformOutput(this, 'backup_request_id', { value: mirror.requestId })
    new TerraformOutput(this, 'backup_status', { value: mirror.status })
  }
}

const app = new App()
new SiteStack(app, 'site')
app.synth()
