/** Reading TypeScript declarations with the compiler's parser: the bindings' source and the official generator's output. */
import { readFileSync } from 'node:fs'
import ts from 'typescript'

export interface Member { optional: boolean, type: string, doc: string, tags: string[] }

export function parse (file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
}

function jsDocs (node: ts.Node): ts.JSDoc[] {
  return ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc)
}

/** Own property signatures of an interface: optional flag, type text (the library namespace spelled `cdk.`), JSDoc. */
export function interfaceMembers (source: ts.SourceFile, name: string): Record<string, Member> {
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name)
  if (decl === undefined) throw new Error(`interface ${name} not found in ${source.fileName}`)
  const out: Record<string, Member> = {}
  for (const m of decl.members) {
    if (!ts.isPropertySignature(m) || m.type === undefined) continue
    const docs = jsDocs(m)
    out[m.name.getText(source)] = {
      optional: m.questionToken !== undefined,
      type: m.type.getText(source).replace(/\s+/g, ' ').replace(/\bcdktn\./g, 'cdk.'),
      doc: docs.map(d => typeof d.comment === 'string' ? d.comment : '').join('').trim(),
      tags: docs.flatMap(d => (d.tags ?? []).map(t => t.tagName.text))
    }
  }
  return out
}

function findClass (source: ts.SourceFile, name: string): ts.ClassDeclaration {
  const decl = source.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name)
  if (decl === undefined) throw new Error(`class ${name} not found in ${source.fileName}`)
  return decl
}

/** Public instance getters of a class, with whether their JSDoc says @deprecated. */
export function classGetters (source: ts.SourceFile, name: string): Record<string, { deprecated: boolean }> {
  const out: Record<string, { deprecated: boolean }> = {}
  for (const m of findClass(source, name).members) {
    if (!ts.isGetAccessorDeclaration(m)) continue
    const mods = ts.getModifiers(m) ?? []
    if (mods.some(x => x.kind === ts.SyntaxKind.StaticKeyword || x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue
    out[m.name.getText(source)] = { deprecated: jsDocs(m).some(d => (d.tags ?? []).some(t => t.tagName.text === 'deprecated')) }
  }
  return out
}

/** Public methods of a class (static or not) with their parameter names. */
export function classMethods (source: ts.SourceFile, name: string, options: { static: boolean }): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const m of findClass(source, name).members) {
    if (!ts.isMethodDeclaration(m)) continue
    const mods = ts.getModifiers(m) ?? []
    if (mods.some(x => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue
    if (mods.some(x => x.kind === ts.SyntaxKind.StaticKeyword) !== options.static) continue
    out[m.name.getText(source)] = m.parameters.map(p => p.name.getText(source))
  }
  return out
}
