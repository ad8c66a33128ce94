/** Diagnostics on the wire, and every thrown error turned into one (Terraform must never see a gRPC error). */
import { DiagnosticsError, type AttributePath, type Diagnostic } from '../framework/types.js'

export function pathMessage (path: AttributePath): { steps: Array<Record<string, unknown>> } {
  return {
    steps: path.map(step => typeof step === 'number' ? { element_key_int: String(step) } : { attribute_name: step })
  }
}

export function diagnosticMessage (d: Diagnostic): Record<string, unknown> {
  return {
    severity: d.severity === 'error' ? 'ERROR' : 'WARNING',
    summary: d.summary,
    detail: d.detail ?? '',
    ...(d.attribute !== undefined && d.attribute.length > 0 ? { attribute: pathMessage(d.attribute) } : {})
  }
}

/** Any error → diagnostics. Errors with a stable `code` (the core's PinshipError) keep it in the summary. */
export function errorDiagnostics (err: unknown, what: string): Diagnostic[] {
  if (err instanceof DiagnosticsError) return err.diagnostics
  const e = err as { message?: unknown, code?: unknown }
  const message = typeof e?.message === 'string' ? e.message : String(err)
  const code = typeof e?.code === 'string' && e.code.startsWith('ERR_') ? ` (${e.code})` : ''
  return [{ severity: 'error', summary: `${what} failed${code}`, detail: message }]
}
