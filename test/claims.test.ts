// Claims and conflicts (#17 part 4), through the real service over real HTTP (support/teamApi.ts):
// who may claim, release, assign and decide a report under each claims mode and role; every
// decision, tag removal, note edit and review mark made on a stale version answers 409 with what
// changed, by whom and when, and changes nothing; a desk that sends no version; presence; the live
// events other desks refresh by; the audit rows; the migration that brings versions to old data.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Presence, SILENT_MS } from '../main/api/presence.js';
import type { ApiEvent } from '../shared/api.js';
import { verifyAudit } from '../main/store/audit.js';
import { openDatabase } from '../main/store/db.js';
import { migrate } from '../main/store/migrations/index.js';
import { setSetting } from '../main/store/settings.js';
import { omv } from './support/cli.js';
import { startTeamApi, type TeamApi } from './support/teamApi.js';
import { tempDir } from './support/tmp.js';

const MAYA = 'maya:moderator';
const OMAR = 'omar:moderator';
const LEE = 'lee:lead';
const ADA = 'ada:admin';

interface Report {
  id: number;
  status: string;
  version: number;
  claim: { by: string; at: number; assignedBy: string | null } | null;
  lastChange: { what: string; by: string; at: number } | null;
}

const reportOf = (api: TeamApi, id: number) => api.value<Report>(ADA, 'report', { id });
// The rows of the moderators' work: each account's making, enrolment and sign-in (the first call
// of a name makes them) are the trail's too, and left out here.
const SIGN_IN_ACTIONS = "('account added', 'enrolled', 'signed in', 'signed out', 'sign-in failed')";
const auditRows = (api: TeamApi) =>
  api.db
    .prepare<[], { moderator: string; action: string; details: string }>(
      `SELECT moderator, action, details FROM audit_log WHERE action NOT IN ${SIGN_IN_ACTIONS} ORDER BY id`,
    )
    .all()
    .map((r) => ({ moderator: r.moderator, action: r.action, details: JSON.parse(r.details) as Record<string, unknown> }));
const auditCount = (api: TeamApi) =>
  api.db.prepare<[], number>(`SELECT count(*) FROM audit_log WHERE action NOT IN ${SIGN_IN_ACTIONS}`).pluck().get()!;

async function withApi(run: (api: TeamApi) => Promise<void>): Promise<void> {
  const api = await startTeamApi();
  try {
    await run(api);
  } finally {
    await api.close();
  }
}

test('who may decide a report, by claims mode, role and holder: each refusal is a 403 that changes nothing', () =>
  withApi(async (api) => {
    // [mode, who holds the report, who decides it, what happens]
    const cases: Array<[string, string | null, string, 'decided' | 403]> = [
      ['off', null, MAYA, 'decided'],
      ['off', null, LEE, 'decided'],
      ['optional', null, MAYA, 'decided'],
      ['optional', null, LEE, 'decided'],
      ['optional', MAYA, MAYA, 'decided'],
      ['optional', OMAR, MAYA, 403],
      ['optional', OMAR, LEE, 'decided'],
      ['required', null, MAYA, 403],
      ['required', null, LEE, 'decided'],
      ['required', MAYA, MAYA, 'decided'],
      ['required', LEE, LEE, 'decided'],
      ['required', OMAR, MAYA, 403],
      ['required', OMAR, LEE, 'decided'],
    ];
    const ids = await api.reportAbuse(cases.length);
    const outcomes: string[] = [];
    for (const [i, [mode, holder, decider]] of cases.entries()) {
      const id = ids[i]!;
      await api.value(ADA, 'setClaimsMode', { mode: 'optional' });
      if (holder) await api.value(holder, 'claimReport', { id });
      await api.value(ADA, 'setClaimsMode', { mode });
      const before = await reportOf(api, id);
      const rows = auditCount(api);
      const answer = await api.call(decider, 'setReportStatus', { id, status: 'dismissed', reason: 'no abuse', version: before.version });
      const after = await reportOf(api, id);
      if (answer.status === 403) {
        assert.equal(answer.body.ok, false);
        assert.deepEqual(after, before, 'a refused decision changes nothing');
        assert.equal(auditCount(api), rows, 'and writes no audit row');
      }
      outcomes.push(`${mode} held by ${holder ?? 'nobody'}, ${decider} decides: ${answer.status === 403 ? 403 : after.status}`);
    }
    assert.deepEqual(
      outcomes,
      cases.map(
        ([mode, holder, decider, expected]) =>
          `${mode} held by ${holder ?? 'nobody'}, ${decider} decides: ${expected === 403 ? 403 : 'dismissed'}`,
      ),
    );
    // The 403 says why.
    const refused = await api.call(MAYA, 'setReportStatus', {
      id: ids[11]!,
      status: 'dismissed',
      reason: 'x',
      version: (await reportOf(api, ids[11]!)).version,
    });
    assert.equal(refused.status, 403);
    assert.match(
      refused.body.ok ? '' : refused.body.error,
      /report \d+ is claimed by omar: only they, or someone with the "assign" permission, may move it/,
    );
    // Deciding releases the claim.
    assert.equal((await reportOf(api, ids[4]!)).claim, null);
    assert.equal(verifyAudit(api.db).intact, true);
  }));

test('reopening a decided report needs "assign": a moderator is refused (403), a lead may', () =>
  withApi(async (api) => {
    const [id] = await api.reportAbuse(1);
    const decided = await api.value<{ version: number }>(MAYA, 'setReportStatus', { id, status: 'dismissed', reason: 'nothing there' });
    const refused = await api.call(MAYA, 'setReportStatus', { id, status: 'open', reason: 'new evidence', version: decided.version });
    assert.equal(refused.status, 403);
    assert.match(refused.body.ok ? '' : refused.body.error, /reopening report \d+ needs the "assign" permission/);
    const reopened = await api.value<{ from: string; to: string }>(LEE, 'setReportStatus', {
      id,
      status: 'open',
      reason: 'new evidence',
      version: decided.version,
    });
    assert.deepEqual([reopened.from, reopened.to], ['dismissed', 'open']);
    assert.deepEqual((await reportOf(api, id!)).lastChange?.what, 'reopened');
  }));

test('a report is claimed, released by its holder or a lead, taken over and assigned by a lead; each is audited under its actor', () =>
  withApi(async (api) => {
    const [id] = await api.reportAbuse(1);
    const claimed = await api.value<Report>(MAYA, 'claimReport', { id });
    assert.equal(claimed.claim?.by, 'maya');
    assert.equal(claimed.version, 2, 'a claim is a change: the version goes up');
    const rows = auditCount(api);
    assert.deepEqual((await api.value<Report>(MAYA, 'claimReport', { id })).version, 2, 'claiming one already held changes nothing');
    assert.equal(auditCount(api), rows);

    // Omar finds it taken: a conflict naming the holder, with the state now.
    const taken = await api.call(OMAR, 'claimReport', { id });
    assert.equal(taken.status, 409);
    assert.ok(!taken.body.ok);
    assert.match(taken.body.error, /report \d+ is already claimed by maya at \d{4}-\d\d-\d\dT.*Z: ask them, or a lead, to release it/);
    assert.deepEqual(
      { ...taken.body.conflict, at: typeof taken.body.conflict?.['at'] },
      {
        subject: 'report',
        id,
        version: 2,
        change: 'claimed',
        by: 'maya',
        at: 'number',
        current: { status: 'open', claim: claimed.claim },
      },
    );
    assert.equal((await api.call(OMAR, 'claimReport', { id, takeOver: true })).status, 403, 'taking over needs "assign"');
    assert.equal((await api.call(OMAR, 'releaseReport', { id })).status, 403, 'releasing another\'s claim needs "assign"');
    assert.equal((await api.call(OMAR, 'assignReport', { id, to: 'omar' })).status, 403, 'assigning needs "assign"');

    assert.equal((await api.value<Report>(LEE, 'claimReport', { id, takeOver: true })).claim?.by, 'lee');
    assert.equal((await api.value<Report>(LEE, 'releaseReport', { id })).claim, null);
    await api.value(MAYA, 'claimReport', { id });
    assert.equal((await api.value<Report>(LEE, 'releaseReport', { id })).claim, null, "a lead releases another's claim");
    const assigned = await api.value<Report>(LEE, 'assignReport', { id, to: 'omar' });
    assert.deepEqual([assigned.claim?.by, assigned.claim?.assignedBy, assigned.lastChange?.what], ['omar', 'lee', 'assigned to omar']);
    assert.equal((await api.call(MAYA, 'claimReport', { id })).body.conflict?.['change'], 'assigned to omar');
    assert.equal((await api.value<Report>(OMAR, 'releaseReport', { id })).claim, null, 'who was assigned it may release it');

    assert.deepEqual(
      auditRows(api).map((r) => [r.moderator, r.action, JSON.stringify(r.details)]),
      [
        ['maya', 'report claimed', `{"report":${id},"from":null}`],
        ['lee', 'report claimed', `{"report":${id},"from":"maya"}`],
        ['lee', 'report released', `{"report":${id},"holder":"lee"}`],
        ['maya', 'report claimed', `{"report":${id},"from":null}`],
        ['lee', 'report released', `{"report":${id},"holder":"maya"}`],
        ['lee', 'report assigned', `{"report":${id},"to":"omar","from":null}`],
        ['omar', 'report released', `{"report":${id},"holder":"omar"}`],
      ],
    );
    assert.equal((await reportOf(api, id!)).version, 8, 'seven changes, seven versions on');
    assert.equal(verifyAudit(api.db).intact, true);
  }));

test('a decision on a stale version answers 409 with what changed, by whom, when, and the state now; nothing is changed', () =>
  withApi(async (api) => {
    const [id] = await api.reportAbuse(1);
    const seen = await api.value<Report>(MAYA, 'report', { id });
    const lees = await api.value<{ version: number }>(LEE, 'setReportStatus', {
      id,
      status: 'dismissed',
      reason: 'not abuse',
      version: seen.version,
    });
    const rows = auditCount(api);
    const stale = await api.call(MAYA, 'setReportStatus', { id, status: 'actioned', reason: 'clear threat', version: seen.version });
    assert.equal(stale.status, 409);
    assert.ok(!stale.body.ok);
    assert.match(
      stale.body.error,
      /^report \d+ changed since this desk saw it: dismissed by lee at \d{4}-.*Z\. Nothing was changed: look at it again and act on the current version \(2\)\.$/,
    );
    const conflict = stale.body.conflict!;
    assert.deepEqual(
      { ...conflict, at: null },
      {
        subject: 'report',
        id,
        version: lees.version,
        change: 'dismissed',
        by: 'lee',
        at: null,
        current: { status: 'dismissed', claim: null },
      },
    );
    assert.equal(conflict['at'], (await reportOf(api, id!)).lastChange?.at, 'when: the time of the change it lost to');
    assert.equal(auditCount(api), rows, 'no audit row for a refused decision');
    assert.deepEqual(
      api.db.prepare('SELECT moderator, to_status FROM report_status_changes WHERE report_id = ?').all(id),
      [{ moderator: 'lee', to_status: 'dismissed' }],
      'decided once',
    );
    // A claim is a change too: a decision made before it is stale after it.
    const [other] = await api.reportAbuse(1);
    const before = await reportOf(api, other!);
    await api.value(OMAR, 'claimReport', { id: other });
    const afterClaim = await api.call(LEE, 'setReportStatus', { id: other, status: 'in review', version: before.version });
    assert.equal(afterClaim.status, 409);
    assert.deepEqual([afterClaim.body.conflict?.['change'], afterClaim.body.conflict?.['by']], ['claimed', 'omar']);
  }));

test('a desk that sends no version: taken at its word unless claims are required, then a 409 asking for one', () =>
  withApi(async (api) => {
    const ids = await api.reportAbuse(4);
    const entry = api.db.prepare<[], number>('SELECT min(id) FROM entries').pluck().get()!;
    const room = api.db
      .prepare<[number], string>('SELECT r.name FROM rooms r JOIN entries e ON e.room_id = r.id WHERE e.id = ?')
      .pluck()
      .get(entry)!;
    await api.value(ADA, 'tag', { tag: 'spam', target: 'entry', ids: [entry] });

    await api.value(ADA, 'setClaimsMode', { mode: 'optional' });
    assert.equal((await api.value<{ to: string }>(LEE, 'setReportStatus', { id: ids[0], status: 'in review' })).to, 'in review');
    await api.value(ADA, 'setClaimsMode', { mode: 'off' });
    assert.equal((await api.value<{ to: string }>(LEE, 'setReportStatus', { id: ids[1], status: 'in review' })).to, 'in review');

    await api.value(ADA, 'setClaimsMode', { mode: 'required' });
    const rows = auditCount(api);
    const answers = [
      await api.call(LEE, 'setReportStatus', { id: ids[2], status: 'in review' }),
      await api.call(LEE, 'tag', { tag: 'spam', target: 'entry', ids: [entry], remove: true }),
      await api.call(LEE, 'markReviewed', { room }),
    ];
    assert.deepEqual(
      answers.map((a) => [a.status, a.body.conflict?.['change']]),
      [
        [409, 'no version'],
        [409, 'no version'],
        [409, 'no version'],
      ],
    );
    assert.match(
      answers[0]!.body.ok ? '' : answers[0]!.body.error,
      /claims are required here, so a decision names the version of the report it was made on, and this desk sent none: reload it/,
    );
    assert.equal(auditCount(api), rows, 'none of them changed anything');
    assert.equal((await reportOf(api, ids[2]!)).status, 'open');
    // With the version, each goes through.
    const report = await reportOf(api, ids[2]!);
    await api.value(LEE, 'setReportStatus', { id: ids[2], status: 'in review', version: report.version });
    const linkedAt = (
      await api.value<Record<number, { linkedAt: Record<string, number> }>>(LEE, 'reviews', { target: 'entry', ids: [entry] })
    )[entry]!.linkedAt['spam'];
    assert.equal(
      (await api.value<{ changed: number }>(LEE, 'tag', { tag: 'spam', target: 'entry', ids: [entry], remove: true, linkedAt })).changed,
      1,
    );
    const rooms = await api.value<Array<{ name: string; reviewVersion: number }>>(LEE, 'rooms', {});
    assert.equal(
      (await api.value<{ version: number }>(LEE, 'markReviewed', { room, version: rooms.find((r) => r.name === room)!.reviewVersion }))
        .version,
      1,
    );
  }));

test('note edits: the author or a lead edits the version they saw; another moderator is refused; a stale edit names who edited it; each edit is audited', () =>
  withApi(async (api) => {
    await api.reportAbuse(1);
    const entry = api.db.prepare<[], number>('SELECT min(id) FROM entries').pluck().get()!;
    const note = await api.value<{ id: number; version: number }>(MAYA, 'addNote', {
      target: 'entry',
      targetId: entry,
      text: 'asked for a phone number',
    });
    assert.equal(note.version, 1);

    const omars = await api.call(OMAR, 'editNote', { id: note.id, text: 'mine now', version: 1 });
    assert.equal(omars.status, 403);
    assert.match(
      omars.body.ok ? '' : omars.body.error,
      /note \d+ is maya's: only they, or someone with the "assign" permission, may edit it/,
    );

    const edited = await api.value<{ text: string; version: number; editedBy: string }>(MAYA, 'editNote', {
      id: note.id,
      text: 'asked for a phone number twice',
      version: 1,
    });
    assert.deepEqual([edited.text, edited.version, edited.editedBy], ['asked for a phone number twice', 2, 'maya']);
    const leads = await api.value<{ version: number }>(LEE, 'editNote', { id: note.id, text: 'asked twice; escalated', version: 2 });
    assert.equal(leads.version, 3);

    const rows = auditCount(api);
    const stale = await api.call(MAYA, 'editNote', { id: note.id, text: 'my older idea', version: 2 });
    assert.equal(stale.status, 409);
    assert.deepEqual(
      { ...stale.body.conflict, at: typeof stale.body.conflict?.['at'] },
      { subject: 'note', id: note.id, version: 3, change: 'edited', by: 'lee', at: 'number', current: { text: 'asked twice; escalated' } },
    );
    assert.equal(auditCount(api), rows);
    assert.equal((await api.call(MAYA, 'editNote', { id: note.id, text: 'no version' })).body.ok, false, 'an edit names its version');

    const notes = await api.value<Array<{ text: string; moderator: string; editedBy: string }>>(ADA, 'notes', {
      target: 'entry',
      targetId: entry,
    });
    assert.deepEqual(
      notes.map((n) => [n.text, n.moderator, n.editedBy]),
      [['asked twice; escalated', 'maya', 'lee']],
    );
    assert.deepEqual(
      auditRows(api)
        .filter((r) => r.action.startsWith('note'))
        .map((r) => [r.moderator, r.action, r.details['text']]),
      [
        ['maya', 'note', 'asked for a phone number'],
        ['maya', 'note edited', 'asked for a phone number twice'],
        ['lee', 'note edited', 'asked twice; escalated'],
      ],
    );
  }));

test('taking a tag off names the link seen: one taken off since, or put on again since, is a 409 and nothing changes', () =>
  withApi(async (api) => {
    await api.reportAbuse(1);
    const entry = api.db.prepare<[], number>('SELECT min(id) FROM entries').pluck().get()!;
    const linkedAt = async () =>
      (await api.value<Record<number, { linkedAt: Record<string, number> }>>(MAYA, 'reviews', { target: 'entry', ids: [entry] }))[entry]
        ?.linkedAt['threat'];
    await api.value(MAYA, 'tag', { tag: 'threat', target: 'entry', ids: [entry] });
    const seen = await linkedAt();
    assert.equal(typeof seen, 'number');
    // Omar takes it off (on the link he saw), and puts it on again a moment later.
    await api.value(OMAR, 'tag', { tag: 'threat', target: 'entry', ids: [entry], remove: true, linkedAt: seen });
    const gone = await api.call(MAYA, 'tag', { tag: 'threat', target: 'entry', ids: [entry], remove: true, linkedAt: seen });
    assert.equal(gone.status, 409);
    assert.deepEqual([gone.body.conflict?.['change'], gone.body.conflict?.['by']], ['taken off', null]);
    while (Date.now() === seen) await new Promise((resolve) => setTimeout(resolve, 1));
    await api.value(OMAR, 'tag', { tag: 'threat', target: 'entry', ids: [entry] });
    const again = await api.call(MAYA, 'tag', { tag: 'threat', target: 'entry', ids: [entry], remove: true, linkedAt: seen });
    assert.equal(again.status, 409);
    assert.deepEqual([again.body.conflict?.['change'], again.body.conflict?.['by']], ['put on again', 'omar']);
    assert.match(
      again.body.ok ? '' : again.body.error,
      /the tag "threat" on entry \d+ changed since this desk saw it: put on again by omar at/,
    );
    assert.equal(typeof (await linkedAt()), 'number', "omar's tag is still on");
  }));

test('a review mark names the mark seen: a stale one is a 409 naming who marked the room and up to when', () =>
  withApi(async (api) => {
    await api.reportAbuse(1);
    const room = api.db.prepare<[], string>('SELECT name FROM rooms LIMIT 1').pluck().get()!;
    const versionOf = async () =>
      (await api.value<Array<{ name: string; reviewVersion: number }>>(MAYA, 'rooms', {})).find((r) => r.name === room)!.reviewVersion;
    assert.equal(await versionOf(), 0);
    const first = await api.value<{ reviewedTo: number; version: number }>(LEE, 'markReviewed', { room, version: 0, upTo: 1000 });
    assert.deepEqual(first, { reviewedTo: 1000, version: 1 });
    assert.equal(await versionOf(), 1);
    const stale = await api.call(MAYA, 'markReviewed', { room, version: 0 });
    assert.equal(stale.status, 409);
    assert.deepEqual(
      { ...stale.body.conflict, at: typeof stale.body.conflict?.['at'] },
      { subject: 'review mark', id: room, version: 1, change: 'marked reviewed', by: 'lee', at: 'number', current: { reviewedTo: 1000 } },
    );
    assert.match(stale.body.ok ? '' : stale.body.error, /marked reviewed up to 1970-01-01T00:00:01\.000Z by lee at/);
    assert.deepEqual(await api.value(MAYA, 'markReviewed', { room, version: 1, upTo: 2000 }), { reviewedTo: 2000, version: 2 });
  }));

test('a change, its version and its audit row are one transaction: when its last step fails, neither the audit row nor the version stays', () =>
  withApi(async (api) => {
    const [id] = await api.reportAbuse(1);
    const before = await reportOf(api, id!);
    const rows = auditCount(api);
    // The claim's last step (the holder written, after its audit row) fails.
    api.db.exec(
      `CREATE TRIGGER refuse_claims BEFORE UPDATE OF claimed_by ON abuse_reports WHEN NEW.claimed_by IS NOT NULL BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
    assert.equal((await api.call(MAYA, 'claimReport', { id, version: before.version })).body.ok, false);
    assert.deepEqual(await reportOf(api, id!), before, 'no claim, no new version');
    assert.equal(auditCount(api), rows, 'no audit row');
    api.db.exec('DROP TRIGGER refuse_claims');
    // The decision's last step (its history row, after the audit row, the status and the version) fails.
    api.db.exec(`CREATE TRIGGER refuse_history BEFORE INSERT ON report_status_changes BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    assert.equal(
      (await api.call(MAYA, 'setReportStatus', { id, status: 'dismissed', reason: 'x', version: before.version })).body.ok,
      false,
    );
    assert.deepEqual(await reportOf(api, id!), before, 'no decision, no new version');
    assert.equal(auditCount(api), rows, 'no audit row');
    assert.equal(verifyAudit(api.db).intact, true);
  }));

test('the claims mode: changing it needs "manageUsers"; the session says it; turning claims off releases every claim, audited', () =>
  withApi(async (api) => {
    const ids = await api.reportAbuse(2);
    assert.equal((await api.value<{ claims: string }>(MAYA, 'session', {})).claims, 'optional', 'optional until set');
    assert.equal((await api.call(LEE, 'setClaimsMode', { mode: 'required' })).status, 403);
    assert.equal((await api.call(ADA, 'setClaimsMode', { mode: 'sometimes' })).body.ok, false);
    await api.value(ADA, 'setClaimsMode', { mode: 'required' });
    assert.equal((await api.value<{ claims: string }>(MAYA, 'session', {})).claims, 'required');
    for (const id of ids) await api.value(MAYA, 'claimReport', { id });
    assert.deepEqual(await api.value(ADA, 'setClaimsMode', { mode: 'off' }), { mode: 'off', released: 2 });
    for (const id of ids)
      assert.deepEqual([(await reportOf(api, id)).claim, (await reportOf(api, id)).lastChange?.what], [null, 'released']);
    const refused = await api.call(MAYA, 'claimReport', { id: ids[0] });
    assert.match(refused.body.ok ? '' : refused.body.error, /claims are off on this desk/);
    assert.deepEqual(
      auditRows(api)
        .filter((r) => r.action === 'claims mode set')
        .map((r) => [r.moderator, JSON.stringify(r.details)]),
      [
        ['ada', '{"from":"optional","to":"required","released":0}'],
        ['ada', '{"from":"required","to":"off","released":2}'],
      ],
    );
  }));

test('other desks hear claims and decisions (reportChanged), notes (notesChanged) and presence as they happen', () =>
  withApi(async (api) => {
    const [id] = await api.reportAbuse(1);
    const desk = await api.listen();
    const entry = api.db.prepare<[], number>('SELECT min(id) FROM entries').pluck().get()!;
    const claimed = await api.value<Report>(MAYA, 'claimReport', { id });
    assert.deepEqual(await desk.next((e) => e['type'] === 'reportChanged' && e['version'] === claimed.version), {
      type: 'reportChanged',
      id,
      version: claimed.version,
    });
    const decided = await api.value<{ version: number }>(MAYA, 'setReportStatus', {
      id,
      status: 'actioned',
      reason: 'threat',
      version: claimed.version,
    });
    await desk.next((e) => e['type'] === 'reportChanged' && e['version'] === decided.version);
    const note = await api.value<{ id: number }>(MAYA, 'addNote', { target: 'entry', targetId: entry, text: 'first' });
    await desk.next((e) => e['type'] === 'notesChanged' && e['targetId'] === entry);
    desk.events.splice(0);
    await api.value(MAYA, 'editNote', { id: note.id, text: 'second', version: 1 });
    assert.deepEqual(await desk.next((e) => e['type'] === 'notesChanged'), { type: 'notesChanged', target: 'entry', targetId: entry });

    const viewers = await api.value<Array<{ name: string }>>(MAYA, 'reportPresence', { id, desk: 'desk-1', open: true });
    assert.deepEqual(
      viewers.map((v) => v.name),
      ['maya'],
    );
    const both = await desk.next((e) => e['type'] === 'presence' && (e['viewers'] as unknown[]).length === 1);
    assert.equal(both['report'], id);
    const lees = await api.value<Array<{ name: string }>>(LEE, 'reportPresence', { id, desk: 'desk-2', open: true });
    assert.deepEqual(
      lees.map((v) => v.name),
      ['maya', 'lee'],
      'who else has it open, in the order they opened it',
    );
    await desk.next((e) => e['type'] === 'presence' && (e['viewers'] as unknown[]).length === 2);
    await api.value(MAYA, 'reportPresence', { id, desk: 'desk-1', open: false });
    const left = await desk.next(
      (e) => e['type'] === 'presence' && (e['viewers'] as Array<{ name: string }>).map((v) => v.name).join() === 'lee',
    );
    assert.equal(left['report'], id);
  }));

test('presence: a desk that falls silent for 45 s is taken to have left, and every desk is told; one moderator on two desks is one line', () => {
  let now = 1_000_000;
  const events: ApiEvent[] = [];
  const presence = new Presence(
    (event) => events.push(event),
    () => now,
  );
  presence.beat(7, 'maya', 'tab-a', true);
  presence.beat(7, 'maya', 'tab-b', true);
  now += 5_000;
  presence.beat(7, 'lee', 'tab-c', true);
  assert.deepEqual(presence.viewers(7), [
    { name: 'maya', since: 1_000_000 },
    { name: 'lee', since: 1_005_000 },
  ]);
  assert.equal(events.length, 2, 'one event when maya came, one when lee did: her second desk changes no one');
  presence.beat(7, 'maya', 'tab-a', false);
  assert.equal(events.length, 2, 'maya closing one of her desks leaves her there');
  // Lee keeps beating; maya's other desk goes silent.
  now += SILENT_MS - 5_000;
  presence.beat(7, 'lee', 'tab-c', true);
  presence.sweep();
  assert.deepEqual(
    presence.viewers(7).map((v) => v.name),
    ['lee'],
    'silent for 45 s: gone',
  );
  assert.deepEqual(events.at(-1), { type: 'presence', report: 7, viewers: [{ name: 'lee', since: 1_005_000 }] });
  assert.throws(() => presence.beat(0, 'lee', 'tab-c', true), /presence is on a report/);
  assert.throws(() => presence.beat(7, 'lee', 'x'.repeat(65), true), /presence names the desk/);
});

test('migration 0410 gives reports, notes and review marks their versions; a report decided before keeps its newest change as its stamp', () => {
  const path = join(tempDir(), 'old.sqlite');
  const db = new Database(path);
  migrate(db, 100);
  db.exec(`
    INSERT INTO deliveries (id, source, domain_id, received_at, payload, payload_size, sha256, status) VALUES (1, 'callback', 'd', 1, x'3c612f3e', 4, 'h', 'stored');
    INSERT INTO abuse_reports (id, delivery_id, domain_id, received_at, status) VALUES (1, 1, 'd', 1, 'open'), (2, 1, 'd', 2, 'open');
    INSERT INTO audit_log (id, at, moderator, action, details, prev_hash, hash) VALUES (1, 10, 'anna', 'report status', '{}', 'x', 'y');
    INSERT INTO report_status_changes (report_id, at, moderator, from_status, to_status, reason, audit_id) VALUES
      (2, 10, 'anna', 'open', 'dismissed', 'no', 1), (2, 20, 'ben', 'dismissed', 'open', 'new', 1), (2, 30, 'cleo', 'open', 'in review', null, 1);
    UPDATE abuse_reports SET status = 'in review' WHERE id = 2;
    INSERT INTO notes (target, target_id, text, moderator, at) VALUES ('entry', 1, 'old note', 'anna', 5);
  `);
  db.close();
  const migrated = openDatabase(path);
  assert.deepEqual(
    migrated.prepare('SELECT id, version, claimed_by, changed_what, changed_by, changed_at FROM abuse_reports ORDER BY id').all(),
    [
      { id: 1, version: 1, claimed_by: null, changed_what: null, changed_by: null, changed_at: null },
      { id: 2, version: 4, claimed_by: null, changed_what: 'in review', changed_by: 'cleo', changed_at: 30 },
    ],
  );
  assert.deepEqual(migrated.prepare('SELECT version, edited_by FROM notes').all(), [{ version: 1, edited_by: null }]);
  migrated.close();
});

test('a purge that removes an edited note redacts the text of its edits in the trail too, and the chain still verifies', () =>
  withApi(async (api) => {
    const [id] = await api.reportAbuse(1);
    const entry = api.db.prepare<[], number>('SELECT min(id) FROM entries').pluck().get()!;
    const note = await api.value<{ id: number }>(MAYA, 'addNote', { target: 'entry', targetId: entry, text: 'zqfirstword' });
    await api.value(MAYA, 'editNote', { id: note.id, text: 'zqsecondword', version: 1 });
    // A decided report's messages are no longer kept from purges.
    await api.value(MAYA, 'setReportStatus', { id, status: 'dismissed', reason: 'old' });
    const purged = await api.value<{ removed: number; redactedAuditRows: number }>(ADA, 'purge', { before: Date.UTC(2030, 0, 1) });
    assert.equal(purged.redactedAuditRows, 2, 'the note and its edit');
    const texts = auditRows(api)
      .filter((r) => r.action.startsWith('note'))
      .map((r) => r.details['text']);
    assert.deepEqual(texts, ['removed by a purge', 'removed by a purge']);
    assert.equal(verifyAudit(api.db).intact, true);
  }));

test('omv reports set still decides when claims are required: the command names the version it acts on', async () => {
  const api = await startTeamApi();
  const [id] = await api.reportAbuse(1);
  setSetting(api.db, 'claims', 'required');
  const path = api.dbPath;
  await api.close();
  const set = await omv(['reports', '--db', path, 'set', String(id), 'dismissed', '--reason', 'nothing there', '--as', 'ops-anna']);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /report \d+: open → dismissed/);
});
