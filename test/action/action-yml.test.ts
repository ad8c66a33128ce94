/**
 * action.yml is the contract: it must be a valid action manifest, say exactly what the code reads and writes
 * (inputs enum, outputs enum, defaults, services), and the README's action section must be generated from it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { register } from 'node:module'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import {
  DEFAULT_CID_PROFILE, DEFAULT_COMMIT_STATUS, DEFAULT_DEPLOYMENTS, DEFAULT_ENVIRONMENT, DEFAULT_HIDDEN, DEFAULT_JOB_SUMMARY,
  DEFAULT_PIN_NAME, DEFAULT_PR_COMMENT, DEFAULT_REMOVE_PREVIEWS, DEFAULT_TIMEOUT_MINUTES, DEFAULT_VERIFY, DEFAULT_WAIT_FOR
} from '../../src/action/constants.js'
import { Inputs } from '../../src/action/inputs.js'
import { knownServices } from '../../src/action/known-services.js'
import { Outputs } from '../../src/action/outputs.js'
import { REPO_ROOT, readActionYml, runnerNode } from './run-action.js'

const action = readActionYml()
const actionText = readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')

let parseAction: typeof import('@actions/workflow-parser/actions/index').parseAction
let NoOperationTraceWriter: typeof import('@actions/workflow-parser').NoOperationTraceWriter

beforeAll(async () => {
  register('./json-import-hook.mjs', import.meta.url)
  ;({ parseAction } = await import('@actions/workflow-parser/actions/index'))
  ;({ NoOperationTraceWriter } = await import('@actions/workflow-parser'))
})

test('action.yml is a valid action manifest (GitHub\'s action schema) and the schema check can fail', () => {
  const ok = parseAction({ name: 'action.yml', content: actionText }, new NoOperationTraceWriter())
  expect(ok.context.errors.getErrors().map(e => e.message)).toEqual([])
  const broken = parseAction({ name: 'action.yml', content: actionText.replace('runs:', 'runz:') }, new NoOperationTraceWriter())
  expect(broken.context.errors.getErrors().length).toBeGreaterThan(0)
})

test('runs the committed ncc bundle on node24 (GitHub removed node20 from the runners), with nothing to download at run time', () => {
  const runs = (action as unknown as { runs: { using: string, main: string } }).runs
  expect(runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  expect(existsSync(join(REPO_ROOT, 'dist', 'index.js'))).toBe(true)
  expect(existsSync(join(REPO_ROOT, 'dist', 'licenses.txt'))).toBe(true)
  // The action tests run the bundle on this binary, as the runner would.
  expect(execFileSync(runnerNode(), ['-p', 'process.versions.node'], { encoding: 'utf8' })).toMatch(/^24\./)
})

test('inputs in action.yml are exactly the Inputs enum', () => {
  expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).sort())
  for (const input of Object.values(action.inputs)) expect((input as { description?: string }).description).toBeTruthy()
})

test('outputs in action.yml are exactly the Outputs enum', () => {
  expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort())
})

test('defaults in action.yml equal the DEFAULT_* constants the code falls back to', () => {
  const d = (name: Inputs): string | undefined => action.inputs[name].default
  expect(d(Inputs.CidProfile)).toBe(DEFAULT_CID_PROFILE)
  expect(d(Inputs.Hidden)).toBe(String(DEFAULT_HIDDEN))
  expect(d(Inputs.WaitFor)).toBe(DEFAULT_WAIT_FOR)
  expect(d(Inputs.TimeoutMinutes)).toBe(String(DEFAULT_TIMEOUT_MINUTES))
  expect(d(Inputs.PinName)).toBe(DEFAULT_PIN_NAME)
  expect(d(Inputs.PrComment)).toBe(String(DEFAULT_PR_COMMENT))
  expect(d(Inputs.CommitStatus)).toBe(String(DEFAULT_COMMIT_STATUS))
  expect(d(Inputs.JobSummary)).toBe(String(DEFAULT_JOB_SUMMARY))
  expect(d(Inputs.Verify)).toBe(String(DEFAULT_VERIFY))
  expect(d(Inputs.RemovePreviews)).toBe(String(DEFAULT_REMOVE_PREVIEWS))
  expect(d(Inputs.Deployments)).toBe(DEFAULT_DEPLOYMENTS)
  expect(d(Inputs.Environment)).toBe(DEFAULT_ENVIRONMENT)
  expect(d(Inputs.GithubToken)).toBe('${{ github.token }}')
  expect(action.inputs[Inputs.Path].required).toBe(true)
})

test('the `service` description lists exactly the services the core knows', () => {
  const description = String((action.inputs.service as { description?: string }).description)
  const listed = [...description.matchAll(/`([a-z0-9]+)`/g)].map(m => m[1]).filter(s => s !== 'none')
  expect(listed.sort()).toEqual(knownServices().sort())
})

test('the README action section is generated from action.yml (npm run docs:action) and up to date', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  expect(readme).toContain('<!-- action-docs:start -->')
  for (const name of [...Object.values(Inputs), ...Object.values(Outputs)]) expect(readme).toContain(`| \`${name}\` |`)
  // Exit code 0 only when regenerating would change nothing.
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'action-docs.mjs'), '--check'], { stdio: 'pipe' })
})
