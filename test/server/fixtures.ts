// Fixture folders for the service tests, with the root CIDs ipfs-car 3.1.0 prints for them (outside oracle).
import { createCipheriv, createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const BIG_BIN_BYTES = 3 * 1024 * 1024 + 123

export function bigBin (): Buffer {
  const key = createHash('sha256').update('big').digest().subarray(0, 16)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(BIG_BIN_BYTES))
}

export const SITE_FILES: Record<string, string | Buffer> = {
  'index.html': '<!doctype html><title>pinship</title><link rel="stylesheet" href="/style.css"><h1>hello</h1>\n',
  'style.css': 'body{color:red}\n',
  'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n'
}

/** `ipfs-car pack site` */
export const SITE_ROOT = 'bafybeic4uyzcxftyzk3t5sccv43z2zwjf4cftprqj3gm35fxqefpqlw6ku'
/** `ipfs-car pack files` (a.txt = "alpha\n", dir/b.txt = "beta\n") */
export const FILES_ROOT = 'bafybeihwptaflkgo4bum5rkz4kyhxqwe367nu3pntyjua57oyzxaxdkexq'
/** `ipfs-car pack --no-wrap site/index.html` */
export const INDEX_HTML_CID = 'bafkreiclsry7pprd56ha5xgcn4bpom2iayeizx65ftstvracm2fglsxb5a'
/** `ipfs-car pack --no-wrap` of a file holding "hello pinship\n" */
export const HELLO_CID = 'bafkreia4ul6lvg6a4wr5za6rxugqnke37vrdoc5zmoxjj7cjztzm42yp5a'

export async function writeSite (dir: string): Promise<string> {
  const site = join(dir, 'site')
  for (const [name, content] of Object.entries(SITE_FILES)) {
    await mkdir(join(site, name, '..'), { recursive: true })
    await writeFile(join(site, name), content)
  }
  await writeFile(join(site, 'img/big.bin'), bigBin())
  return site
}

export async function writeFiles (dir: string): Promise<string> {
  const files = join(dir, 'files')
  await mkdir(join(files, 'dir'), { recursive: true })
  await writeFile(join(files, 'a.txt'), 'alpha\n')
  await writeFile(join(files, 'dir/b.txt'), 'beta\n')
  return files
}
