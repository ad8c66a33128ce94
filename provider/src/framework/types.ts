/**
 * The contract between the protocol plumbing (`../protocol`, which speaks tfplugin6 to Terraform) and the provider's
 * own parts (resources, data sources, functions). Resource files import only this folder; they never see gRPC,
 * msgpack or certificates.
 */

/** A value Terraform will only know after apply (msgpack extension 0 on the wire; refined unknowns decode to it too). */
export const UNKNOWN: unique symbol = Symbol.for('pinship.terraform.unknown')
export type Unknown = typeof UNKNOWN

/** A Terraform value as resource code sees it: objects are plain objects keyed by attribute name. */
export type TfValue = null | Unknown | string | number | boolean | TfValue[] | TfObject
export interface TfObject { [name: string]: TfValue }

/** Terraform type constraints, spelled the way the wire format spells them (JSON). */
export type TfType =
  | 'string' | 'number' | 'bool' | 'dynamic'
  | ['list', TfType] | ['set', TfType] | ['map', TfType]
  | ['object', Record<string, TfType>]

export interface AttributeSchema {
  type: TfType
  /** Shown in docs and by language servers: every attribute has one. */
  description: string
  required?: boolean
  optional?: boolean
  computed?: boolean
  sensitive?: boolean
  deprecated?: boolean
  /**
   * Terraform ≥ 1.11 write-only attribute (tfplugin6 `write_only`): the value arrives in `config` of plan and apply
   * but is never stored; planned and new state must hold null for it.
   */
  writeOnly?: boolean
}

export interface NestedBlockSchema {
  nesting: 'single' | 'list' | 'set' | 'map' | 'group'
  block: BlockSchema
  minItems?: number
  maxItems?: number
}

export interface BlockSchema {
  description?: string
  attributes: Record<string, AttributeSchema>
  blocks?: Record<string, NestedBlockSchema>
}

export interface Schema {
  version: number
  block: BlockSchema
}

/** An attribute path: attribute names and (for collections) element keys. */
export type AttributePath = Array<string | number>

export interface Diagnostic {
  severity: 'error' | 'warning'
  summary: string
  detail?: string
  attribute?: AttributePath
}

/** Thrown by resource code to answer with these diagnostics (the protocol layer turns any other error into one). */
export class DiagnosticsError extends Error {
  readonly diagnostics: Diagnostic[]
  constructor (diagnostics: Diagnostic[]) {
    super(diagnostics.map(d => d.summary).join('; '))
    this.name = 'DiagnosticsError'
    this.diagnostics = diagnostics
  }
}

/** Helper: one error diagnostic, optionally pointing at an attribute. */
export function errorAt (attribute: string | AttributePath | undefined, summary: string, detail?: string): DiagnosticsError {
  return new DiagnosticsError([{
    severity: 'error',
    summary,
    ...(detail !== undefined ? { detail } : {}),
    ...(attribute !== undefined ? { attribute: typeof attribute === 'string' ? [attribute] : attribute } : {})
  }])
}

/** hclog-style logger: lines go to Terraform's log (visible with TF_LOG / TF_LOG_PROVIDER). */
export interface Logger {
  trace: (message: string, fields?: Record<string, unknown>) => void
  debug: (message: string, fields?: Record<string, unknown>) => void
  info: (message: string, fields?: Record<string, unknown>) => void
  warn: (message: string, fields?: Record<string, unknown>) => void
  error: (message: string, fields?: Record<string, unknown>) => void
}

/** What every resource / data source call gets. */
export interface CallContext<Client> {
  /** What the provider's `configure` returned (undefined before ConfigureProvider: validate calls only). */
  client: Client
  log: Logger
  /** Aborted when Terraform sends StopProvider (Ctrl-C): cancel uploads and waits, then answer with a diagnostic. */
  signal: AbortSignal
}

export interface PlanRequest {
  /** null on create. */
  prior: TfObject | null
  /** null on destroy (only sent because we announce the plan_destroy capability). */
  proposed: TfObject | null
  config: TfObject | null
  priorPrivate: Uint8Array
}
export interface PlanResponse {
  planned: TfObject | null
  /** Top-level attribute names whose change forces a replacement. */
  requiresReplace?: string[]
  plannedPrivate?: Uint8Array
  diagnostics?: Diagnostic[]
}

export interface ApplyRequest {
  prior: TfObject | null
  /** null = delete. */
  planned: TfObject | null
  config: TfObject | null
  plannedPrivate: Uint8Array
}
export interface ApplyResponse {
  /** null after a delete. Must equal every known value of `planned`, with no unknowns left. */
  state: TfObject | null
  private?: Uint8Array
  diagnostics?: Diagnostic[]
}

export interface ReadResponse {
  /** null = the object is gone (Terraform plans to create it again). */
  state: TfObject | null
  private?: Uint8Array
  diagnostics?: Diagnostic[]
}

export interface ResourceType<Client> {
  /** e.g. `pinship_content`. */
  name: string
  schema: Schema
  /** Static checks of a config that may hold UNKNOWNs. Throw DiagnosticsError or return diagnostics. */
  validate?: (config: TfObject) => Diagnostic[]
  plan: (req: PlanRequest, ctx: CallContext<Client>) => Promise<PlanResponse>
  apply: (req: ApplyRequest, ctx: CallContext<Client>) => Promise<ApplyResponse>
  read: (req: { state: TfObject, private: Uint8Array }, ctx: CallContext<Client>) => Promise<ReadResponse>
  /** `terraform import TYPE.NAME ID`: the state to adopt (Terraform calls read right after). */
  importState?: (id: string, ctx: CallContext<Client>) => Promise<{ state: TfObject, private?: Uint8Array }>
  /** Turn stored state (raw JSON of an older or the same version) into the current schema's object. */
  upgrade?: (version: number, state: TfObject) => TfObject
}

export interface DataSourceType<Client> {
  name: string
  schema: Schema
  validate?: (config: TfObject) => Diagnostic[]
  read: (config: TfObject, ctx: CallContext<Client>) => Promise<{ state: TfObject, diagnostics?: Diagnostic[] }>
}

export interface FunctionParameter {
  name: string
  type: TfType
  description: string
  allowNull?: boolean
}

/** Thrown by a function's `call`: goes back as FunctionError (text, argument index). */
export class FunctionCallError extends Error {
  readonly argument: number | undefined
  constructor (message: string, argument?: number) {
    super(message)
    this.name = 'FunctionCallError'
    this.argument = argument
  }
}

export interface FunctionType {
  /** Called as provider::pinship::NAME(...). */
  name: string
  summary: string
  description: string
  parameters: FunctionParameter[]
  returns: TfType
  call: (args: TfValue[]) => TfValue
}

export interface ProviderType<Client> {
  /** Provider configuration schema (the `provider "pinship" {}` block). */
  schema: Schema
  validate?: (config: TfObject) => Diagnostic[]
  /** ConfigureProvider: may see UNKNOWNs in config (values from other resources). */
  configure: (config: TfObject, options: { terraformVersion: string, log: Logger }) => Promise<Client>
  resources: Array<ResourceType<Client>>
  dataSources: Array<DataSourceType<Client>>
  functions: FunctionType[]
}
