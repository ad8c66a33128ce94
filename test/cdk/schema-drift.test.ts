// The CDK bindings against the provider's real schema: `terraform providers schema -json` of the built provider,
// installed offline from its filesystem mirror. Attribute tables, Config interfaces (read with the TypeScript
// compiler), getters, synthesized arguments and functions must all match, so the bindings cannot drift.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as cdktf from 'cdktf'
import * as cdktn from 'cdktn'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PROVIDER_ADDRESS, REPO, VERSION } from '../helpers/provider-build.js'
import { snapshotMirror } from './mirror.js'
import { interfaceMembers as membersOf, parse } from './ts-source.js'
import { ensureCdkBuilt } from './cdk-build.js'
import type { AttributeSpec } from 'pinship/cdktn'

// The builds users import; rebuilt first when provider/cdk changed since `npm run build`.
await ensureCdkBuilt()
const pinshipCdktn = await import('pinship/cdktn')
const pinshipCdktf = await import('pinship/cdktf')

const run = promisify(execFile)
type Lib = typeof cdktn
type Pinship = typeof pinshipCdktn

interface SchemaAttribute { type: unknown, required?: boolean, optional?: boolean, computed?: boolean, sensitive?: boolean, write_only?: boolean, description?: string }
interface SchemaBlock { attributes?: Record<string, SchemaAttribute>, block_types?: Record<string, { nesting_mode: string, block: SchemaBlock }> }
interface ProviderSchema {
  provider: { block: SchemaBlock }
  resource_schemas: Record<string, { block: SchemaBlock }>
  data_source_schemas: Record<string, { block: SchemaBlock }>
  functions: Record<string, { parameters: Array<{ name: string, type: unknown }>, return_type: unknown }>
}

let schema: ProviderSchema
let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'pinship-cdk-schema-'))
  const mirror = await snapshotMirror(join(scratch, 'mirror'))
  await writeFile(join(scratch, 'terraform.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`)
  await writeFile(join(scratch, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { pinship: { source: PROVIDER_ADDRESS, version: VERSION } } } }))
  const env = { ...process.env, TF_CLI_CONFIG_FILE: join(scratch, 'terraform.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' }
  await run('terraform', ['init', '-input=false', '-no-color'], { cwd: scratch, env })
  const { stdout } = await run('terraform', ['providers', 'schema', '-json'], { cwd: scratch, env, maxBuffer: 16 * 1024 * 1024 })
  schema = JSON.parse(stdout).provider_schemas[PROVIDER_ADDRESS]
}, 180_000)

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
})

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const isInput = (a: { required?: boolean, optional?: boolean }): boolean => a.required === true || a.optional === true

/** An attribute as the schema JSON spells it, without the description. */
function fromSchema (a: SchemaAttribute): Record<string, unknown> {
  return {
    type: a.type,
    required: a.required === true,
    optional: a.optional === true,
    computed: a.computed === true,
    sensitive: a.sensitive === true,
    write_only: a.write_only === true
  }
}
function fromSpec (a: AttributeSpec): Record<string, unknown> {
  return {
    type: a.type,
    required: a.required === true,
    optional: a.optional === true,
    computed: a.computed === true,
    sensitive: a.sensitive === true,
    write_only: a.writeOnly === true
  }
}

// binding class name, Config interface, Terraform kind, Terraform type
const BINDINGS = [
  { cls: 'PinshipProvider', config: 'PinshipProviderConfig', kind: 'provider', type: 'pinship', file: 'provider.ts' },
  { cls: 'Content', config: 'ContentConfig', kind: 'resource', type: 'pinship_content', file: 'content.ts' },
  { cls: 'Pin', config: 'PinConfig', kind: 'resource', type: 'pinship_pin', file: 'pin.ts' },
  { cls: 'DataPinshipCid', config: 'DataPinshipCidConfig', kind: 'data', type: 'pinship_cid', file: 'data-cid.ts' },
  { cls: 'DataPinshipStatus', config: 'DataPinshipStatusConfig', kind: 'data', type: 'pinship_status', file: 'data-status.ts' }
] as const

function schemaBlock (b: typeof BINDINGS[number]): SchemaBlock {
  if (b.kind === 'provider') return schema.provider.block
  return (b.kind === 'resource' ? schema.resource_schemas : schema.data_source_schemas)[b.type].block
}

test('the provider declares exactly the resources, data sources and functions the constructs bind', () => {
  expect(Object.keys(schema.resource_schemas).sort()).toEqual(['pinship_content', 'pinship_pin'])
  expect(Object.keys(schema.data_source_schemas).sort()).toEqual(['pinship_cid', 'pinship_status'])
  expect(Object.keys(schema.functions).sort()).toEqual([...pinshipCdktn.PinshipFunctions.names].sort())
  expect(pinshipCdktn.PROVIDER_VERSION).toBe(VERSION)
  expect(pinshipCdktn.PROVIDER_SOURCE).toBe(PROVIDER_ADDRESS)
})

describe.each(BINDINGS)('$cls ($kind $type)', (b) => {
  const binding = (pinshipCdktn as any)[b.cls] as { attributes: readonly AttributeSpec[], blocks?: ReadonlyArray<{ name: string, key: string, nesting: string, attributes: readonly AttributeSpec[] }>, tfResourceType: string }

  test('attribute table = schema attributes (names, types, required/optional/computed, sensitive, write-only)', () => {
    expect(binding.tfResourceType).toBe(b.type)
    const block = schemaBlock(b)
    const expected = Object.fromEntries(Object.entries(block.attributes ?? {}).map(([n, a]) => [n, fromSchema(a)]))
    const actual = Object.fromEntries(binding.attributes.map(a => [a.name, fromSpec(a)]))
    expect(actual).toEqual(expected)
    for (const a of binding.attributes) expect(a.key).toBe(camel(a.name))
    const blocks = Object.fromEntries(Object.entries(block.block_types ?? {}).map(([n, t]) => [n, {
      nesting: t.nesting_mode,
      attributes: Object.fromEntries(Object.entries(t.block.attributes ?? {}).map(([an, a]) => [an, fromSchema(a)]))
    }]))
    expect(Object.fromEntries((binding.blocks ?? []).map(bl => [bl.name, {
      nesting: bl.nesting,
      attributes: Object.fromEntries(bl.attributes.map(a => [a.name, fromSpec(a)]))
    }]))).toEqual(blocks)
  })

  test('Config interface: one documented property per input, optional exactly when the schema says so, typed by the schema', () => {
    const block = schemaBlock(b)
    const members = interfaceMembers(b.file, b.config)
    const expected: Record<string, { optional: boolean, type: string }> = {}
    for (const [name, a] of Object.entries(block.attributes ?? {})) {
      if (isInput(a)) expected[camel(name)] = { optional: a.required !== true, type: tsType(a.type) }
    }
    for (const [name, t] of Object.entries(block.block_types ?? {})) {
      expected[camel(name)] = { optional: true, type: `${b.cls}${name[0].toUpperCase()}${camel(name).slice(1)}` }
      const blockMembers = interfaceMembers(b.file, expected[camel(name)].type)
      expect(Object.fromEntries(Object.entries(blockMembers).map(([k, m]) => [k, { optional: m.optional, type: m.type }])))
        .toEqual(Object.fromEntries(Object.entries(t.block.attributes ?? {}).map(([an, a]) => [camel(an), { optional: a.required !== true, type: tsType(a.type) }])))
    }
    if (b.kind === 'provider') expected.alias = { optional: true, type: 'string' }
    expect(Object.fromEntries(Object.entries(members).map(([k, m]) => [k, { optional: m.optional, type: m.type }]))).toEqual(expected)
    for (const [key, m] of Object.entries(members)) {
      expect(m.doc, `${b.config}.${key} has a JSDoc description`).not.toBe('')
      if (m.optional) expect(m.tags, `${b.config}.${key} documents its @default`).toContain('default')
    }
  })

  test.each([['cdktn', cdktn, pinshipCdktn], ['cdktf', cdktf as unknown as Lib, pinshipCdktf as unknown as Pinship]] as const)(
    '%s: every input synthesizes under its schema name; every attribute has a getter referencing it', (_flavour, lib, p) => {
      const block = schemaBlock(b)
      const stack = new lib.TerraformStack(lib.Testing.app(), 'drift')
      const config: Record<string, unknown> = {}
      const synthesizedInputs: Record<string, unknown> = {}
      for (const [name, a] of Object.entries(block.attributes ?? {})) {
        if (!isInput(a)) continue
        config[camel(name)] = sample(a.type, name)
        synthesizedInputs[name] = sample(a.type, name)
      }
      for (const [name, t] of Object.entries(block.block_types ?? {})) {
        const attrs = Object.keys(t.block.attributes ?? {})
        config[camel(name)] = Object.fromEntries(attrs.map(an => [camel(an), `${an}-value`]))
        synthesizedInputs[name] = Object.fromEntries(attrs.map(an => [an, `${an}-value`]))
      }
      const Binding = (p as any)[b.cls]
      const element = new Binding(stack, 'x', config)
      const outputs: Record<string, unknown> = {}
      const expectedOutputs: Record<string, string> = {}
      const address = b.kind === 'data' ? `data.${b.type}.x` : `${b.type}.x`
      if (b.kind !== 'provider') {
        for (const [name, a] of Object.entries(block.attributes ?? {})) {
          if (a.write_only === true) continue // never in state: nothing to read back
          const getter = Object.getOwnPropertyDescriptor(Binding.prototype, camel(name))?.get
          expect(getter, `${b.cls}.${camel(name)} getter`).toBeTypeOf('function')
          const value = element[camel(name)]
          const objectType = objectFields(a.type)
          if (objectType === undefined) {
            outputs[name] = value
            expectedOutputs[name] = `\${${address}.${name}}`
          } else {
            for (const field of Object.keys(objectType)) {
              outputs[`${name}_${field}`] = value.get(0)[camel(field)]
              expectedOutputs[`${name}_${field}`] = `\${${address}.${name}[0].${field}}`
            }
          }
        }
        for (const [k, v] of Object.entries(outputs)) new lib.TerraformOutput(stack, k, { value: v })
      }
      const synthesized = JSON.parse(lib.Testing.synth(stack))
      const args = b.kind === 'provider'
        ? synthesized.provider.pinship[0]
        : (b.kind === 'data' ? synthesized.data : synthesized.resource)[b.type].x
      expect(args).toEqual(synthesizedInputs)
      expect(Object.fromEntries(Object.entries(synthesized.output ?? {}).map(([k, o]) => [k, (o as { value: unknown }).value]))).toEqual(expectedOutputs)
    })
})

describe('functions', () => {
  test.each([...pinshipCdktn.PinshipFunctions.names])('%s: a static helper with the schema\'s parameters, rendering provider::pinship::<name>(…)', (name) => {
    const fn = schema.functions[name]
    expect(fn.return_type).toBe('string')
    for (const param of fn.parameters) expect(param.type).toBe('string')
    const helper = (pinshipCdktn.PinshipFunctions as any)[camel(name)] as (...args: string[]) => string
    expect(helper).toBeTypeOf('function')
    expect(helper.length).toBe(fn.parameters.length)
    for (const [, lib, p] of [['cdktn', cdktn, pinshipCdktn], ['cdktf', cdktf as unknown as Lib, pinshipCdktf as unknown as Pinship]] as const) {
      const stack = new lib.TerraformStack(lib.Testing.app(), 'f')
      const args = fn.parameters.map(param => `${param.name}-arg`)
      new lib.TerraformOutput(stack, 'o', { value: (p.PinshipFunctions as any)[camel(name)](...args) })
      expect(JSON.parse(lib.Testing.synth(stack)).output.o.value).toBe(`\${provider::pinship::${name}(${args.map(a => JSON.stringify(a)).join(', ')})}`)
    }
  })
})

/** A value of the schema type, distinct per attribute. */
function sample (type: unknown, name: string): unknown {
  if (type === 'string') return name === 'source' ? `/abs/${name}` : `${name}-value`
  if (type === 'number') return 7
  if (type === 'bool') return false
  if (Array.isArray(type) && type[0] === 'list' && type[1] === 'string') return [`${name}-1`, `${name}-2`]
  if (Array.isArray(type) && type[0] === 'map' && type[1] === 'string') return { k: `${name}-v` }
  throw new Error(`no sample for input ${name} of type ${JSON.stringify(type)}: teach the drift test this type`)
}

function objectFields (type: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(type) && type[0] === 'list' && Array.isArray(type[1]) && type[1][0] === 'object') return type[1][1] as Record<string, unknown>
  return undefined
}

/** The TypeScript type a Config property must have for a schema type. */
function tsType (type: unknown): string {
  if (type === 'string') return 'string'
  if (type === 'number') return 'number'
  if (type === 'bool') return 'boolean | cdk.IResolvable'
  if (Array.isArray(type) && type[0] === 'list' && type[1] === 'string') return 'string[]'
  if (Array.isArray(type) && type[0] === 'map' && type[1] === 'string') return '{ [key: string]: string }'
  throw new Error(`no TypeScript type for input type ${JSON.stringify(type)}: teach the drift test this type`)
}

/** Own members of an interface declared in provider/cdk/<file>. */
function interfaceMembers (file: string, name: string): ReturnType<typeof membersOf> {
  return membersOf(parse(join(REPO, 'provider/cdk', file)), name)
}
