// The data path under random input, a short run (npm run test:stress runs the long one):
// see test/support/fuzz.ts for the properties.
import { test } from 'node:test';
import { emptyFigures, httpMutations, mutations, roundTrips, searches } from './support/fuzz.js';

const SEED = 20261125;
const figures = emptyFigures();

test('random well-formed payloads come back exactly: callback → store → export', async () => {
  await roundTrips(60, SEED, figures);
});

test('mutated payloads are stored or quarantined with a reason, never a crash or a hang', () => {
  mutations(1500, SEED, figures);
});

test('mutated payloads over HTTP, posted every way: a 200 names deliveries holding the bytes sent, never a 5xx, and the receiver keeps receiving', async () => {
  await httpMutations(150, SEED, figures);
});

test('search text of any kind is a result or a message, never an SQL error', () => {
  searches(1500, SEED, figures);
});
