/** Reading Terraform values in resource code: known or not, and of the expected shape. */
import { UNKNOWN, type TfObject, type TfValue } from './framework/types.js'

export function isUnknown (v: TfValue | undefined): boolean {
  return v === UNKNOWN
}

/** True when `v` and everything inside it is known. */
export function isWhollyKnown (v: TfValue | undefined): boolean {
  if (v === UNKNOWN) return false
  if (Array.isArray(v)) return v.every(isWhollyKnown)
  if (v !== null && typeof v === 'object') return Object.values(v).every(isWhollyKnown)
  return true
}

/** A known string, or undefined for null / unknown / another type. */
export function stringOf (v: TfValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}

export function boolOf (v: TfValue | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined
}

/** A wholly known list of strings, or undefined. */
export function stringListOf (v: TfValue | undefined): string[] | undefined {
  if (!Array.isArray(v) || !v.every(x => typeof x === 'string')) return undefined
  return v as string[]
}

/** A wholly known map of strings, or undefined. */
export function stringMapOf (v: TfValue | undefined): Record<string, string> | undefined {
  if (v === null || v === undefined || v === UNKNOWN || typeof v !== 'object' || Array.isArray(v)) return undefined
  if (!Object.values(v).every(x => typeof x === 'string')) return undefined
  return v as Record<string, string>
}

export function objectOf (v: TfValue | undefined): TfObject | undefined {
  if (v === null || v === undefined || v === UNKNOWN || typeof v !== 'object' || Array.isArray(v)) return undefined
  return v
}

/** Deep equality of Terraform values (UNKNOWN equals only UNKNOWN). */
export function sameValue (a: TfValue | undefined, b: TfValue | undefined): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined || a === null || b === null || a === UNKNOWN || b === UNKNOWN) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every(k => Object.hasOwn(b, k) && sameValue(a[k], b[k]))
  }
  return false
}

/** Private bytes as JSON (what we keep between plan, apply and read); empty or unreadable bytes read as {}. */
export function readPrivate (bytes: Uint8Array | undefined): Record<string, unknown> {
  if (bytes === undefined || bytes.byteLength === 0) return {}
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

export function writePrivate (value: Record<string, unknown>): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'))
}
