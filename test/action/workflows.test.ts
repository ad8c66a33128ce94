/**
 * The example workflows must be valid GitHub Actions workflows (checked with GitHub's own parser) and must use the
 * action as action.yml defines it: known inputs, required inputs present, real outputs, known services.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { register } from 'node:module'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { knownServices } from '../../src/action/known-services.js'
import { parseServices } from '../../src/action/services.js'
import { REPO_ROOT, readActionYml } from './run-action.js'

const DIR = join(REPO_ROOT, 'examples', 'workflows')
const FILES = readdirSync(DIR).filter(f => f.endsWith('.yml')).sort()
const action = readActionYml()

type Step = { id?: string, uses?: string, with?: Record<string, unknown>, run?: string, if?: string }
type Workflow = { name: string, on: Record<string, any>, permissions?: Record<string, string>, concurrency?: { group: string, 'cancel-in-progress': boolean }, jobs: Record<string, { steps: Step[], if?: string, environment?: unknown }> }

function load (file: string): { text: string, workflow: Workflow } {
  const text = readFileSync(join(DIR, file), 'utf8')
  return { text, workflow: parse(text) as Workflow }
}

const isPinship = (step: Step): boolean => typeof step.uses === 'string' && (/(^|\/)pinship@/.test(step.uses) || step.uses === './')
const pinshipSteps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap(j => j.steps).filter(isPinship)

let parseWorkflow: typeof import('@actions/workflow-parser').parseWorkflow
let convertWorkflowTemplate: typeof import('@actions/workflow-parser').convertWorkflowTemplate
let NoOperationTraceWriter: typeof import('@actions/workflow-parser').NoOperationTraceWriter

beforeAll(async () => {
  // The parser imports JSON without import attributes; this hook adds them (see json-import-hook.mjs).
  register('./json-import-hook.mjs', import.meta.url)
  ;({ parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser'))
})

test('the examples cover push to main, production deployments, PR previews, their clean-up, the fork pattern and several services', () => {
  expect(FILES).toEqual(['deploy-main.yml', 'deploy-production.yml', 'multi-service.yml', 'pr-preview-fork-build.yml', 'pr-preview-fork-cleanup.yml', 'pr-preview-fork-deploy.yml', 'pr-preview-lifecycle.yml', 'pr-preview.yml'])
})

test('GitHub\'s workflow parser rejects a broken workflow (so the checks below can fail)', async () => {
  const result = parseWorkflow({ name: 'broken.yml', content: 'on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n' }, new NoOperationTraceWriter())
  expect(result.context.errors.getErrors().map(e => e.message).join('\n')).toMatch(/stepz/)
})

describe.each(FILES)('%s', file => {
  test('parses and converts with @actions/workflow-parser without errors', async () => {
    const { text } = load(file)
    const result = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter())
    expect(result.context.errors.getErrors().map(e => e.message)).toEqual([])
    const template = await convertWorkflowTemplate(result.context, result.value)
    expect(template.errors ?? []).toEqual([])
    expect(template.jobs.length).toBeGreaterThan(0)
  })

  test('uses only declared inputs, gives every required one, reads only declared outputs', () => {
    const { text, workflow } = load(file)
    const steps = pinshipSteps(workflow)
    expect(steps.length).toBe(1)
    for (const step of steps) {
      const given = Object.keys(step.with ?? {})
      for (const name of given) expect(Object.keys(action.inputs)).toContain(name)
      for (const [name, input] of Object.entries(action.inputs)) {
        if (input.required === true) expect(given).toContain(name)
      }
      expect(step.id).toBeTruthy()
      for (const [, name] of text.matchAll(new RegExp(`steps\\.${step.id}\\.outputs\\.([\\w-]+)`, 'g'))) {
        expect(Object.keys(action.outputs)).toContain(name)
      }
    }
  })

  test('names known services, and service-options the action accepts', () => {
    const step = pinshipSteps(load(file).workflow)[0]
    const withs = step.with as Record<string, string>
    // Expressions stand in for values the runner fills in: a URL for endpoints, a token otherwise.
    const options = String(withs['service-options'] ?? '').split('\n')
      .map(line => line.replace(/\$\{\{[^}]*\}\}/g, /\.endpoint=/.test(line) ? 'https://node.example' : 'x'))
      .filter(l => l.trim() !== '')
    const services = parseServices(withs.service, { options, token: 'x' })
    for (const config of services) expect(knownServices()).toContain(config.service)
  })
})

test('deploy-main deploys on push to main with a secret token and may set the commit status', () => {
  const { workflow } = load('deploy-main.yml')
  expect(workflow.on.push.branches).toContain('main')
  const step = pinshipSteps(workflow)[0]
  expect(step.with?.token).toMatch(/^\$\{\{\s*secrets\./)
  expect(workflow.permissions?.statuses).toBe('write')
  expect(Object.values(workflow.jobs).flatMap(j => j.steps).some(s => s.uses?.startsWith('actions/upload-artifact@') === true &&
    String(s.with?.path).includes('steps.pinship.outputs.car-path'))).toBe(true)
})

test('pr-preview runs on pull requests and may comment and set statuses', () => {
  const { workflow } = load('pr-preview.yml')
  expect(workflow.on).toHaveProperty('pull_request')
  expect(workflow.permissions).toMatchObject({ 'pull-requests': 'write', statuses: 'write' })
})

test('the fork pattern: an unprivileged build hands an artifact to a workflow_run deploy', () => {
  const build = load('pr-preview-fork-build.yml')
  const deploy = load('pr-preview-fork-deploy.yml')
  expect(build.workflow.on).toHaveProperty('pull_request')
  expect(build.text).not.toMatch(/secrets\./)
  expect(pinshipSteps(build.workflow)[0].with?.service).toBe('none')
  // Its token is read-only: a comment attempt would only warn on every same-repository pull request.
  expect(build.workflow.permissions?.['pull-requests']).toBeUndefined()
  expect(pinshipSteps(build.workflow)[0].with?.['pr-comment']).toBe(false)
  const upload = Object.values(build.workflow.jobs).flatMap(j => j.steps).find(s => s.uses?.startsWith('actions/upload-artifact@') === true)
  expect(upload?.with?.name).toBeTruthy()

  expect(deploy.workflow.on.workflow_run.workflows).toContain(build.workflow.name)
  expect(deploy.workflow.permissions).toMatchObject({ actions: 'read', 'pull-requests': 'write' })
  const download = Object.values(deploy.workflow.jobs).flatMap(j => j.steps).find(s => s.uses?.startsWith('actions/download-artifact@') === true)
  expect(download?.with?.name).toBe(upload?.with?.name)
  expect(String(download?.with?.['run-id'])).toContain('github.event.workflow_run.id')
  expect(pinshipSteps(deploy.workflow)[0].with?.path).toBe(download?.with?.path)
  // Never check out or run the pull request's code in the privileged workflow.
  expect(deploy.text).not.toMatch(/actions\/checkout|npm (ci|run|install)/)
})

test('multi-service deploys to several services with per-service credentials', () => {
  const step = pinshipSteps(load('multi-service.yml').workflow)[0]
  const services = String(step.with?.service).split(',')
  expect(services.length).toBeGreaterThanOrEqual(2)
  for (const service of services) expect(String(step.with?.['service-options'])).toContain(`${service}.`)
})

test('pr-preview-lifecycle deploys on every push and removes the previews on close, with deployments', () => {
  const { workflow } = load('pr-preview-lifecycle.yml')
  expect(workflow.on.pull_request.types).toEqual(expect.arrayContaining(['opened', 'synchronize', 'reopened', 'closed']))
  expect(workflow.permissions).toMatchObject({ 'pull-requests': 'write', statuses: 'write', deployments: 'write' })
  // A cancelled deploy could store a preview it never recorded.
  expect(workflow.concurrency?.['cancel-in-progress']).toBe(false)
  expect(workflow.concurrency?.group).toContain('github.event.pull_request.number')
  const steps = Object.values(workflow.jobs).flatMap(j => j.steps)
  const step = pinshipSteps(workflow)[0]
  // pinship runs on close too; the build does not.
  expect(step.if).toBeUndefined()
  for (const s of steps.filter(s => s.run?.includes('npm') === true || s.uses?.startsWith('actions/checkout@') === true)) {
    expect(s.if).toMatch(/github\.event\.action != 'closed'/)
  }
  expect(step.with?.['remove-previews']).toBe(true)
  expect(step.with?.deployments).toBe('auto')
  // A service whose records pinship can tell apart, so previews really go.
  expect(['psa', 'local', 'web3storage']).toContain(step.with?.service)
})

test('deploy-production records a production deployment, and leaves the deployment to pinship', () => {
  const { workflow } = load('deploy-production.yml')
  expect(workflow.on.push.branches).toContain('main')
  expect(workflow.permissions?.deployments).toBe('write')
  const step = pinshipSteps(workflow)[0]
  expect(step.with?.deployments).toBe(true)
  expect(step.with?.environment).toBe('production')
  // A job environment would make GitHub create a second deployment per run.
  for (const job of Object.values(workflow.jobs)) expect(job.environment).toBeUndefined()
})

test('the fork clean-up runs on pull_request_target closed, runs nothing from the pull request, and matches the deploy', () => {
  const cleanup = load('pr-preview-fork-cleanup.yml')
  const deploy = load('pr-preview-fork-deploy.yml')
  expect(Object.keys(cleanup.workflow.on)).toEqual(['pull_request_target'])
  expect(cleanup.workflow.on.pull_request_target.types).toEqual(['closed'])
  // With the base repository's secrets, never the pull request's code.
  expect(cleanup.text).not.toMatch(/actions\/checkout|download-artifact|npm (ci|run|install)/)
  expect(cleanup.workflow.permissions).toMatchObject({ 'pull-requests': 'write', deployments: 'write' })
  const a = pinshipSteps(cleanup.workflow)[0].with ?? {}
  const b = pinshipSteps(deploy.workflow)[0].with ?? {}
  // Same path (it names the comment holding the record), same service and endpoint (the record's endpoint must match).
  for (const key of ['path', 'service', 'endpoint', 'token']) expect(a[key]).toBe(b[key])
})
