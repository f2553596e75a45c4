// The tag and note changes on PostgreSQL make what they make on SQLite (reviewOnBothEngines.ts makes
// each change on both and compares the answers, the refusals with their conflict fields, the audit
// rows and the events): tags made and held, put on and taken off as the desk saw them, "tag all"
// and its undo, notes written and edited on the version seen — then the reads they change, asked of
// both. And on PostgreSQL alone, where desks change at once: two changes of the same note, link,
// batch or tag name at the same moment, one wins and the other is refused as SQLite refuses the
// second of two made one after the other.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { EventHub } from '../main/api/events.js';
import { pgDeskWriter } from '../main/api/pgDeskWriter.js';
import { pgReadRunner } from '../main/api/pgReadCalls.js';
import type { ReadArgs, ReadMethod } from '../main/api/readCalls.js';
import { createService } from '../main/api/service.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import type { ApiEvent } from '../shared/api.js';
import type { EntryReview, Note, Tag } from '../shared/review.js';
import {
  ACTORS,
  reviewOnBothEngines,
  sameChange,
  sameRead as sameReadOnBoth,
  type ReviewOnBothEngines,
} from './support/reviewOnBothEngines.js';
import { delivery } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres, waitUntil } from './support/postgres.js';

const skip = postgresSkipReason();

describe('tags and notes changed on PostgreSQL', { skip }, () => {
  let desk: ReviewOnBothEngines;
  before(async () => {
    desk = await reviewOnBothEngines();
  });
  after(() => desk?.close());

  const entryWith = (text: string) =>
    desk.db.prepare<[string], number>('SELECT id FROM entries WHERE content LIKE ? ORDER BY id').pluck().get(`%${text}%`)!;
  const userRows = (userId: string) =>
    desk.db.prepare<[string], number>('SELECT id FROM users WHERE user_id = ? ORDER BY id').pluck().all(userId);
  const roomId = (name: string) => desk.db.prepare<[string], number>('SELECT id FROM rooms WHERE name = ?').pluck().get(name)!;
  const domainOf = (table: 'rooms' | 'users', id: number) =>
    desk.db.prepare<[number], string>(`SELECT domain_id FROM ${table} WHERE id = ?`).pluck().get(id)!;
  /** The users or rooms the newest audit row names (sameChange has seen PostgreSQL's row say the same). */
  const namedInTrail = () =>
    (
      JSON.parse(desk.db.prepare<[], string>('SELECT details FROM audit_log ORDER BY id DESC LIMIT 1').pluck().get()!) as {
        names?: unknown;
      }
    ).names;
  /** Both engines on the same SQL (SQLite's and PostgreSQL's spelling alike): setting up what the API cannot. */
  const onBoth = async (sql: string) => {
    desk.db.exec(sql);
    await query(desk.cluster.url, sql);
  };

  /** A read asked of both after this test's changes (support's sameRead). */
  const sameRead = <M extends ReadMethod>(method: M, args: ReadArgs<M>) => sameReadOnBoth(desk, method, args);

  test('making a tag: trimmed, with its hold; a name taken (ASCII case folded), a bad name or colour, the thousandth tag refused alike', async () => {
    const made = await sameChange(desk, ACTORS.moderator, 'createTag', { name: '  Urgent ', colour: '#123456' });
    assert.equal((made.answered as Tag).name, 'Urgent');
    assert.equal((made.answered as Tag).uses, 0);
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'Held', colour: '#ABCDEF', hold: true });
    assert.match(
      (await sameChange(desk, ACTORS.admin, 'createTag', { name: 'URGENT', colour: '#123456' })).failed!,
      /there is a tag "URGENT"/,
    );
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'EVIDENCE', colour: '#123456' });
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'two words', colour: '#123456' });
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'x'.repeat(41), colour: '#123456' });
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'red', colour: 'red' });
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 42 as unknown as string, colour: '#123456' });
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'ok', colour: 7 as unknown as string });
    await sameRead('tags', {});

    // The thousandth tag: made up to the limit on both, the next refused, the fillers gone again (and
    // PostgreSQL's next id where SQLite's is, as SQLite reuses the highest id freed).
    const [{ n }] = (await query<{ n: number }>(desk.cluster.url, 'SELECT count(*)::int AS n FROM tags')) as [{ n: number }];
    await onBoth(
      `INSERT INTO tags (name, colour, created_at) SELECT 'filler-' || g, '#000000', 1 FROM (WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ${1000 - n}) SELECT g FROM s) AS fill`,
    );
    assert.match((await sameChange(desk, ACTORS.admin, 'createTag', { name: 'onemore', colour: '#123456' })).failed!, /at most 1,000 tags/);
    await onBoth("DELETE FROM tags WHERE name LIKE 'filler-%'");
    await query(desk.cluster.url, "SELECT setval(pg_get_serial_sequence('tags', 'id'), (SELECT max(id) FROM tags))");
    await sameChange(desk, ACTORS.admin, 'createTag', { name: 'after-the-fillers', colour: '#123456' });
    await sameRead('tags', {});
  });

  test('holding a tag: named in any ASCII case, answered with the tags after; no such tag, or no "assign", refused alike', async () => {
    const held = await sameChange(desk, ACTORS.lead, 'setTagHold', { name: 'follow-UP', hold: true });
    assert.equal((held.answered as Tag[]).find((tag) => tag.name === 'Follow-up')?.hold, true);
    await sameChange(desk, ACTORS.admin, 'setTagHold', { name: 'Follow-up', hold: false });
    assert.match((await sameChange(desk, ACTORS.admin, 'setTagHold', { name: 'nope', hold: true })).failed!, /no tag "nope"/);
    assert.match((await sameChange(desk, ACTORS.moderator, 'setTagHold', { name: 'spam', hold: true })).failed!, /^ForbiddenError/);
    await sameChange(desk, ACTORS.admin, 'setTagHold', { name: 42 as unknown as string, hold: true });
    await sameRead('tags', {});
  });

  test('putting a tag on entries, users and rooms, and taking it off as the desk saw it: the same links, refusals and conflicts', async () => {
    const [hyperlink, script, cafe] = [entryWith('HYPERLINK'), entryWith('script'), entryWith('Héllo')];
    const on = await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'urgent', target: 'entry', ids: [hyperlink, cafe, cafe] });
    assert.deepEqual(on.answered, { changed: 2 });
    assert.deepEqual((await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'entry', ids: [hyperlink] })).answered, {
      changed: 0,
    });
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'evidence', target: 'entry', ids: [script, hyperlink] });
    const missing = await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'entry', ids: [999_999, hyperlink, 888_888] });
    assert.match(missing.failed!, /there is no entry 888888, 999999: nothing was changed/);
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'entry', ids: [0, -1, 1.5, 'x'] as unknown as number[] });
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'house' as 'entry', ids: [hyperlink] });
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'nope', target: 'entry', ids: [hyperlink] });
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 42 as unknown as string, target: 'entry', ids: [hyperlink] });
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'user', ids: userRows('u2') });
    // The trail names users and rooms as people know them (an id says nothing to its reader), in the order given.
    assert.deepEqual(
      namedInTrail(),
      userRows('u2').map((id) => ({ name: 'u2', domain: domainOf('users', id) })),
    );
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'room', ids: [roomId('garden'), roomId('kitchen')] });
    assert.deepEqual(namedInTrail(), [
      { name: 'garden', domain: domainOf('rooms', roomId('garden')) },
      { name: 'kitchen', domain: domainOf('rooms', roomId('kitchen')) },
    ]);
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'room', ids: [777_777] });

    // Taken off as seen: the desk's link is the fixture's (the same moment on both engines).
    const seen = ((await desk.sqlite('reviews', { target: 'entry', ids: [script] })) as Record<number, EntryReview>)[script]!;
    const linkedAt = seen.linkedAt['evidence']!;
    const off = { tag: 'evidence', target: 'entry' as const, ids: [script], remove: true };
    // "evidence" is a hold (the fixture's): taking it off is a lead's, as lifting a hold is.
    assert.match((await sameChange(desk, ACTORS.moderator, 'tag', { ...off, linkedAt })).failed!, /^ForbiddenError/);
    const stale = await sameChange(desk, ACTORS.lead, 'tag', { ...off, linkedAt: linkedAt - 1 });
    assert.equal((stale.conflict as { change: string }).change, 'put on again');
    await sameChange(desk, ACTORS.lead, 'tag', { ...off, ids: [script, hyperlink], linkedAt });
    await sameChange(desk, ACTORS.lead, 'tag', { ...off, linkedAt: 'x' as unknown as number });
    assert.deepEqual((await sameChange(desk, ACTORS.lead, 'tag', { ...off, linkedAt })).answered, { changed: 1 });
    const gone = await sameChange(desk, ACTORS.lead, 'tag', { ...off, linkedAt });
    assert.equal((gone.conflict as { change: string }).change, 'taken off');
    // No link named: taken at its word, unless claims are required.
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'entry', ids: [cafe, 999_999], remove: true });
    await onBoth("INSERT INTO settings (key, value) VALUES ('claims', 'required') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    const unversioned = await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Urgent', target: 'entry', ids: [hyperlink], remove: true });
    assert.equal((unversioned.conflict as { change: string }).change, 'no version');
    await onBoth("DELETE FROM settings WHERE key = 'claims'");

    await sameRead('reviews', { target: 'entry', ids: [hyperlink, script, cafe] });
    await sameRead('reviews', { target: 'user', ids: [...userRows('u1'), ...userRows('u2')] });
    await sameRead('reviews', { target: 'room', ids: [roomId('kitchen'), roomId('garden')] });
    await sameRead('tags', {});
    await sameRead('countEntries', { filter: { tag: 'Urgent' } });
  });

  test('"tag all" and its undo: the batch, its progress, exactly its links removed; undone twice, unknown or still tagging refused alike', async () => {
    // A link there before the batch is not the batch's: its undo leaves it.
    const earlier = entryWith('wonderful spam');
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Held', target: 'entry', ids: [earlier] });
    const all = await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'held', target: 'entry', filter: { text: 'spam' } });
    const { batch, changed } = all.answered as { batch: number; changed: number };
    const planned = ((await desk.sqlite('countEntries', { filter: { text: 'spam' } })) as { total: number }).total;
    assert.equal(changed, planned - 1);
    await sameRead('countEntries', { filter: { tag: 'Held' } });
    await sameRead('reviews', { target: 'entry', ids: (await desk.sqlite('matchingIds', { filter: { text: 'spam' } })) as number[] });

    // "Held" is a hold: undoing its batch lifts the hold from every entry it put it on, a lead's to do.
    assert.match((await sameChange(desk, ACTORS.other, 'undoTagAll', { batch })).failed!, /^ForbiddenError.*is a hold/);
    await sameRead('countEntries', { filter: { tag: 'Held' } });
    assert.deepEqual((await sameChange(desk, ACTORS.lead, 'undoTagAll', { batch })).answered, { removed: changed });
    assert.match((await sameChange(desk, ACTORS.other, 'undoTagAll', { batch })).failed!, /was undone already/);
    await sameChange(desk, ACTORS.other, 'undoTagAll', { batch: 99_999 });
    await sameChange(desk, ACTORS.other, 'undoTagAll', { batch: 'x' as unknown as number });
    await sameRead('countEntries', { filter: { tag: 'Held' } });
    await sameRead('reviews', { target: 'entry', ids: [earlier] });

    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'nope', target: 'entry', filter: { text: 'spam' } });
    const none = await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'Held', target: 'entry', filter: { text: 'zzqqxx' } });
    assert.equal((none.answered as { changed: number }).changed, 0);
    await sameChange(desk, ACTORS.lead, 'undoTagAll', { batch: (none.answered as { batch: number }).batch });

    // A batch still tagging (another desk's, between its parts).
    await onBoth(
      "INSERT INTO tag_batches (id, tag_id, filter, planned, moderator, started_at) SELECT 900, id, '{}', 5000, 'cleo', 1 FROM tags WHERE name = 'Held'",
    );
    assert.match((await sameChange(desk, ACTORS.moderator, 'undoTagAll', { batch: 900 })).failed!, /still under way/);
    await sameRead('tags', {});
  });

  test('a hold taken off an entry is lifted from it: a moderator (no "assign") is refused, as setTagHold refuses them; a lead may', async () => {
    const kept = entryWith('HYPERLINK');
    await sameChange(desk, ACTORS.lead, 'createTag', { name: 'legal-hold', colour: '#654321', hold: true });
    await sameChange(desk, ACTORS.lead, 'tag', { tag: 'legal-hold', target: 'entry', ids: [kept] });
    const seen = ((await desk.sqlite('reviews', { target: 'entry', ids: [kept] })) as Record<number, EntryReview>)[kept]!;
    const off = { tag: 'legal-hold', target: 'entry' as const, ids: [kept], remove: true, linkedAt: seen.linkedAt['legal-hold']! };
    assert.match((await sameChange(desk, ACTORS.moderator, 'tag', off)).failed!, /^ForbiddenError.*is a hold/);
    assert.match((await sameChange(desk, ACTORS.moderator, 'tag', { ...off, linkedAt: undefined })).failed!, /^ForbiddenError/);
    await sameRead('reviews', { target: 'entry', ids: [kept] });
    // Each engine stamped its own link: the lead takes it off at its word (claims are optional here).
    assert.deepEqual((await sameChange(desk, ACTORS.lead, 'tag', { ...off, linkedAt: undefined })).answered, { changed: 1 });
    await sameRead('reviews', { target: 'entry', ids: [kept] });
    // Links a moderator put on are no exception: made before the tag became a hold, taking them off would lift the lead's hold.
    const mine = entryWith('wonderful spam');
    await sameChange(desk, ACTORS.moderator, 'tag', { tag: 'legal-hold', target: 'entry', ids: [mine] });
    assert.match(
      (await sameChange(desk, ACTORS.moderator, 'tag', { ...off, ids: [mine], linkedAt: undefined })).failed!,
      /^ForbiddenError/,
    );
    await sameRead('reviews', { target: 'entry', ids: [mine] });
  });

  test('notes: written on entries, users and rooms, edited on the version seen by their author or "assign"; refusals and conflicts alike', async () => {
    const hyperlink = entryWith('HYPERLINK');
    const [first, second] = ((await desk.sqlite('notes', { target: 'entry', targetId: hyperlink })) as Note[]).map((note) => note.id);
    const written = await sameChange(desk, ACTORS.moderator, 'addNote', {
      target: 'entry',
      targetId: entryWith('script'),
      text: '  a threat \n ',
    });
    const mine = written.answered as Note;
    assert.equal(mine.text, 'a threat');
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'user', targetId: userRows('u2')[0]!, text: 'Bob again' });
    assert.deepEqual(namedInTrail(), [{ name: 'u2', domain: domainOf('users', userRows('u2')[0]!) }]);
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'room', targetId: roomId('garden'), text: 'quiet' });
    assert.deepEqual(namedInTrail(), [{ name: 'garden', domain: domainOf('rooms', roomId('garden')) }]);
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'entry', targetId: hyperlink, text: ' \n ' });
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'entry', targetId: hyperlink, text: 'x'.repeat(10_001) });
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'entry', targetId: 999_999, text: 'on nothing' });
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'room', targetId: -3, text: 'on nothing' });
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'house' as 'room', targetId: hyperlink, text: 'on nothing' });
    await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'entry', targetId: hyperlink, text: 42 as unknown as string });

    // Conflicts on the fixture's notes (written and edited at the same moments on both engines).
    const written1 = await sameChange(desk, ACTORS.admin, 'editNote', { id: first!, text: 'changed', version: 2 });
    assert.equal((written1.conflict as { change: string }).change, 'written');
    const edited = await sameChange(desk, ACTORS.admin, 'editNote', { id: second!, text: 'changed', version: 1 });
    assert.equal((edited.conflict as { change: string }).change, 'edited');
    assert.match(
      (await sameChange(desk, ACTORS.moderator, 'editNote', { id: first!, text: 'mine now', version: 1 })).failed!,
      /^ForbiddenError/,
    );
    await sameChange(desk, ACTORS.admin, 'editNote', { id: first!, text: 'no version' } as { id: number; text: string; version: number });
    await sameChange(desk, ACTORS.admin, 'editNote', { id: 99_999, text: 'x', version: 1 });
    await sameChange(desk, ACTORS.admin, 'editNote', { id: 'x' as unknown as number, text: 'x', version: 1 });
    await sameChange(desk, ACTORS.admin, 'editNote', { id: first!, text: '  ', version: 1 });
    // The same text: nothing changes, nothing is audited.
    await sameChange(desk, ACTORS.admin, 'editNote', { id: first!, text: ' a note, "quoted"\nover two lines ', version: 1 });
    const byLead = await sameChange(desk, ACTORS.lead, 'editNote', { id: first!, text: 'checked by the lead', version: 1 });
    assert.equal((byLead.answered as Note).editedBy, 'lena');
    assert.equal((byLead.answered as Note).version, 2);
    // A note this test wrote: written at a moment of each engine's own (sameChange compares such times as such).
    await sameChange(desk, ACTORS.moderator, 'editNote', { id: mine.id, text: 'a threat, confirmed', version: 1 });

    await sameRead('notes', { target: 'entry', targetId: hyperlink });
    await sameRead('notes', { target: 'entry', targetId: entryWith('script') });
    await sameRead('notes', { target: 'user', targetId: userRows('u2')[0]! });
    await sameRead('notes', { target: 'room', targetId: roomId('garden') });
    await sameRead('reviews', { target: 'entry', ids: [hyperlink, entryWith('script')] });
    await sameRead('countEntries', { filter: { hasNote: true } });
  });

  test('a note on an id that is no whole number is refused alike, nothing written (SQLite failed inside on "x", and kept a note on Infinity)', async () => {
    for (const targetId of ['x', Infinity, 1.5, null] as unknown as number[]) {
      const refused = await sameChange(desk, ACTORS.moderator, 'addNote', { target: 'entry', targetId, text: 'on nothing' });
      assert.equal(refused.failed, `ReviewError: there is no entry ${String(targetId)}: nothing was changed`);
    }
  });

  describe('two desks at the same moment, on PostgreSQL', () => {
    /**
     * Starts both changes while a third session holds the audit chain's head (every change appends
     * to it last, before its commit), waits until both of the writer's sessions wait on a lock — the
     * first on the head, the second on what the first locked, or on the head too if nothing was locked
     * — then lets them go: however fast this machine, the two meet at the same moment.
     */
    async function atOnce<T>(changes: Array<() => Promise<T>>): Promise<PromiseSettledResult<T>[]> {
      const holder = new pg.Client({ connectionString: desk.cluster.url, application_name: 'test holder' });
      const watcher = new pg.Client({ connectionString: desk.cluster.url, application_name: 'test watcher' });
      await Promise.all([holder.connect(), watcher.connect()]);
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM audit_head FOR UPDATE');
        let settled = 0;
        const running = changes.map((change) => change().finally(() => (settled += 1)));
        for (;;) {
          const { rows } = await watcher.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'omv writer' AND wait_event_type = 'Lock'",
          );
          if (rows[0]!.n >= changes.length || settled > 0) break;
          await sleep(5);
        }
        await holder.query('ROLLBACK');
        return await Promise.allSettled(running);
      } finally {
        await Promise.all([holder.end(), watcher.end()]);
      }
    }

    const split = <T>(outcomes: PromiseSettledResult<T>[]) => {
      const won = outcomes.filter((o): o is PromiseFulfilledResult<T> => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      assert.equal(
        won.length,
        1,
        `exactly one wins: ${JSON.stringify(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.value)))}`,
      );
      assert.equal(lost.length, 1);
      return {
        won: won[0]!.value,
        lost: lost[0]!.reason as Error & { conflict?: { change: string; by: string | null; version: number | null } },
      };
    };

    test('two edits of one note on the same version: one is made, the other is a conflict naming it, one audit row', async () => {
      const note = await desk.services.pg.call(ACTORS.admin, 'addNote', {
        target: 'room',
        targetId: roomId('kitchen'),
        text: 'first words',
      });
      const trail = await query<{ n: number }>(desk.cluster.url, 'SELECT max(id)::int AS n FROM audit_log');
      const { won, lost } = split(
        await atOnce([
          () => desk.services.pg.call(ACTORS.admin, 'editNote', { id: note.id, text: "maya's words", version: 1 }),
          () => desk.services.pg.call(ACTORS.lead, 'editNote', { id: note.id, text: "lena's words", version: 1 }),
        ]),
      );
      assert.equal(won.version, 2);
      assert.equal(lost.constructor.name, 'ConflictError');
      assert.deepEqual([lost.conflict?.change, lost.conflict?.by, lost.conflict?.version], ['edited', won.editedBy, 2]);
      const now = ((await desk.pg('notes', { target: 'room', targetId: roomId('kitchen') })) as Note[]).find((n) => n.id === note.id)!;
      assert.deepEqual([now.text, now.version, now.editedBy], [won.text, 2, won.editedBy]);
      const rows = await query<{ action: string }>(desk.cluster.url, 'SELECT action FROM audit_log WHERE id > $1', [trail[0]!.n]);
      assert.deepEqual(rows, [{ action: 'note edited' }]);
    });

    test('a tag taken off by two desks that saw the same link: one takes it off, the other is told it was taken off', async () => {
      const [user] = userRows('u1');
      const seen = ((await desk.pg('reviews', { target: 'user', ids: [user!] })) as Record<number, EntryReview>)[user!]!;
      const off = { tag: 'evidence', target: 'user' as const, ids: [user!], remove: true, linkedAt: seen.linkedAt['evidence']! };
      const { won, lost } = split(
        await atOnce([() => desk.services.pg.call(ACTORS.admin, 'tag', off), () => desk.services.pg.call(ACTORS.lead, 'tag', off)]),
      );
      assert.deepEqual(won, { changed: 1 });
      assert.equal(lost.constructor.name, 'ConflictError');
      assert.deepEqual([lost.conflict?.change, lost.conflict?.version], ['taken off', null]);
    });

    test('a "tag all" undone by two desks at once: one removes its links, the other is told it was undone already', async () => {
      const { batch, changed } = await desk.services.pg.call(ACTORS.admin, 'tag', {
        tag: 'Urgent',
        target: 'entry',
        filter: { text: 'café' },
      });
      assert.ok(changed > 0);
      const { won, lost } = split(
        await atOnce([
          () => desk.services.pg.call(ACTORS.admin, 'undoTagAll', { batch: batch! }),
          () => desk.services.pg.call(ACTORS.other, 'undoTagAll', { batch: batch! }),
        ]),
      );
      assert.deepEqual(won, { removed: changed });
      assert.equal(lost.constructor.name, 'ReviewError');
      assert.equal(lost.message, `tagging ${batch} was undone already`);
    });

    test('one tag name made by two desks at once: one makes it, the other is told it is there already', async () => {
      const { won, lost } = split(
        await atOnce([
          () => desk.services.pg.call(ACTORS.admin, 'createTag', { name: 'Twice', colour: '#101010' }),
          () => desk.services.pg.call(ACTORS.other, 'createTag', { name: 'twice', colour: '#202020' }),
        ]),
      );
      assert.equal(won.name.toLowerCase(), 'twice');
      assert.equal(lost.constructor.name, 'ReviewError');
      assert.match(lost.message, /^there is a tag "[Tt]wice" already$/);
    });
  });
});

test(
  'on PostgreSQL a "tag all" whose part is lost (its session ended) ends its batch with what it tagged, told as finished, and it can be undone',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const engine = await openPgEngine(cluster.url);
    const holder = new pg.Client(cluster.url);
    await holder.connect();
    try {
      // 3,000 entries: two parts of "tag all" (PART is 2,000).
      for (let d = 0; d < 3; d++) {
        const at = Date.UTC(2025, 5, 1) + d * 10_000;
        const flood = Array.from({ length: 1000 }, (_, i) => ({ ts: at + i, user: `u${i % 7}`, content: `flood ${d} ${i}` }));
        const { meta, parsed } = delivery(messagesXml({ flood }), { receivedAt: at });
        await engine.writes.receive(meta, parsed);
      }
      const reads = pgReadRunner(engine);
      const hub = new EventHub();
      const events: ApiEvent[] = [];
      hub.subscribe((event) => events.push(event));
      const receiver = { callbackUrl: () => null, problem: () => null };
      const service = createService({ reads, writer: await pgDeskWriter(engine, { reads, events: hub }), events: hub, receiver });
      await service.call(ACTORS.admin, 'createTag', { name: 'flood', colour: '#123456' });
      const filter = { room: 'flood' };
      const ids = (await reads('matchingIds', { filter })) as number[];
      assert.equal(ids.length, 3000);
      // Another session writes the link of an entry of the second part and holds it: that part waits for it.
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO tag_links (target, target_id, tag_id, at, moderator) SELECT 'entry', $1, id, 0, 'side' FROM tags WHERE name = 'flood'`,
        [ids[2500]],
      );
      const tagging = service.call(ACTORS.admin, 'tag', { tag: 'flood', target: 'entry', filter });
      const failed = assert.rejects(tagging, /terminat/);
      // The second part waits for the held link; its session is ended there.
      await waitUntil(
        cluster.url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tag_links%'",
      );
      await failed;
      await holder.query('ROLLBACK');
      const [batch] = await query<{ id: number; tagged: number; planned: number; finished: boolean; links: number }>(
        cluster.url,
        'SELECT id::int, tagged::int, planned::int, finished_at IS NOT NULL AS finished, (SELECT count(*)::int FROM tag_links l WHERE l.batch_id = b.id) AS links FROM tag_batches b',
      );
      assert.deepEqual(batch, { id: batch!.id, tagged: 2000, planned: 3000, finished: true, links: 2000 }, 'ended with its first part');
      const told = events.filter((e) => e.type === 'tagProgress').at(-1);
      assert.deepEqual(told, { type: 'tagProgress', batch: batch!.id, tag: 'flood', done: 2000, of: 3000, finished: true, undo: false });
      assert.deepEqual(await service.call(ACTORS.admin, 'undoTagAll', { batch: batch!.id }), { removed: 2000 });
      assert.deepEqual(await query(cluster.url, 'SELECT count(*)::int AS n FROM tag_links'), [{ n: 0 }]);
    } finally {
      await holder.end();
      await engine.close();
    }
  },
);
