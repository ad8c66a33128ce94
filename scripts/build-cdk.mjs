#!/usr/bin/env node
/**
 * npm run build:cdk (part of build/prepare): compile the CDK constructs in provider/cdk/ twice, emitting JS + .d.ts:
 *   build/cdktn/  → `pinship/cdktn`, against CDK Terrain (`cdktn`), the source as written;
 *   build/cdktf/  → `pinship/cdktf`, against CDKTF (`cdktf`), with provider/cdk/terraform-cdk.ts read as
 *                   `export * from 'cdktf'`.
 * Each build is type-checked against its own library, so the source may use only what both share. The emitted
 * files import the library only through terraform-cdk.js, so one build never loads the other library.
 */
import { rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const srcDir = join(root, 'provider/cdk')
const shim = join(srcDir, 'terraform-cdk.ts')
const FLAVOURS = ['cdktn', 'cdktf']

const { config, error } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile)
if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
const base = ts.parseJsonConfigFileContent(config, ts.sys, root).options

let failed = false
for (const flavour of FLAVOURS) {
  const outDir = join(root, 'build', flavour)
  rmSync(outDir, { recursive: true, force: true })
  const options = { ...base, rootDir: srcDir, outDir, declaration: true, sourceMap: true, noEmitOnError: true, tsBuildInfoFile: undefined, incremental: false }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (resolve(fileName) === shim && flavour !== 'cdktn') {
      const text = ts.sys.readFile(fileName).replace(/from 'cdktn'/g, `from '${flavour}'`)
      return ts.createSourceFile(fileName, text, languageVersion, true)
    }
    return getSourceFile(fileName, languageVersion, onError, shouldCreate)
  }
  const program = ts.createProgram([join(srcDir, 'index.ts')], options, host)
  const emitted = program.emit()
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]
  if (diagnostics.length > 0) {
    failed = true
    process.stderr.write(`pinship/${flavour}:\n${ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: f => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n'
    })}\n`)
  } else {
    console.log(`pinship/${flavour}: ${join('build', flavour)}`)
  }
}
if (failed) process.exit(1)
