/**
 * tfplugin6 RPCs → the provider's parts. Every handler answers; failures become diagnostics (a gRPC error would
 * surface in Terraform as "Plugin did not respond"). Handlers take and return plain protocol objects, so protocol
 * tests call them without a socket.
 */
import type { BlockSchema, CallContext, Diagnostic, Logger, ProviderType, ResourceType, DataSourceType, TfObject, TfValue } from '../framework/types.js'
import { FunctionCallError, UNKNOWN } from '../framework/types.js'
import { diagnosticMessage, errorDiagnostics, pathMessage } from './diagnostics.js'
import { functionMessage, schemaMessage } from './schema.js'
import { decodeObject, decodeValue, encodeValue, fromJson } from './values.js'

type Msg = Record<string, any>
type DynamicValue = { msgpack?: Buffer | Uint8Array | null, json?: Buffer | Uint8Array | null } | null | undefined

export interface HandlerOptions {
  log: Logger
}

function diags (list: Diagnostic[] | undefined): Msg[] {
  return (list ?? []).map(diagnosticMessage)
}

function dyn (value: TfValue, block: BlockSchema): Msg {
  return { msgpack: Buffer.from(encodeValue(value, { block })) }
}

function obj (v: DynamicValue): TfObject | null {
  return decodeObject(v?.msgpack ?? null)
}

function bytes (b: Buffer | Uint8Array | null | undefined): Uint8Array {
  return b ?? new Uint8Array(0)
}

function unknownType (kind: string, name: string): Diagnostic[] {
  return [{ severity: 'error', summary: `Unknown ${kind} type ${JSON.stringify(name)}`, detail: `The pinship provider has no ${kind} named ${name}. Check the spelling, or upgrade the provider.` }]
}

/** True when a value (or anything inside it) is UNKNOWN. */
function hasUnknown (v: TfValue): boolean {
  if (v === UNKNOWN) return true
  if (Array.isArray(v)) return v.some(hasUnknown)
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasUnknown)
  return false
}

export function createHandlers<Client> (provider: ProviderType<Client>, options: HandlerOptions) {
  const { log } = options
  let client: Client | undefined
  let stop = new AbortController()
  const resources = new Map<string, ResourceType<Client>>(provider.resources.map(r => [r.name, r]))
  const dataSources = new Map<string, DataSourceType<Client>>(provider.dataSources.map(d => [d.name, d]))
  const functions = new Map(provider.functions.map(f => [f.name, f]))
  const capabilities = { plan_destroy: true, get_provider_schema_optional: true, move_resource_state: false }

  const ctx = (): CallContext<Client> => ({ client: client as Client, log, signal: stop.signal })

  async function guarded<T extends Msg> (what: string, fn: () => Promise<T>, onError: (d: Msg[]) => T): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      log.error(`${what} failed`, { error: err instanceof Error ? err.message : String(err) })
      return onError(diags(errorDiagnostics(err, what)))
    }
  }

  return {
    async GetMetadata (_req: Msg): Promise<Msg> {
      return {
        server_capabilities: capabilities,
        diagnostics: [],
        resources: [...resources.keys()].map(type_name => ({ type_name })),
        data_sources: [...dataSources.keys()].map(type_name => ({ type_name })),
        functions: [...functions.keys()].map(name => ({ name }))
      }
    },

    async GetProviderSchema (_req: Msg): Promise<Msg> {
      return await guarded('GetProviderSchema', async () => ({
        provider: schemaMessage(provider.schema),
        resource_schemas: Object.fromEntries([...resources].map(([n, r]) => [n, schemaMessage(r.schema)])),
        data_source_schemas: Object.fromEntries([...dataSources].map(([n, d]) => [n, schemaMessage(d.schema)])),
        functions: Object.fromEntries([...functions].map(([n, f]) => [n, functionMessage(f)])),
        server_capabilities: capabilities,
        diagnostics: []
      }), diagnostics => ({ diagnostics }))
    },

    async GetFunctions (_req: Msg): Promise<Msg> {
      return { functions: Object.fromEntries([...functions].map(([n, f]) => [n, functionMessage(f)])), diagnostics: [] }
    },

    async ValidateProviderConfig (req: Msg): Promise<Msg> {
      return await guarded('Validating the provider configuration', async () => {
        const config = obj(req.config) ?? {}
        return { diagnostics: diags(provider.validate?.(config)) }
      }, diagnostics => ({ diagnostics }))
    },

    async ValidateResourceConfig (req: Msg): Promise<Msg> {
      return await guarded(`Validating ${String(req.type_name)}`, async () => {
        const r = resources.get(req.type_name)
        if (r === undefined) return { diagnostics: diags(unknownType('resource', req.type_name)) }
        return { diagnostics: diags(r.validate?.(obj(req.config) ?? {})) }
      }, diagnostics => ({ diagnostics }))
    },

    async ValidateDataResourceConfig (req: Msg): Promise<Msg> {
      return await guarded(`Validating data source ${String(req.type_name)}`, async () => {
        const d = dataSources.get(req.type_name)
        if (d === undefined) return { diagnostics: diags(unknownType('data source', req.type_name)) }
        return { diagnostics: diags(d.validate?.(obj(req.config) ?? {})) }
      }, diagnostics => ({ diagnostics }))
    },

    async ConfigureProvider (req: Msg): Promise<Msg> {
      return await guarded('Configuring the pinship provider', async () => {
        const config = obj(req.config) ?? {}
        client = await provider.configure(config, { terraformVersion: String(req.terraform_version ?? ''), log })
        return { diagnostics: [] }
      }, diagnostics => ({ diagnostics }))
    },

    async UpgradeResourceState (req: Msg): Promise<Msg> {
      return await guarded(`Upgrading the stored state of ${String(req.type_name)}`, async () => {
        const r = resources.get(req.type_name)
        if (r === undefined) return { diagnostics: diags(unknownType('resource', req.type_name)) }
        const raw = req.raw_state?.json
        if (raw === undefined || raw === null || raw.length === 0) {
          return { diagnostics: diags([{ severity: 'error', summary: 'Unsupported state format', detail: `The state of this ${String(req.type_name)} is not stored as JSON (legacy flatmap); remove it with terraform state rm and import it again.` }]) }
        }
        const parsed = fromJson(raw)
        if (parsed === null || parsed === UNKNOWN || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('stored state is not an object')
        const upgraded = r.upgrade !== undefined ? r.upgrade(Number(req.version ?? 0), parsed as TfObject) : parsed
        return { upgraded_state: dyn(upgraded, r.schema.block), diagnostics: [] }
      }, diagnostics => ({ diagnostics }))
    },

    async ReadResource (req: Msg): Promise<Msg> {
      const r = resources.get(req.type_name)
      const fallback = (diagnostics: Msg[]): Msg => ({ new_state: req.current_state, private: req.private, diagnostics })
      if (r === undefined) return fallback(diags(unknownType('resource', req.type_name)))
      return await guarded(`Reading ${String(req.type_name)}`, async () => {
        const state = obj(req.current_state)
        if (state === null) return { new_state: dyn(null, r.schema.block), private: bytes(req.private), diagnostics: [] }
        const out = await r.read({ state, private: bytes(req.private) }, ctx())
        return { new_state: dyn(out.state, r.schema.block), private: Buffer.from(out.private ?? bytes(req.private)), diagnostics: diags(out.diagnostics) }
      }, fallback)
    },

    async PlanResourceChange (req: Msg): Promise<Msg> {
      const r = resources.get(req.type_name)
      if (r === undefined) return { diagnostics: diags(unknownType('resource', req.type_name)) }
      return await guarded(`Planning ${String(req.type_name)}`, async () => {
        const prior = obj(req.prior_state)
        const proposed = obj(req.proposed_new_state)
        const config = obj(req.config)
        // Destroy: nothing to plan beyond "it will be gone" (announced with plan_destroy so Terraform asks).
        if (proposed === null) return { planned_state: dyn(null, r.schema.block), planned_private: bytes(req.prior_private), diagnostics: [] }
        const out = await r.plan({ prior, proposed, config, priorPrivate: bytes(req.prior_private) }, ctx())
        return {
          planned_state: dyn(out.planned, r.schema.block),
          requires_replace: (out.requiresReplace ?? []).map(a => pathMessage([a])),
          planned_private: Buffer.from(out.plannedPrivate ?? bytes(req.prior_private)),
          diagnostics: diags(out.diagnostics)
        }
      }, diagnostics => ({ diagnostics }))
    },

    async ApplyResourceChange (req: Msg): Promise<Msg> {
      const r = resources.get(req.type_name)
      if (r === undefined) return { diagnostics: diags(unknownType('resource', req.type_name)) }
      // On failure keep the prior state: nothing acknowledged is recorded as gone.
      return await guarded(`Applying ${String(req.type_name)}`, async () => {
        const out = await r.apply({
          prior: obj(req.prior_state),
          planned: obj(req.planned_state),
          config: obj(req.config),
          plannedPrivate: bytes(req.planned_private)
        }, ctx())
        if (out.state !== null && hasUnknown(out.state)) throw new Error(`the provider left an unknown value in the new state of ${String(req.type_name)} (a bug in pinship: please report it)`)
        return { new_state: dyn(out.state, r.schema.block), private: Buffer.from(out.private ?? new Uint8Array(0)), diagnostics: diags(out.diagnostics) }
      }, diagnostics => ({ new_state: req.prior_state, diagnostics }))
    },

    async ImportResourceState (req: Msg): Promise<Msg> {
      const r = resources.get(req.type_name)
      if (r === undefined) return { imported_resources: [], diagnostics: diags(unknownType('resource', req.type_name)) }
      return await guarded(`Importing ${String(req.type_name)}`, async () => {
        if (r.importState === undefined) {
          return { imported_resources: [], diagnostics: diags([{ severity: 'error', summary: `${String(req.type_name)} cannot be imported`, detail: 'Declare it in configuration and apply instead.' }]) }
        }
        const out = await r.importState(String(req.id ?? ''), ctx())
        return {
          imported_resources: [{ type_name: req.type_name, state: dyn(out.state, r.schema.block), private: Buffer.from(out.private ?? new Uint8Array(0)) }],
          diagnostics: []
        }
      }, diagnostics => ({ imported_resources: [], diagnostics }))
    },

    async ReadDataSource (req: Msg): Promise<Msg> {
      const d = dataSources.get(req.type_name)
      if (d === undefined) return { diagnostics: diags(unknownType('data source', req.type_name)) }
      return await guarded(`Reading data source ${String(req.type_name)}`, async () => {
        const out = await d.read(obj(req.config) ?? {}, ctx())
        return { state: dyn(out.state, d.schema.block), diagnostics: diags(out.diagnostics) }
      }, diagnostics => ({ diagnostics }))
    },

    async CallFunction (req: Msg): Promise<Msg> {
      const f = functions.get(req.name)
      if (f === undefined) return { error: { text: `pinship has no function named ${JSON.stringify(req.name)}` } }
      try {
        const args = (req.arguments ?? []).map((a: DynamicValue) => decodeValue(a?.msgpack ?? null))
        if (args.length !== f.parameters.length) return { error: { text: `${f.name} takes ${f.parameters.length} argument(s), got ${args.length as number}` } }
        const result = f.call(args)
        return { result: { msgpack: Buffer.from(encodeValue(result, f.returns)) } }
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err)
        const argument = err instanceof FunctionCallError ? err.argument : undefined
        return { error: { text, ...(argument !== undefined ? { function_argument: String(argument) } : {}) } }
      }
    },

    async StopProvider (_req: Msg): Promise<Msg> {
      // Ctrl-C: cancel what runs (uploads, waits), keep serving; later calls get a fresh signal.
      log.info('StopProvider: cancelling in-flight work')
      stop.abort(new Error('Terraform asked the provider to stop (interrupt)'))
      stop = new AbortController()
      return { Error: '' }
    }
  }
}

export type Handlers = ReturnType<typeof createHandlers>
