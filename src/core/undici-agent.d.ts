/**
 * undici's Agent alone, without the rest of the package (fetch, WebSocket, cache, mocks…): importing all of undici
 * cost the CLI ~0.1 s of start-up, most of a no-op re-deploy's budget. Its types are the package's own.
 */
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici'
  const UndiciAgent: typeof Agent
  export default UndiciAgent
}
