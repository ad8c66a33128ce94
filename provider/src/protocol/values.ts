/**
 * Terraform values on the wire (docs/plugin-protocol/object-wire-format.md): msgpack, with unknown values as an
 * extension. We send unknown as ext 0 with one zero byte (a longer payload is refused by Terraform); we accept any
 * extension as unknown, because Terraform 1.11 sends refined unknowns (ext 12) carrying facts we do not need.
 */
import { decode, encode, ExtData } from '@msgpack/msgpack'
import { UNKNOWN, type BlockSchema, type TfObject, type TfType, type TfValue } from '../framework/types.js'

/** A block's value type: like an object type, plus nested blocks with their nesting modes. */
export interface BlockType { block: BlockSchema }
export type WireType = TfType | BlockType

const UNKNOWN_EXT = new ExtData(0, new Uint8Array([0]))

export class ValueError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ValueError'
  }
}

function isBlockType (type: WireType): type is BlockType {
  return typeof type === 'object' && !Array.isArray(type)
}

function fromWire (raw: unknown): TfValue {
  if (raw === null || raw === undefined) return null
  if (raw instanceof ExtData) return UNKNOWN
  if (typeof raw === 'string' || typeof raw === 'boolean') return raw
  if (typeof raw === 'number') return raw
  if (typeof raw === 'bigint') return Number(raw)
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8')
  if (Array.isArray(raw)) return raw.map(fromWire)
  if (raw instanceof Map) {
    const out: TfObject = {}
    for (const [k, v] of raw) out[String(k)] = fromWire(v)
    return out
  }
  if (typeof raw === 'object') {
    const out: TfObject = {}
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = fromWire(v)
    return out
  }
  throw new ValueError(`unexpected msgpack value of type ${typeof raw}`)
}

/** Decode a DynamicValue's msgpack bytes (empty = null). Unknowns, refined or not, become UNKNOWN. */
export function decodeValue (bytes: Uint8Array | null | undefined): TfValue {
  if (bytes === null || bytes === undefined || bytes.length === 0) return null
  return fromWire(decode(bytes))
}

/** Decode a DynamicValue that must hold an object (or null). */
export function decodeObject (bytes: Uint8Array | null | undefined): TfObject | null {
  const v = decodeValue(bytes)
  if (v === null) return null
  if (v === UNKNOWN || typeof v !== 'object' || Array.isArray(v)) throw new ValueError('expected an object value')
  return v
}

function toWire (value: TfValue | undefined, type: WireType, where: string): unknown {
  if (value === undefined || value === null) return null
  if (value === UNKNOWN) return UNKNOWN_EXT
  if (isBlockType(type)) return blockToWire(value, type.block, where)
  if (type === 'dynamic') throw new ValueError(`${where}: dynamic values are not supported`)
  if (type === 'string') {
    if (typeof value !== 'string') throw new ValueError(`${where}: expected a string, got ${typeof value}`)
    return value
  }
  if (type === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${where}: expected a finite number`)
    return value
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new ValueError(`${where}: expected a bool`)
    return value
  }
  const [kind, inner] = type
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(value)) throw new ValueError(`${where}: expected a ${kind}`)
    return value.map((v, i) => toWire(v, inner, `${where}[${i}]`))
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`${where}: expected a ${kind}`)
  if (kind === 'map') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toWire(v, inner, `${where}[${JSON.stringify(k)}]`)
    return out
  }
  // object: exactly the declared attributes, missing ones null (Terraform refuses any other count)
  const out: Record<string, unknown> = {}
  for (const [name, t] of Object.entries(inner)) out[name] = toWire(value[name], t, `${where}.${name}`)
  return out
}

function blockToWire (value: TfValue, block: BlockSchema, where: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValueError(`${where}: expected an object`)
  const obj = value as TfObject
  const out: Record<string, unknown> = {}
  for (const [name, attr] of Object.entries(block.attributes)) out[name] = toWire(obj[name], attr.type, `${where}.${name}`)
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    const v = obj[name]
    const t: BlockType = { block: nested.block }
    const at = `${where}.${name}`
    switch (nested.nesting) {
      case 'single':
      case 'group':
        out[name] = toWire(v, t, at)
        break
      case 'list':
      case 'set':
        // a plan must carry [] rather than null for an absent list/set block
        out[name] = v === UNKNOWN ? UNKNOWN_EXT : (Array.isArray(v) ? v : []).map((e, i) => toWire(e, t, `${at}[${i}]`))
        break
      case 'map': {
        const m: Record<string, unknown> = {}
        if (v !== null && v !== undefined && v !== UNKNOWN && typeof v === 'object' && !Array.isArray(v)) {
          for (const [k, e] of Object.entries(v)) m[k] = toWire(e, t, `${at}[${JSON.stringify(k)}]`)
        }
        out[name] = v === UNKNOWN ? UNKNOWN_EXT : m
        break
      }
    }
  }
  return out
}

/** Encode a value of the given type (or block) as msgpack; objects get exactly their declared attributes. */
export function encodeValue (value: TfValue, type: WireType): Uint8Array {
  return encode(toWire(value, type, isBlockType(type) ? 'object' : 'value'))
}

/** JSON raw state (UpgradeResourceState) → a value; JSON has no unknowns. */
export function fromJson (bytes: Uint8Array): TfValue {
  if (bytes.length === 0) return null
  return fromWire(JSON.parse(Buffer.from(bytes).toString('utf8')))
}
