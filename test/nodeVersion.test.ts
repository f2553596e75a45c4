// omv says which Node it needs instead of crashing in the SQLite binding on an older one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeVersionProblem } from '../main/cli/nodeVersion.js';

test('Node 22.12 and newer run omv; older ones are told what to install', () => {
  for (const version of ['v22.12.0', 'v22.23.3', 'v24.21.0', 'v26.10.0']) assert.equal(nodeVersionProblem(version), null, version);
  for (const version of ['v20.20.2', 'v22.11.0', 'v18.0.0']) {
    assert.match(
      nodeVersionProblem(version)!,
      new RegExp(`^omv needs Node\\.js 22\\.12 or newer; this is ${version.replace(/\./g, '\\.')}\\. Install Node 24`),
    );
  }
});
