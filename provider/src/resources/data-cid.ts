/** data "pinship_cid": the CID of a folder, computed locally with nothing uploaded (like archive_file). */
import type { Client } from '../client.js'
import type { DataSourceType } from '../framework/types.js'
import { errorAt } from '../framework/types.js'
import { logProgress } from '../log-progress.js'
import { packAttributes, packInputs, packOnly, validatePackInputs } from '../packing.js'

export const cidDataSource: DataSourceType<Client> = {
  name: 'pinship_cid',
  schema: {
    version: 0,
    block: {
      description: 'The root CID of a folder (or file), packed locally with nothing uploaded: for wiring the CID into DNSLink records or other providers.',
      attributes: {
        ...packAttributes(false),
        cid: { type: 'string', computed: true, description: 'Root CID of the packed folder.' },
        size: { type: 'number', computed: true, description: 'Bytes of the files packed.' },
        files: { type: 'number', computed: true, description: 'Number of files packed.' }
      }
    }
  },

  validate: validatePackInputs,

  async read (config, ctx) {
    const inputs = packInputs(config)
    if (inputs === 'unknown') throw errorAt('source', 'Source not known yet', 'Terraform reads data.pinship_cid only once source, profile, hidden and exclude are known.')
    const packed = await packOnly(inputs, { signal: ctx.signal, onProgress: logProgress(ctx.log, 'data.pinship_cid') })
    return { state: { ...config, cid: packed.cid, size: packed.bytes, files: packed.files } }
  }
}
