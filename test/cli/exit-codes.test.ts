/**
 * Every exit code the README documents, produced by the real CLI (bin/pinship in a child process): 0 ok, 1 the
 * operation failed, 2 bad usage or input (including folders holding what cannot be packed), 3 `status` of a CID a
 * service does not hold, 130 interrupted.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as errors from '../../src/core/errors.js'
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, USAGE_CODES, exitCodeFor } from '../../src/cli/exit-codes.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { smallSite, tempDir } from '../deploy/folders.js'
import { launch, waitFor, type Run } from './launch.js'

const TOKEN = 'exit-codes-token-0123456789'
const UNKNOWN_CID = 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u'


let scratch: Awaited<ReturnType<typeof tempDir>>
let server: RunningServer
let site: string

async function pinship (...args: string[]): Promise<Run> {
  return await launch(args, scratch.path).done
}

beforeAll(async () => {
  scratch = await tempDir()
  site = await smallSite(join(scratch.path, 'site'))
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'data'), tokens: [TOKEN] })
})

afterAll(async () => {
  await server?.close()
  await scratch?.cleanup()
})

describe('exit codes', () => {
  it('the usage codes are all real error codes', () => {
    const defined = new Set(Object.values(errors).flatMap(v => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string' ? [(v as { code: string }).code] : []))
    for (const code of USAGE_CODES) expect(defined, code).toContain(code)
    expect(exitCodeFor('ERR_AUTH')).toBe(EXIT_FAILURE)
    expect(exitCodeFor('ERR_ABORTED')).toBe(EXIT_INTERRUPTED)
  })

  it('0 on success', async () => {
    const r = await pinship('pack', site)
    expect(r.code).toBe(EXIT_OK)
  })

  it('1 when the operation failed (a service refused the token)', async () => {
    const r = await pinship('deploy', site, '--service', 'web3storage', '--endpoint', server.url, '--token', 'not-the-token-000')
    expect(r.stderr).toMatch(/rejected the token/)
    expect(r.code).toBe(EXIT_FAILURE)
  }, 30_000)

  describe('2 for bad usage or input', () => {
    beforeAll(async () => {
      await mkdir(join(scratch.path, 'outside'), { recursive: true })
      await writeFile(join(scratch.path, 'outside', 'a.txt'), 'a')
      await symlink('/etc/hostname', join(scratch.path, 'outside', 'host'))
      await mkdir(join(scratch.path, 'cycle', 'sub'), { recursive: true })
      await writeFile(join(scratch.path, 'cycle', 'a.txt'), 'a')
      await symlink('..', join(scratch.path, 'cycle', 'sub', 'up'))
      await mkdir(join(scratch.path, 'fifo'), { recursive: true })
      await writeFile(join(scratch.path, 'fifo', 'a.txt'), 'a')
      await promisify(execFile)('mkfifo', [join(scratch.path, 'fifo', 'pipe')])
      await mkdir(join(scratch.path, 'dangling'), { recursive: true })
      await writeFile(join(scratch.path, 'dangling', 'a.txt'), 'a')
      await symlink(join(scratch.path, 'nowhere'), join(scratch.path, 'dangling', 'gone'))
      await mkdir(join(scratch.path, 'latin1'), { recursive: true })
      await writeFile(join(scratch.path, 'latin1', 'a.txt'), 'a')
      await writeFile(Buffer.concat([Buffer.from(join(scratch.path, 'latin1', 'caf')), Buffer.from([0xe9])]), 'latin-1 name')
    })

    it.each([
      ['an unknown option', ['pack', '.', '--frobnicate'], /^pinship: unknown option '--frobnicate'/],
      ['a missing argument', ['pack'], /^pinship: missing required argument 'path'/],
      ['a path that does not exist', ['pack', 'no-such-dir'], /no-such-dir does not exist/],
      ['a symlink pointing outside the folder', ['pack', 'outside'], /host.*points outside the folder/],
      ['a symlink cycle', ['pack', 'cycle'], /cycle/],
      ['a FIFO', ['pack', 'fifo'], /pipe.*(FIFO|named pipe)/i],
      ['a dangling symlink (unreadable)', ['pack', 'dangling'], /gone/],
      ['a file name that is not UTF-8', ['pack', 'latin1'], /caf\\xe9: the name is not valid UTF-8/],
      ['a CID that is not a CID', ['status', 'nope'], /"nope" is not a valid CID/]
    ])('%s', async (_, args, message) => {
      const r = await pinship(...args)
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(EXIT_USAGE)
      expect(r.stdout).toBe('')
    })
  })

  it('3 when `status` finds a CID the service does not hold; 0 once it does', async () => {
    const svc = ['--service', 'web3storage', '--endpoint', server.url]
    const r = await pinship('status', UNKNOWN_CID, ...svc)
    expect(r.stdout).toMatch(/not known/)
    expect(r.code).toBe(EXIT_NOT_FOUND)
    const json = await pinship('status', UNKNOWN_CID, ...svc, '--json')
    expect(JSON.parse(json.stdout)).toEqual({ cid: UNKNOWN_CID, status: null, deals: [] })
    expect(json.code).toBe(EXIT_NOT_FOUND)
    const deployed = await pinship('deploy', site, ...svc, '--token', TOKEN, '--json')
    expect(deployed.code).toBe(EXIT_OK)
    const known = await pinship('status', JSON.parse(deployed.stdout).cid, ...svc)
    expect(known.code).toBe(EXIT_OK)
  }, 30_000)

  it('130 when interrupted (Ctrl-C)', async () => {
    // a service that accepts connections and never answers: deploy is still waiting when the signal comes
    const silent: Server = createServer(() => {})
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    try {
      const run = launch(['deploy', site, '--service', 'web3storage', '--endpoint', url, '--token', TOKEN], scratch.path)
      await waitFor(run, 'err', /deploying to/)
      run.child.kill('SIGINT')
      const r = await run.done
      expect(r.code).toBe(EXIT_INTERRUPTED)
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^pinship: .*cancelled/)
    } finally {
      silent.closeAllConnections()
      await new Promise<void>(resolve => silent.close(() => resolve()))
    }
  }, 30_000)
})
