/**
 * The gRPC service definitions, from our own .proto files. The bundle carries their text (the build defines
 * __PINSHIP_PROTOS__), so the provider stays one file; from source they are read from provider/proto/.
 */
import { readFileSync } from 'node:fs'
import * as protoLoader from '@grpc/proto-loader'
import * as grpc from '@grpc/grpc-js'
import protobuf from 'protobufjs'

declare const __PINSHIP_PROTOS__: Record<string, string> | undefined

export const PROTO_FILES = ['tfplugin6.proto', 'go-plugin.proto', 'health.proto'] as const

function protoText (name: string): string {
  if (typeof __PINSHIP_PROTOS__ !== 'undefined') {
    const text = __PINSHIP_PROTOS__[name]
    if (text === undefined) throw new Error(`bundle lacks ${name}`)
    return text
  }
  return readFileSync(new URL(`../../proto/${name}`, import.meta.url), 'utf8')
}

export interface Services {
  provider: grpc.ServiceDefinition
  controller: grpc.ServiceDefinition
  stdio: grpc.ServiceDefinition
  health: grpc.ServiceDefinition
}

let cached: Services | undefined

export function loadServices (): Services {
  if (cached !== undefined) return cached
  const root = new protobuf.Root()
  for (const name of PROTO_FILES) protobuf.parse(protoText(name), root, { keepCase: true })
  const definition = protoLoader.fromJSON(root.toJSON(), { keepCase: true, enums: String, longs: String, defaults: true, oneofs: true })
  const pkg = grpc.loadPackageDefinition(definition) as unknown as Record<string, Record<string, any>>
  const service = (path: string): grpc.ServiceDefinition => {
    const parts = path.split('.')
    let node: any = pkg
    for (const p of parts) node = node?.[p]
    if (node?.service === undefined) throw new Error(`no service ${path} in the protocol definitions`)
    return node.service
  }
  cached = {
    provider: service('tfplugin6.Provider'),
    controller: service('plugin.GRPCController'),
    stdio: service('plugin.GRPCStdio'),
    health: service('grpc.health.v1.Health')
  }
  return cached
}
