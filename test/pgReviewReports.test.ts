// The report queue's changes on PostgreSQL make what they make on SQLite (reviewOnBothEngines.ts
// makes each change on both and compares the answers, the audit rows and the events): a report's
// status moved, claimed, released, assigned, and the claims mode, each refusal alike; after them
// the reports as stored and as a user's record reads them. Then PostgreSQL alone with desks acting
// at once — two claims, two decisions, a claim and claims turned off — where exactly what SQLite
// does one after the other must happen: one wins, the other is refused as SQLite refuses the second.
//
// The tests run in order on one desk, each leaving the reports as the next expects them. They work on
// two reports of their own, delivered into both engines as the receiver stores them (the desk's
// reports are other tests' fixture: their steps may change), and set up through the API on both.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Actor } from '../shared/access.js';
import type { ApiArgs, PlainMethod } from '../shared/api.js';
import { storeDelivery } from '../main/store/deliveries.js';
import { DAY } from './support/deskOnBothEngines.js';
import { delivery } from './support/engines.js';
import {
  ACTORS,
  outcome,
  reviewOnBothEngines,
  sameChange,
  timesSince,
  type Outcome,
  type ReviewOnBothEngines,
} from './support/reviewOnBothEngines.js';
import { postgresSkipReason, query } from './support/postgres.js';

const skip = postgresSkipReason();

const { admin: maya, lead: lena, moderator: bob, other: cleo } = ACTORS;

/** When the tests began: a time after it was stamped by a change of theirs, at a moment each engine had its own. */
let since = 0;

// What a report change leaves stored: the reports' claim columns, their history, the claims mode.
const REPORTS_STORED = `SELECT id, status, version, claimed_by, claimed_at, assigned_by, changed_what, changed_by, changed_at
  FROM abuse_reports ORDER BY id`;
const HISTORY_STORED =
  'SELECT id, report_id, at, moderator, from_status, to_status, reason, audit_id FROM report_status_changes ORDER BY id';
const CLAIMS_STORED = "SELECT key, value FROM settings WHERE key = 'claims'";
interface Stored {
  reports: unknown[];
  history: unknown[];
  claims: unknown[];
}

/** Rows of PostgreSQL's, its bigints as numbers (as SQLite's are; node-postgres gives them as text). */
async function pgRows(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({
    connectionString: url,
    types: { getTypeParser: ((oid: number, format?: 'text') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as never },
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function storedOn(desk: ReviewOnBothEngines, engine: 'sqlite' | 'pg'): Promise<Stored> {
  const rows = async (sql: string) => (engine === 'sqlite' ? desk.db.prepare(sql).all() : pgRows(desk.cluster.url, sql));
  const [reports, history, claims] = await Promise.all([rows(REPORTS_STORED), rows(HISTORY_STORED), rows(CLAIMS_STORED)]);
  // PostgreSQL's text cannot hold U+0000: it keeps U+FFFD (as the copy stores it).
  const asPgStores = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\\u0000/g, '\uFFFD')) as unknown[];
  return { reports: asPgStores(reports), history: asPgStores(history), claims };
}

/** The reports as both engines store them, and a user's record (their reports with claims and stamps) as both read it: the same, times of the test aside. */
async function sameStored(desk: ReviewOnBothEngines): Promise<Stored> {
  const [fromFile, fromPg] = await Promise.all([storedOn(desk, 'sqlite'), storedOn(desk, 'pg')]);
  assert.deepEqual(timesSince(fromPg, since), timesSince(fromFile, since), 'the reports as stored');
  const [recordFile, recordPg] = await Promise.all([
    desk.sqlite('userRecord', { userId: '12345' }),
    desk.pg('userRecord', { userId: '12345' }),
  ]);
  assert.deepEqual(timesSince(recordPg, since), timesSince(recordFile, since), "userRecord('12345')");
  return fromFile;
}

type Call = { [M in PlainMethod]: { actor: Actor; method: M; args: ApiArgs<M> } }[PlainMethod];

/** Waits until `n` of omv's writer sessions wait on a lock, or `n` less those of `settled` calls finished: a state, not a time. */
async function untilWaiting(url: string, n: number, settled: () => number): Promise<void> {
  for (;;) {
    const [{ waiting }] = (await query<{ waiting: number }>(
      url,
      "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE application_name = 'omv writer' AND wait_event_type = 'Lock'",
    )) as [{ waiting: number }];
    if (waiting + settled() >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Makes two calls on PostgreSQL at once: a lock this test holds (`hold`, in a transaction of its
 * own) stops them, the first call waiting (or done) before the second starts, until both wait (on
 * the lock, or on each other) or are done; then the lock goes and they finish. Answers their
 * outcomes, in the order of the calls.
 */
async function atOnce(desk: ReviewOnBothEngines, hold: string, holdArgs: unknown[], calls: [Call, Call]): Promise<[Outcome, Outcome]> {
  const holder = new pg.Client(desk.cluster.url);
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(hold, holdArgs);
    let settled = 0;
    const made: Array<Promise<Outcome>> = [];
    for (const call of calls) {
      made.push(
        outcome(desk.services.pg, call.actor, call.method, call.args as never).finally(() => {
          settled += 1;
        }),
      );
      await untilWaiting(desk.cluster.url, made.length, () => settled);
    }
    await holder.query('COMMIT');
    return (await Promise.all(made)) as [Outcome, Outcome];
  } finally {
    await holder.end();
  }
}

/** The audit rows after row `after` (action, moderator, details), on one engine. */
async function trailAfter(desk: ReviewOnBothEngines, engine: 'sqlite' | 'pg', afterRow: number): Promise<unknown[]> {
  type Row = { action: string; moderator: string; details: string };
  const sql = 'SELECT action, moderator, details FROM audit_log WHERE id > $1 ORDER BY id';
  const rows =
    engine === 'sqlite'
      ? desk.db.prepare<[number], Row>(sql.replace('$1', '?')).all(afterRow)
      : await query<Row>(desk.cluster.url, sql, [afterRow]);
  return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as unknown }));
}

/** An abuse report of 12345's (so a user's record, which sameStored compares, holds it), received `hour`s after the desk's day. */
function ourReport(accused: string, description: string, hour: number) {
  return delivery(
    `<?xml version='1.0' encoding='utf-8'?>\n<abuse><reportingUserID>12345</reportingUserID><abuserUserID>${accused}</abuserUserID>` +
      `<reason>Offensive</reason><description><![CDATA[${description}]]></description></abuse>`,
    { fn: 'reportAbuse', receivedAt: DAY + hour * 3_600_000 },
  );
}

/**
 * Delivers this file's two reports into both engines (SQLite's as its receiver stores one, PostgreSQL's
 * through its engine's writes) and answers their ids: the same on both, which the calls rely on.
 */
async function deliverOurReports(desk: ReviewOnBothEngines): Promise<[number, number]> {
  const ids: Array<{ sqlite: number; pg: number }> = [];
  for (const report of [ourReport('u7', 'threatened me in the lobby', 300), ourReport('u8', 'copies my messages', 301)]) {
    const fromFile = storeDelivery(desk.db, report.meta, report.parsed);
    const fromPg = await desk.engine.writes.receive(report.meta, report.parsed);
    assert.equal(fromFile.status, 'stored');
    assert.equal(fromPg.status, 'stored');
    const reportOf = (deliveryId: number) => `SELECT id FROM abuse_reports WHERE delivery_id = ${deliveryId}`;
    const sqlite = desk.db.prepare<[], number>(reportOf(fromFile.deliveryId)).pluck().get()!;
    const [pgReport] = (await pgRows(desk.cluster.url, reportOf(fromPg.deliveryId))) as [{ id: number }];
    ids.push({ sqlite, pg: pgReport.id });
  }
  const [first, second] = ids as [{ sqlite: number; pg: number }, { sqlite: number; pg: number }];
  assert.deepEqual([first.pg, second.pg], [first.sqlite, second.sqlite], "our reports' ids, PostgreSQL's as SQLite's");
  return [first.sqlite, second.sqlite];
}

/** The reports held now (by their id, who holds them), as SQLite stores them (sameStored says PostgreSQL holds the same). */
const heldReports = (desk: ReviewOnBothEngines) =>
  desk.db
    .prepare<[], { id: number; claimed_by: string }>('SELECT id, claimed_by FROM abuse_reports WHERE claimed_by IS NOT NULL ORDER BY id')
    .all();

/** The trail's newest row (both engines number their rows alike: the copy kept SQLite's numbers). */
const auditRows = (desk: ReviewOnBothEngines) => desk.db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get()!;

/**
 * Two calls made at once on PostgreSQL (atOnce), then on SQLite one after the other in the order
 * PostgreSQL let them win: each must answer what SQLite answered it, the same audit rows appended
 * and the same reports stored (times aside). Answers PostgreSQL's outcomes.
 */
async function sameAtOnce(desk: ReviewOnBothEngines, hold: string, holdArgs: unknown[], calls: [Call, Call]): Promise<[Outcome, Outcome]> {
  const trail = auditRows(desk);
  const fromPg = await atOnce(desk, hold, holdArgs, calls);
  // Which went first on PostgreSQL: the first whose change was recorded (an audit row), else the first call.
  const pgTrail = await trailAfter(desk, 'pg', trail);
  const order = (pgTrail as Array<{ moderator: string }>)[0]?.moderator === calls[1].actor.name && fromPg[1].answered ? [1, 0] : [0, 1];
  const fromFile: Outcome[] = [];
  for (const i of order) fromFile[i] = await outcome(desk.services.sqlite, calls[i]!.actor, calls[i]!.method, calls[i]!.args as never);
  assert.deepEqual(timesSince(fromPg, since), timesSince(fromFile, since), 'each call answered as SQLite answers it in that order');
  assert.deepEqual(timesSince(pgTrail, since), timesSince(await trailAfter(desk, 'sqlite', trail), since), 'the audit rows');
  await sameStored(desk);
  return fromPg;
}

describe('the report queue changes on PostgreSQL', { skip }, () => {
  let desk: ReviewOnBothEngines;
  let first: number;
  let second: number;
  /** sameChange, times stamped by this file's earlier changes (each engine's own moment) compared as such, in answers and refusals. */
  const same = <M extends PlainMethod>(actor: Actor, method: M, args: ApiArgs<M>, compared = (outcome: unknown) => outcome) =>
    sameChange(desk, actor, method, args, { compared: (outcome) => timesSince(compared(outcome), since) });
  /** A report's version now (both engines hold the same: sameStored says so after each test). */
  const version = (id: number) => desk.db.prepare<[number], number>('SELECT version FROM abuse_reports WHERE id = ?').pluck().get(id)!;

  before(async () => {
    desk = await reviewOnBothEngines();
    since = Date.now();
    [first, second] = await deliverOurReports(desk);
    // Our two reports as the tests begin: the first actioned by maya, the second claimed by bob (open).
    assert.equal((await same(maya, 'setReportStatus', { id: first, status: 'actioned', reason: 'warned the user' })).failed, undefined);
    assert.equal((await same(bob, 'claimReport', { id: second })).failed, undefined);
    const stored = (await sameStored(desk)).reports as Array<{ id: number; status: string; claimed_by: string | null }>;
    assert.deepEqual(
      stored.filter((r) => r.id === first || r.id === second).map((r) => [r.id, r.status, r.claimed_by]),
      [
        [first, 'actioned', null],
        [second, 'open', 'bob'],
      ],
    );
  });
  after(() => desk?.close());

  test('a report moved: its status, its history and its stamp; every refusal alike (a stale version, another holder, a move not allowed, no reason, no report)', async () => {
    const seen = version(second);
    const started = await same(bob, 'setReportStatus', { id: second, status: 'in review', version: seen });
    assert.deepEqual(
      { ...(started.answered as object), auditId: 0 },
      { id: second, from: 'open', to: 'in review', auditId: 0, version: seen + 1 },
    );
    // Cleo saw the report before bob started its review.
    const stale = await same(cleo, 'setReportStatus', { id: second, status: 'dismissed', reason: 'fine', version: seen });
    assert.match(stale.failed!, /^ConflictError: report \d+ changed since this desk saw it: in review by bob at /);
    assert.equal((stale.conflict as { change: string }).change, 'in review');
    assert.match(
      (await same(cleo, 'setReportStatus', { id: second, status: 'dismissed', reason: 'fine', version: seen + 1 })).failed!,
      /^ForbiddenError: report \d+ is claimed by bob/,
    );
    assert.match(
      (await same(bob, 'setReportStatus', { id: second, status: 'in review', version: seen + 1 })).failed!,
      /it can go to open, actioned, dismissed, not in review/,
    );
    for (const reason of [undefined, '   '])
      assert.match(
        (
          await same(bob, 'setReportStatus', {
            id: second,
            status: 'dismissed',
            version: seen + 1,
            ...(reason === undefined ? {} : { reason }),
          })
        ).failed!,
        /a reason is required/,
      );
    await same(bob, 'setReportStatus', { id: second, status: 'closed' as never, reason: 'x', version: seen + 1 });
    await same(bob, 'setReportStatus', { id: second, status: 'dismissed', reason: 'x', version: 'two' as never });
    for (const id of [999_999, 'x', 1.5, -1, 2 ** 63])
      assert.match(
        (await same(lena, 'setReportStatus', { id: id as number, status: 'open', reason: 'x' })).failed!,
        /^ReportChangeError: no report /,
      );
    // A decision releases the claim (its audit row says whose); a hostile reason is kept (U+0000 as PostgreSQL keeps it).
    const decided = await same(bob, 'setReportStatus', {
      id: second,
      status: 'dismissed',
      reason: '  no abuse \u0000 "quoted"\n<b>  ',
      version: seen + 1,
    });
    assert.equal((decided.answered as { to: string }).to, 'dismissed');
    // Reopening needs "assign"; a lead reopens, without a version where claims are optional (taken at their word).
    assert.match(
      (await same(bob, 'setReportStatus', { id: second, status: 'open', reason: 'again', version: seen + 2 })).failed!,
      /^ForbiddenError: reopening report \d+ needs the "assign" permission/,
    );
    await same(lena, 'setReportStatus', { id: first, status: 'open', reason: 'new evidence' });
    const stored = await sameStored(desk);
    assert.deepEqual(
      (stored.history as Array<{ report_id: number; to_status: string }>).slice(-3).map((h) => [h.report_id, h.to_status]),
      [
        [second, 'in review'],
        [second, 'dismissed'],
        [first, 'open'],
      ],
    );
  });

  test("claims: claimed, taken over by a lead, released, assigned; another's claim, a stale version, a decided report and a bad name refused alike", async () => {
    const claimed = await same(cleo, 'claimReport', { id: first });
    assert.equal((claimed.answered as { claim: { by: string } }).claim.by, 'cleo');
    const v = version(first);
    assert.match((await same(bob, 'claimReport', { id: first, version: v })).failed!, /already claimed by cleo at .*: ask them, or a lead/);
    assert.match((await same(bob, 'claimReport', { id: first, version: v, takeOver: true })).failed!, /^ForbiddenError: .*"assign"/);
    assert.match((await same(lena, 'claimReport', { id: first, version: v })).failed!, /: take it over$/);
    await same(lena, 'claimReport', { id: first, version: v, takeOver: true });
    // Already hers: her claim answered as it is, nothing written.
    await same(lena, 'claimReport', { id: first });
    assert.match((await same(cleo, 'claimReport', { id: first, version: v })).failed!, /changed since this desk saw it: claimed by lena/);
    assert.match((await same(cleo, 'claimReport', { id: second })).failed!, /is dismissed: reopen it to work on it again/);
    assert.match((await same(cleo, 'claimReport', { id: 424242 })).failed!, /no report 424242/);

    assert.match((await same(cleo, 'releaseReport', { id: first })).failed!, /^ForbiddenError: report \d+ is claimed by lena/);
    assert.match((await same(lena, 'releaseReport', { id: first, version: v })).failed!, /^ConflictError/);
    await same(lena, 'releaseReport', { id: first, version: v + 1 });
    // Nobody holds it now: left as it is.
    await same(cleo, 'releaseReport', { id: first });

    assert.match((await same(bob, 'assignReport', { id: first, to: 'cleo' })).failed!, /^ForbiddenError/);
    for (const to of ['', ' ', 'x'.repeat(81), 'a\u0007b', 'a\u200bb', 'nul\u0000'])
      assert.match((await same(lena, 'assignReport', { id: first, to })).failed!, /1 to 80 characters, no control characters/);
    await same(lena, 'assignReport', { id: first, to: 42 as never });
    assert.match((await same(lena, 'assignReport', { id: 424242, to: 'cleo' })).failed!, /no report 424242/);
    await same(lena, 'assignReport', { id: first, to: '  cleo  ', version: version(first) });
    await same(lena, 'assignReport', { id: first, to: 'cleo' });
    assert.match(
      (await same(lena, 'assignReport', { id: first, to: 'bob', version: v })).failed!,
      /changed since this desk saw it: assigned to cleo by lena/,
    );
    await same(maya, 'assignReport', { id: first, to: 'bob' });
    assert.match((await same(cleo, 'claimReport', { id: first })).failed!, /already assigned to bob by maya at /);
    assert.match((await same(lena, 'assignReport', { id: second, to: 'bob' })).failed!, /is dismissed: reopen it/);
    const stored = await sameStored(desk);
    const held = (stored.reports as Array<{ id: number; claimed_by: string | null; assigned_by: string | null }>).find(
      (r) => r.id === first,
    )!;
    assert.deepEqual([held.claimed_by, held.assigned_by], ['bob', 'maya']);
  });

  test('the claims mode: only an admin sets it; required asks for versions and claims; off releases every claim and refuses claiming', async () => {
    const offered = (value: unknown) => {
      const { answered } = value as { answered?: { permissions: string[] } };
      return answered
        ? { ...answered, permissions: answered.permissions.filter((p) => !['import', 'export', 'purge'].includes(p)) }
        : value;
    };
    assert.match((await same(lena, 'setClaimsMode', { mode: 'required' })).failed!, /^ForbiddenError/);
    await same(maya, 'setClaimsMode', { mode: 'sometimes' as never });
    assert.deepEqual((await same(maya, 'setClaimsMode', { mode: 'required' })).answered, { mode: 'required', released: 0 });
    // The same mode again: nothing written.
    await same(maya, 'setClaimsMode', { mode: 'required' });
    await same(bob, 'session', {}, offered);
    assert.match(
      (await same(bob, 'setReportStatus', { id: first, status: 'in review' })).failed!,
      /claims are required here, so a decision names the version/,
    );
    assert.equal(
      ((await same(bob, 'setReportStatus', { id: first, status: 'in review' })).conflict as { change: string }).change,
      'no version',
    );
    await same(bob, 'setReportStatus', { id: first, status: 'in review', version: version(first) });
    await same(lena, 'releaseReport', { id: first, version: version(first) });
    assert.match(
      (await same(bob, 'setReportStatus', { id: first, status: 'open', version: version(first) })).failed!,
      /claims are required here: claim report \d+ before you move it/,
    );
    await same(cleo, 'claimReport', { id: first, version: version(first) });
    // Off releases every claim: cleo's on ours and whatever the desk's own reports hold.
    const held = heldReports(desk);
    assert.deepEqual(
      held.filter((r) => r.id === first),
      [{ id: first, claimed_by: 'cleo' }],
    );
    const off = await same(maya, 'setClaimsMode', { mode: 'off' });
    assert.deepEqual(off.answered, { mode: 'off', released: held.length });
    assert.deepEqual(heldReports(desk), [], 'no claim left held with claims off');
    assert.match((await same(cleo, 'claimReport', { id: first })).failed!, /claims are off on this desk/);
    assert.match((await same(lena, 'assignReport', { id: first, to: 'cleo' })).failed!, /claims are off on this desk/);
    await same(maya, 'setClaimsMode', { mode: 'optional' });
    await same(maya, 'session', {}, offered);
    const stored = await sameStored(desk);
    assert.deepEqual(stored.claims, [{ key: 'claims', value: 'optional' }]);
  });

  test('two moderators claim the same report at once on PostgreSQL: one holds it, the other is told who got there first, as SQLite tells the second', async () => {
    const seen = version(first);
    const lock = 'SELECT 1 FROM abuse_reports WHERE id = $1 FOR UPDATE';
    const [byBob, byCleo] = await sameAtOnce(
      desk,
      lock,
      [first],
      [
        { actor: bob, method: 'claimReport', args: { id: first, version: seen } },
        { actor: cleo, method: 'claimReport', args: { id: first, version: seen } },
      ],
    );
    const won = [byBob, byCleo].filter((o) => o.answered);
    assert.equal(won.length, 1, JSON.stringify([byBob, byCleo]));
    const winner = (won[0]!.answered as { claim: { by: string } }).claim.by;
    const lost = byBob.answered ? byCleo : byBob;
    assert.match(lost.failed!, new RegExp(`^ConflictError: report ${first} changed since this desk saw it: claimed by ${winner}`));
    assert.equal(version(first), seen + 1);

    // Without the version (an older desk): the second is told the report is already claimed.
    await same(lena, 'releaseReport', { id: first });
    const [again, again2] = await sameAtOnce(
      desk,
      lock,
      [first],
      [
        { actor: bob, method: 'claimReport', args: { id: first } },
        { actor: cleo, method: 'claimReport', args: { id: first } },
      ],
    );
    assert.equal([again, again2].filter((o) => o.answered).length, 1);
    assert.match((again.failed ?? again2.failed)!, /^ConflictError: report \d+ is already claimed by (bob|cleo) at /);
  });

  test('two leads decide the same report at once on PostgreSQL: one decision stands, the other is a conflict naming it; one history row', async () => {
    await same(lena, 'releaseReport', { id: first });
    const seen = version(first);
    const history = (await sameStored(desk)).history.length;
    const [byLena, byMaya] = await sameAtOnce(
      desk,
      'SELECT 1 FROM abuse_reports WHERE id = $1 FOR UPDATE',
      [first],
      [
        { actor: lena, method: 'setReportStatus', args: { id: first, status: 'actioned', reason: 'banned', version: seen } },
        { actor: maya, method: 'setReportStatus', args: { id: first, status: 'dismissed', reason: 'fine', version: seen } },
      ],
    );
    assert.equal([byLena, byMaya].filter((o) => o.answered).length, 1, JSON.stringify([byLena, byMaya]));
    const lost = byLena.answered ? byMaya : byLena;
    assert.match(lost.failed!, /^ConflictError: report \d+ changed since this desk saw it: (actioned by lena|dismissed by maya) at /);
    assert.equal((await sameStored(desk)).history.length, history + 1);
    assert.equal(version(first), seen + 1);
  });

  test('a claim while claims are turned off, at once on PostgreSQL: the claim is released with the others, never left held under "off"', async () => {
    await same(lena, 'setReportStatus', { id: first, status: 'open', reason: 'look again' });
    // Nothing held before: the one claim released is the one made at once with turning claims off.
    assert.deepEqual(heldReports(desk), []);
    // Both decide before either writes its audit row: the head of the trail is held.
    const [claim, mode] = await sameAtOnce(
      desk,
      'SELECT 1 FROM audit_head WHERE one = 1 FOR UPDATE',
      [],
      [
        { actor: cleo, method: 'claimReport', args: { id: first, version: version(first) } },
        { actor: maya, method: 'setClaimsMode', args: { mode: 'off' } },
      ],
    );
    assert.ok(claim.answered, JSON.stringify(claim));
    assert.deepEqual(mode.answered, { mode: 'off', released: 1 });
    const stored = await sameStored(desk);
    assert.deepEqual(
      (stored.reports as Array<{ claimed_by: string | null }>).filter((r) => r.claimed_by !== null),
      [],
      'no report is held with claims off',
    );
  });
});
