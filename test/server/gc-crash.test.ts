// kill -9 of a real `pinship serve` while it collects garbage: after a restart every block still indexed is whole,
// every upload still listed is complete and served, and the deleted ones are gone or intact, never half there.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarReader } from '@ipld/car/reader'
import * as Digest from 'multiformats/hashes/digest'
import { Repo } from '../../src/server/store/repo.js'
import { encodeCar, importFiles, json, ROOT, tempDir, ensureCliBuilt } from './helpers.js'

const TOKEN = 'gc-crash-token'
const MiB = 1024 * 1024
let tmp: { path: string, remove: () => Promise<void> }
beforeAll(async () => {
  tmp = await tempDir()
  ensureCliBuilt()
})
afterAll(async () => { await tmp.remove() })

async function spawnServe (dir: string): Promise<{ proc: ChildProcess, url: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/pinship'), 'serve', '--port', '0', '--json', '--data', dir, '--token', TOKEN, '--gc-delay', '1ms'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', resolve)
    proc.once('exit', code => reject(new Error(`pinship serve exited with ${String(code)}`)))
  })
  return { proc, url: (JSON.parse(first) as { url: string }).url }
}

async function kill (proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise(resolve => proc.once('exit', resolve))
  proc.kill('SIGKILL')
  await exited
}

function content (seed: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}${i}`).digest().copy(out, i)
  return out
}

/** Every indexed block re-hashed (opened as the server opens it). */
async function checkStore (dir: string): Promise<void> {
  const { repo } = await Repo.open(dir, { gcDelayMs: false })
  try {
    for (const [key, loc] of repo.blocks.entries()) {
      const bytes = await repo.blocks.readAt(loc)
      const mh = Digest.decode(Buffer.from(key, 'base64'))
      expect(createHash('sha256').update(bytes).digest().equals(Buffer.from(mh.digest))).toBe(true)
    }
  } finally {
    await repo.close()
  }
}

async function servedWhole (url: string, cid: string, blocks: number): Promise<boolean> {
  const res = await fetch(`${url}/ipfs/${cid}?format=car`)
  if (res.status !== 200) { await res.arrayBuffer(); return false }
  let n = 0
  for await (const _ of (await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))).blocks()) n++
  expect(n).toBe(blocks)
  return true
}

describe('kill -9 during garbage collection', () => {
  it('at several moments: nothing corrupt, nothing kept lost, deleted content gone or whole', async () => {
    const dir = join(tmp.path, 'gc-kill')
    const auth = { authorization: `Bearer ${TOKEN}` }
    const uploads = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      // pairs share a file, so collection must copy live blocks out of segments it drops
      const files = [{ path: 'own.bin', content: content(`own${i}`, MiB + i) }, { path: 'shared.bin', content: content(`shared${i >> 1}`, MiB / 2) }]
      const { root, blocks } = await importFiles(files, { wrap: true })
      return { root: root.toString(), blocks: blocks.length, car: await encodeCar([root], blocks) }
    }))
    for (const delay of [0, 10, 30, 80]) {
      let child = await spawnServe(dir)
      for (const u of uploads) expect((await fetch(`${child.url}/car`, { method: 'POST', body: u.car, headers: auth })).status).toBe(200)
      // delete every other upload; a collection starts at once
      await Promise.all(uploads.filter((_, i) => i % 2 === 0).map(async u => await fetch(`${child.url}/user/uploads/${u.root}`, { method: 'DELETE', headers: auth })))
      await new Promise(resolve => setTimeout(resolve, delay))
      await kill(child.proc)
      await checkStore(dir)

      child = await spawnServe(dir)
      try {
        const listed = new Set((await json(await fetch(`${child.url}/user/uploads?size=100`, { headers: auth }))).map((u: { cid: string }) => u.cid))
        for (const [i, u] of uploads.entries()) {
          if (i % 2 === 1) expect(listed.has(u.root)).toBe(true)
          if (listed.has(u.root)) {
            expect((await json(await fetch(`${child.url}/status/${u.root}`))).pins[0].status).toBe('Pinned')
            expect(await servedWhole(child.url, u.root, u.blocks)).toBe(true)
          } else {
            // gone, or (collection not reached yet) still whole: never half there
            await servedWhole(child.url, u.root, u.blocks)
          }
        }
      } finally {
        await kill(child.proc)
      }
      await checkStore(dir)
    }
  }, 120_000)
})
