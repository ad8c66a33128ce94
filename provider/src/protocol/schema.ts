/** Our schema model → tfplugin6 Schema / Function messages (types are JSON bytes on the wire). */
import type { AttributeSchema, BlockSchema, FunctionType, NestedBlockSchema, Schema, TfType } from '../framework/types.js'

export function typeBytes (type: TfType): Buffer {
  return Buffer.from(JSON.stringify(type))
}

const NESTING: Record<NestedBlockSchema['nesting'], string> = { single: 'SINGLE', list: 'LIST', set: 'SET', map: 'MAP', group: 'GROUP' }

function attributeMessage (name: string, a: AttributeSchema & { writeOnly?: boolean }): Record<string, unknown> {
  return {
    name,
    type: typeBytes(a.type),
    description: a.description,
    description_kind: 'PLAIN',
    required: a.required === true,
    optional: a.optional === true,
    computed: a.computed === true,
    sensitive: a.sensitive === true,
    deprecated: a.deprecated === true,
    write_only: a.writeOnly === true
  }
}

function blockMessage (block: BlockSchema, version: number): Record<string, unknown> {
  return {
    version,
    description: block.description ?? '',
    description_kind: 'PLAIN',
    attributes: Object.entries(block.attributes).map(([n, a]) => attributeMessage(n, a)),
    block_types: Object.entries(block.blocks ?? {}).map(([n, b]) => ({
      type_name: n,
      nesting: NESTING[b.nesting],
      block: blockMessage(b.block, 0),
      min_items: b.minItems ?? 0,
      max_items: b.maxItems ?? 0
    }))
  }
}

export function schemaMessage (schema: Schema): Record<string, unknown> {
  return { version: schema.version, block: blockMessage(schema.block, schema.version) }
}

export function functionMessage (fn: FunctionType): Record<string, unknown> {
  return {
    parameters: fn.parameters.map(p => ({
      name: p.name,
      type: typeBytes(p.type),
      allow_null_value: p.allowNull === true,
      allow_unknown_values: false,
      description: p.description,
      description_kind: 'PLAIN'
    })),
    return: { type: typeBytes(fn.returns) },
    summary: fn.summary,
    description: fn.description,
    description_kind: 'PLAIN'
  }
}
