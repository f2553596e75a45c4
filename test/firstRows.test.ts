// The desk opens on its rows at once: the query hosts are started with the desk, not at its first
// call, and the calls that bring rows (the timeline's page, a search's hits) are answered before
// the charts and counts asked for at the same moment.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { QueryPool } from '../main/api/queryPool.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { omvServe } from './support/cli.js';
import { runningChildren } from './support/processes.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir();
const dbPath = join(dir, 'omv.sqlite');

before(async () => {
  const file = join(dir, 'chat.xml');
  await writeSyntheticFile(file, { entries: 2000, rooms: 4, seed: 5 });
  const db = openDatabase(dbPath);
  await importFile(db, file);
  db.close();
});

test('the rows are answered before the chart and the count asked for with them', async () => {
  // One host: it answers one call at a time, in the order the pool hands them out.
  const pool = new QueryPool({ path: dbPath, timeoutMs: 60_000, hosts: 1 });
  const answered: string[] = [];
  const ask = (what: string, call: Promise<unknown>) => call.then(() => answered.push(what));
  try {
    // As the desk asks when it opens, and when a search is typed: the chart first, then the count, then the rows.
    await Promise.all([
      ask('histogram', pool.run('histogram', { filter: {}, buckets: 120 })),
      ask('count', pool.run('countEntries', { filter: { text: 'hello' } })),
      ask('timeline', pool.run('timeline', { filter: {}, direction: 'before', limit: 200 })),
      ask('search', pool.run('search', { filter: { text: 'hello' }, limit: 200 })),
      ask('timeBounds', pool.run('timeBounds', { filter: {} })),
    ]);
    assert.deepEqual(answered, ['timeline', 'search', 'histogram', 'count', 'timeBounds']);
  } finally {
    await pool.close();
  }
});

test('omv serve starts its query hosts before the desk asks anything', async () => {
  const server = await omvServe(['--db', dbPath]);
  // No call is made: the hosts are there anyway (waited for up to 20 s: they are processes starting).
  for (let tries = 0; runningChildren(server.child.pid!, 'queryHost.js').length < 2 && tries < 200; tries++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(runningChildren(server.child.pid!, 'queryHost.js').length, 2, 'two query hosts running before any call');
});

test("the desk's bundles (named by their hash) may be kept by the browser; the page and the API's answers never are", async () => {
  const server = await omvServe(['--db', dbPath]);
  const [, origin, key] = /viewer at (http:\/\/[^/]+)\/\?key=(\S+)/.exec(server.output())!;
  const page = await fetch(`${origin}/`);
  assert.equal(page.headers.get('cache-control'), 'no-store');
  const bundles = [...(await page.text()).matchAll(/(?:src|href)="\.(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  assert.equal(bundles.length, 2, 'the page names its script and its stylesheet');
  for (const bundle of bundles) {
    const response = await fetch(`${origin}${bundle}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'max-age=31536000, immutable', bundle);
  }
  const favicon = await fetch(`${origin}/favicon.svg`);
  assert.equal(favicon.headers.get('cache-control'), 'no-store', 'a file not named by its content is asked for again');
  const rooms = await fetch(`${origin}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-omv-key': key! },
    body: '{}',
  });
  assert.equal(rooms.status, 200);
  assert.equal(rooms.headers.get('cache-control'), 'no-store');
});
