// The data path under random input, the long run: 100,000 mutated payloads by default
// (OMV_FUZZ_CASES), see test/support/fuzz.ts for the properties.
import { after, test } from 'node:test';
import { describeCounts, emptyFigures, httpMutations, mutations, roundTrips, searches } from '../support/fuzz.js';
import { recordStress, setting } from '../support/stressReport.js';

const CASES = setting('OMV_FUZZ_CASES', 100_000);
const SEED = setting('OMV_FUZZ_SEED', Date.now() % 1_000_000_007);
const figures = emptyFigures();

after(() =>
  recordStress('3-fuzz', [
    ['fuzz seed (OMV_FUZZ_SEED repeats a run)', String(SEED)],
    [
      'round trips callback → store → export',
      `${figures.roundTrips.toLocaleString('en-US')} payloads, ${figures.entriesCompared.toLocaleString('en-US')} entries, all exact`,
    ],
    ['mutated payloads, parser and store', `${figures.mutations.toLocaleString('en-US')}: ${describeCounts(figures.outcomes)}`],
    [
      'mutated payloads over HTTP',
      `${figures.httpMutations.toLocaleString('en-US')}: ${describeCounts(figures.httpAnswers)} (no 5xx; every 200's deliveries hold the bytes sent)`,
    ],
    ['posted as', describeCounts(figures.httpPostings)],
    [
      'slowest parse of a mutated payload',
      `${figures.slowestParseMs.toFixed(1)} ms (at most ${figures.slowestMicrosPerKb.toFixed(0)} µs per KB of those of 4 KB and more)`,
    ],
    ['search texts', `${figures.searches.toLocaleString('en-US')}: ${describeCounts(figures.searchOutcomes)}`],
  ]),
);

test(`round trips (${Math.ceil(CASES / 100)})`, { timeout: 3_600_000 }, async () => {
  await roundTrips(Math.ceil(CASES / 100), SEED, figures);
});

test(`mutated payloads through the parser and the store (${CASES})`, { timeout: 3_600_000 }, () => {
  mutations(CASES, SEED, figures);
});

test(`mutated payloads over HTTP (${Math.ceil(CASES / 50)})`, { timeout: 3_600_000 }, async () => {
  await httpMutations(Math.ceil(CASES / 50), SEED, figures);
});

test(`search texts (${Math.ceil(CASES / 10)})`, { timeout: 3_600_000 }, () => {
  searches(Math.ceil(CASES / 10), SEED, figures);
});
