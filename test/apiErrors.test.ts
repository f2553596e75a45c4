// What a failed API call tells the page: a message written for the moderator as it is; anything
// else (SQLite's own words, a bug) only "omv could not do that (logged as #ID)", with the whole
// error in the server's log under that ID.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../main/store/db.js';
import { omvServe, type ServeProcess } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

/** The server's log says `pattern`: its line may reach this process a moment after the answer (another pipe), so it is waited for, 10 s at most. */
async function logged(server: ServeProcess, pattern: RegExp): Promise<void> {
  for (const deadline = Date.now() + 10_000; !pattern.test(server.output()) && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(server.output(), pattern);
}

async function viewer(db: string) {
  const server = await omvServe(['--db', db], { env: { ...process.env, OMV_MODERATOR: 'mod-errors' } });
  const url = new URL(/viewer at (\S+)/.exec(server.output())![1]!);
  const call = async (method: string, args: object) => {
    const response = await fetch(`${url.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-omv-key': url.searchParams.get('key')! },
      body: JSON.stringify(args),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { ok: true; value: unknown } | { ok: false; error: string };
  };
  return { server, call };
}

test("SQLite's own error messages stay in the server's log; the page gets a plain sentence and its log ID", async () => {
  const db = join(tempDir(), 'omv.sqlite');
  const { server, call } = await viewer(db);
  assert.equal((await call('savedSearches', {})).ok, true);
  // The schema changes under the running server (a damaged or foreign database): every use of the table fails in SQLite.
  const other = openDatabase(db);
  other.exec('DROP TABLE saved_searches');
  other.close();
  for (const [method, args] of [
    ['savedSearches', {}], // a read, in a query host
    ['saveSearch', { name: 'mine', query: 'hello' }], // a write, on the receiver's connection
  ] as const) {
    const answer = await call(method, args);
    assert.equal(answer.ok, false);
    const { error } = answer as { error: string };
    assert.doesNotMatch(error, /SQLITE|no such table|saved_searches/i, `${method} told the page: ${error}`);
    const id = /^omv could not do that \(logged as #([0-9a-f]{8})\)$/.exec(error)?.[1];
    assert.ok(id, `${method} answered: ${error}`);
    await logged(server, new RegExp(`omv: #${id}: ${method} failed: SqliteError: no such table: (main\\.)?saved_searches\n {4}at `));
  }
});

test('errors written for the moderator reach the page as they are, from a query host too', async () => {
  const db = join(tempDir(), 'omv.sqlite');
  const { server, call } = await viewer(db);
  const xml = messagesXml({ lobby: [{ ts: 1_700_000_000_000, user: 'ann', content: 'hello there' }] });
  assert.equal(
    (await postForm(callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd', callID: '1' }), xml)).status,
    200,
  );
  const cases: Array<[string, object, string]> = [
    ['context', { entryId: 999_999, radius: 5 }, 'no entry 999999'], // "no entry N", from a query host
    ['connectionSnapshot', { kind: 'rooms', id: 42 }, 'there is no room roster 42'], // a UserFacingError of the store, from a query host
    ['addNote', { target: 'entry', targetId: 1, text: '' }, 'a note needs some text'], // ReviewError
    ['setReportStatus', { id: 42, status: 'actioned', reason: 'x' }, 'no report 42'], // ReportChangeError
  ];
  for (const [method, args, message] of cases) assert.deepEqual(await call(method, args), { ok: false, error: message }, method);
  assert.doesNotMatch(server.output(), /failed:/, 'nothing logged for them');
});
