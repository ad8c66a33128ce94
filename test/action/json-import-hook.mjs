// @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which Node 20 refuses.
// This loader hook supplies the attribute for .json files only, so the parser loads unchanged under Node.
export async function load (url, context, nextLoad) {
  if (url.endsWith('.json') && context.importAttributes?.type === undefined) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } })
  }
  return nextLoad(url, context)
}
