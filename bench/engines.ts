// Search on both store engines, side by side, on the same generated entries (issue #19): each query
// kind asked RUNS times of each engine through the seam (the first page of a search with its
// count, as the desk asks it, and the exact count), p50 and p95 in ms. Figures, not a test: they
// depend on the machine. PostgreSQL runs as a throwaway cluster (test/support/postgres.ts).
//   npm run build && node dist/bench/engines.js [--entries 100000] [--runs 30]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { parseDelivery } from '../main/parser/deliveryPayload.js';
import type { StoreEngine } from '../main/store/engine.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { openSqliteEngine } from '../main/store/sqliteEngine.js';
import { parseSearch } from '../shared/searchQuery.js';
import { startPostgres } from '../test/support/postgres.js';
import { syntheticPayload } from '../test/support/synthetic.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '100000' }, runs: { type: 'string', default: '30' } } });
const ENTRIES = Number(values.entries);
const RUNS = Number(values.runs);
const PER_DELIVERY = 20_000;

const KINDS: Array<[kind: string, query: string]> = [
  ['common word', 'the'],
  ['rare word', 'kaloru'],
  ['two words', 'hello game'],
  ['phrase', '"the chat"'],
  ['prefix', 'ka*'],
  ['exclusion only', '-the'],
  ['word in a room', 'the in:room-3'],
  ['word from a user', 'hello from:user_3'],
  ['word in a week', 'the after:2024-01-03 before:2024-01-10'],
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function time(ask: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await ask(); // warm
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await ask();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function load(store: StoreEngine): Promise<number> {
  const start = performance.now();
  for (let i = 0, left = ENTRIES; left > 0; i++, left -= PER_DELIVERY) {
    const xml = syntheticPayload({ entries: Math.min(PER_DELIVERY, left), rooms: 30, seed: 7 + i, start: Date.UTC(2024, 0, 1 + 3 * i) });
    const bytes = Buffer.from(xml);
    await store.writes.receive(
      {
        source: 'callback',
        function: 'sendArchive',
        domainId: 'd1',
        type: null,
        callId: null,
        receivedAt: Date.now(),
        payload: bytes,
        payloadSize: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
      parseDelivery('sendArchive', bytes),
    );
  }
  return performance.now() - start;
}

const dir = mkdtempSync(join(tmpdir(), 'omv-bench-engines-'));
const cluster = await startPostgres({ manualStop: true, settings: { shared_buffers: '256MB' } });
const engines: Array<[string, StoreEngine]> = [
  ['sqlite', openSqliteEngine(join(dir, 'omv.sqlite'))],
  ['postgres', await openPgEngine(cluster.url)],
];
try {
  for (const [name, store] of engines) console.log(`${name}: ${ENTRIES} entries stored in ${((await load(store)) / 1000).toFixed(1)} s`);
  const client = await import('pg');
  const analyze = new client.default.Client(cluster.url);
  await analyze.connect();
  await analyze.query('VACUUM ANALYZE');
  await analyze.end();
  console.log(`\nsearch at ${ENTRIES} entries, ${RUNS} runs each (ms)`);
  console.log(['query kind', 'call', ...engines.flatMap(([name]) => [`${name} p50`, `${name} p95`])].join('\t'));
  for (const [kind, query] of KINDS) {
    const { filter } = parseSearch(query);
    for (const call of ['search', 'count'] as const) {
      const row: string[] = [kind, call];
      for (const [, store] of engines) {
        const { p50, p95 } = await time(() =>
          call === 'search' ? store.reads.search(filter, 50, ['[', ']']) : store.reads.countEntries(filter),
        );
        row.push(p50.toFixed(1), p95.toFixed(1));
      }
      console.log(row.join('\t'));
    }
  }
} finally {
  for (const [, store] of engines) await store.close();
  cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
