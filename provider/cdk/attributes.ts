/**
 * Each binding describes its Terraform attributes once, in a table of `AttributeSpec`s: synthesis (JSON and HCL)
 * walks the table, and test/cdk/schema-drift.test.ts compares the tables with `terraform providers schema -json` of
 * the built provider, so a binding cannot silently drift from the provider.
 */
import * as cdk from './terraform-cdk.js'

/** Terraform types the bindings use, spelled as `terraform providers schema -json` spells them. */
export type AttributeType =
  | 'string' | 'number' | 'bool'
  | ['list', 'string'] | ['map', 'string']
  | ['list', ['object', Record<string, 'string' | 'number' | 'bool'>]]

export interface AttributeSpec {
  /** Terraform name (snake_case). */
  readonly name: string
  /** Config / getter name (camelCase). */
  readonly key: string
  readonly type: AttributeType
  readonly required?: boolean
  readonly optional?: boolean
  readonly computed?: boolean
  readonly sensitive?: boolean
  /** Terraform ≥ 1.11 write-only: sent in the configuration, never kept in state. */
  readonly writeOnly?: boolean
}

/** A nested block (`timeouts`): nesting `single`, string attributes only. */
export interface BlockSpec {
  readonly name: string
  readonly key: string
  readonly nesting: 'single'
  readonly attributes: readonly AttributeSpec[]
}

/** True when the attribute is set from the configuration (required or optional). */
export function isInput (spec: AttributeSpec): boolean {
  return spec.required === true || spec.optional === true
}

function jsonMapper (type: AttributeType): cdk.Mapper {
  if (type === 'string') return cdk.stringToTerraform
  if (type === 'number') return cdk.numberToTerraform
  if (type === 'bool') return cdk.booleanToTerraform
  if (type[0] === 'map') return cdk.hashMapper(cdk.stringToTerraform)
  if (type[1] === 'string') return cdk.listMapper(cdk.stringToTerraform, false)
  return cdk.anyToTerraform
}

function hclValue (type: AttributeType, value: unknown): { value: unknown, isBlock: false, type: string, storageClassType: string } {
  if (type === 'string') return { value: cdk.stringToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'string' }
  if (type === 'number') return { value: cdk.numberToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'number' }
  if (type === 'bool') return { value: cdk.booleanToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'boolean' }
  if (type[0] === 'map') return { value: cdk.hashMapperHcl(cdk.stringToHclTerraform)(value), isBlock: false, type: 'map', storageClassType: 'stringMap' }
  if (type[1] === 'string') return { value: cdk.listMapperHcl(cdk.stringToHclTerraform, false)(value), isBlock: false, type: 'list', storageClassType: 'stringList' }
  return { value: cdk.anyToHclTerraform(value), isBlock: false, type: 'list', storageClassType: 'anyList' }
}

/**
 * CDK Terrain registers write-only attributes so `synth` can check the project's `targetVersions` (Terraform ≥ 1.11);
 * CDKTF 0.21 predates write-only attributes and passes them through as ordinary ones.
 */
type WriteOnlyMarker = (value: unknown) => unknown
function writeOnlyMarker (element: cdk.TerraformElement): WriteOnlyMarker {
  const mark = (element as unknown as { markWriteOnlyAttribute?: WriteOnlyMarker }).markWriteOnlyAttribute
  return typeof mark === 'function' ? (value: unknown) => mark.call(element, value) : (value: unknown) => value
}

/** `synthesizeAttributes()`: the configuration's inputs, keyed by Terraform name (undefined ones are dropped by the library). */
export function synthesizeJson (element: cdk.TerraformElement, specs: readonly AttributeSpec[], config: object, blocks: readonly BlockSpec[] = []): Record<string, unknown> {
  const mark = writeOnlyMarker(element)
  const values = config as Readonly<Record<string, unknown>>
  const out: Record<string, unknown> = {}
  for (const spec of specs.filter(isInput)) {
    const value = jsonMapper(spec.type)(values[spec.key])
    out[spec.name] = spec.writeOnly === true ? mark(value) : value
  }
  for (const block of blocks) {
    const value = values[block.key]
    out[block.name] = value === undefined || cdk.Tokenization.isResolvable(value)
      ? value
      : synthesizeBlock(block, value as Record<string, unknown>, spec => jsonMapper(spec.type))
  }
  return out
}

/** `synthesizeHclAttributes()` for `synth --hcl`: the same inputs with the type hints the HCL renderer needs. */
export function synthesizeHcl (element: cdk.TerraformElement, specs: readonly AttributeSpec[], config: object, blocks: readonly BlockSpec[] = []): Record<string, unknown> {
  const mark = writeOnlyMarker(element)
  const values = config as Readonly<Record<string, unknown>>
  const out: Record<string, { value: unknown }> = {}
  for (const spec of specs.filter(isInput)) {
    const hcl = hclValue(spec.type, values[spec.key])
    out[spec.name] = spec.writeOnly === true ? { ...hcl, value: mark(hcl.value) } : hcl
  }
  for (const block of blocks) {
    const value = values[block.key]
    const attrs = value === undefined || cdk.Tokenization.isResolvable(value)
      ? value
      : Object.fromEntries(Object.entries(synthesizeBlock(block, value as Record<string, unknown>, spec => (v: unknown) => hclValue(spec.type, v)))
        .filter(([, v]) => (v as { value: unknown }).value !== undefined))
    out[block.name] = { value: attrs, isBlock: true, type: 'struct', storageClassType: block.key } as { value: unknown }
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v.value !== undefined))
}

function synthesizeBlock (block: BlockSpec, value: Record<string, unknown>, mapper: (spec: AttributeSpec) => cdk.Mapper): Record<string, unknown> {
  return Object.fromEntries(block.attributes.map(spec => [spec.name, mapper(spec)(value[spec.key])]))
}
