// The review workflow's watch part on PostgreSQL makes what it makes on SQLite (reviewOnBothEngines.ts
// makes each change on both and compares the answers, the audit rows and the events): the
// watchlist's terms added and removed, "check existing entries", the matches and their alerts
// cleared, saved searches saved, opened and deleted, rooms marked reviewed (on the version the desk
// saw) and the marks undone; then the reads those changes show in. And on PostgreSQL alone: two
// desks marking the same room at once on the same version, one wins and the other is told of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventHub } from '../main/api/events.js';
import { pgDeskWriter } from '../main/api/pgDeskWriter.js';
import { pgReadRunner } from '../main/api/pgReadCalls.js';
import { createService, type OmvService } from '../main/api/service.js';
import { openPgEngine, type PgEngine } from '../main/store/pg/engine.js';
import { REVIEW_MARK_LOCK } from '../main/store/pg/locks.js';
import pg from 'pg';
import type { Actor } from '../shared/access.js';
import type { ApiArgs, PlainMethod, RoomSummary } from '../shared/api.js';
import type { ReadArgs, ReadMethod, ReadValue } from '../main/api/readCalls.js';
import type { SavedSearch, WatchMatch, WatchTerm } from '../shared/review.js';
import {
  ACTORS,
  reviewOnBothEngines,
  sameChange as sameChangeOnBoth,
  sameRead as sameReadOnBoth,
  type ReviewOnBothEngines,
} from './support/reviewOnBothEngines.js';
import { postgresSkipReason, query } from './support/postgres.js';

const skip = postgresSkipReason();

type Answered<T> = { answered: T };

describe('the watchlist, saved searches and review marks on PostgreSQL', { skip }, () => {
  let desk: ReviewOnBothEngines;
  before(async () => {
    desk = await reviewOnBothEngines();
  });
  after(() => desk?.close());

  /** sameChange on this file's desk (times the tests' changes stamped compared as such). */
  const sameChange = <M extends PlainMethod>(actor: Actor, method: M, args: ApiArgs<M>) => sameChangeOnBoth(desk, actor, method, args);

  /** A read after changes asked of both engines (support's sameRead). */
  const sameRead = async <M extends ReadMethod>(method: M, args: ReadArgs<M>): Promise<Answered<ReadValue<M>>> => ({
    answered: await sameReadOnBoth(desk, method, args),
  });

  const termId = (term: string) => desk.db.prepare<[string], number>('SELECT id FROM watch_terms WHERE term = ?').pluck().get(term)!;
  const savedId = (name: string) => desk.db.prepare<[string], number>('SELECT id FROM saved_searches WHERE name = ?').pluck().get(name)!;

  /** Sets the claims mode in both stores as a lead would (the setting's own change is another part's). */
  async function claims(mode: string) {
    desk.db
      .prepare("INSERT INTO settings (key, value) VALUES ('claims', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(mode);
    await query(
      desk.cluster.url,
      "INSERT INTO settings (key, value) VALUES ('claims', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [mode],
    );
  }

  test('watch terms added: the new ones answered (one there already, blanks and comments skipped), one audit row; refusals alike', async () => {
    const added = await sameChange(ACTORS.lead, 'addWatchTerms', { text: '# mine\nspam\ncooking\n\n  café*  \ncooking\nnever-there' });
    assert.deepEqual(added.answered, { added: ['cooking', 'café*', 'never-there'] });
    // Only terms already there: nothing added, no audit row.
    assert.deepEqual((await sameChange(ACTORS.admin, 'addWatchTerms', { text: 'spam\r\ncooking' })).answered, { added: [] });
    // A term that cannot be marked refuses the whole text, with why.
    assert.match((await sameChange(ACTORS.lead, 'addWatchTerms', { text: 'fine\n*a' })).failed!, /^ReviewError: /);
    assert.match((await sameChange(ACTORS.lead, 'addWatchTerms', { text: 'x'.repeat(201) })).failed!, /^ReviewError: /);
    assert.match((await sameChange(ACTORS.lead, 'addWatchTerms', { text: 42 as unknown as string })).failed!, /terms must be text/);
    assert.match((await sameChange(ACTORS.moderator, 'addWatchTerms', { text: 'bob' })).failed!, /^ForbiddenError/);
    // The next term's id after one already there is SQLite's too.
    await sameChange(ACTORS.lead, 'addWatchTerms', { text: 'spam\nkitchen-word' });
    const { answered: terms } = (await sameRead('watchTerms', {})) as Answered<WatchTerm[]>;
    assert.ok(terms.some((t) => t.term === 'kitchen-word'));
    await sameRead('watchlistText', {});
  });

  test('check existing entries: one term, every term, a term that is none; the matches found, one audit row; the watchlist and a record after', async () => {
    const one = await sameChange(ACTORS.lead, 'checkWatchExisting', { id: termId('cooking') });
    assert.deepEqual(one.answered, { found: 1 }, 'the one message about cooking');
    const all = await sameChange(ACTORS.admin, 'checkWatchExisting', {});
    assert.ok((all.answered as { found: number }).found > 10, 'café* finds the café messages');
    assert.deepEqual((await sameChange(ACTORS.admin, 'checkWatchExisting', {})).answered, { found: 0 }, 'found again: nothing new');
    await sameChange(ACTORS.lead, 'checkWatchExisting', { id: 999_999 });
    await sameChange(ACTORS.lead, 'checkWatchExisting', { id: 1.5 });
    await sameChange(ACTORS.lead, 'checkWatchExisting', { id: 'all of them' as unknown as number });
    assert.match((await sameChange(ACTORS.moderator, 'checkWatchExisting', {})).failed!, /^ForbiddenError/);
    const { answered: terms } = (await sameRead('watchTerms', {})) as Answered<WatchTerm[]>;
    assert.equal(terms.find((t) => t.term === 'cooking')?.matches, 1);
    await sameRead('userRecord', { userId: 'u4' });
    await sameRead('userRecord', { userId: 'u1' });
  });

  test('the matches: newest first, each entry once with its terms; alerts cleared once (audited), then nothing to clear', async () => {
    const { answered: matches } = (await sameChange(ACTORS.moderator, 'watchMatches', {})) as Answered<WatchMatch[]>;
    assert.ok(
      matches.some((m) => m.term.includes(', ')),
      'an entry two terms match',
    );
    assert.ok(matches.some((m) => !m.seen));
    await sameChange(ACTORS.moderator, 'watchMatches', { markSeen: true });
    const again = (await sameChange(ACTORS.other, 'watchMatches', { markSeen: true })) as Answered<WatchMatch[]>;
    assert.ok(again.answered.every((m) => m.seen));
    const [{ n }] = (await query<{ n: number }>(desk.cluster.url, 'SELECT count(*)::int AS n FROM watch_matches WHERE seen = 0')) as [
      { n: number },
    ];
    assert.equal(n, 0);
  });

  test('a watch term removed with its matches, one audit row; one that is none removes nothing; the list after', async () => {
    const removed = (await sameChange(ACTORS.lead, 'removeWatchTerm', { id: termId('cooking') })) as Answered<WatchTerm[]>;
    assert.ok(!removed.answered.some((t) => t.term === 'cooking'));
    await sameChange(ACTORS.lead, 'removeWatchTerm', { id: 999_999 });
    await sameChange(ACTORS.lead, 'removeWatchTerm', { id: Number.NaN });
    assert.match((await sameChange(ACTORS.moderator, 'removeWatchTerm', { id: termId('spam') })).failed!, /^ForbiddenError/);
    await sameRead('watchTerms', {});
    await sameRead('userRecord', { userId: 'u4' });
  });

  test('saved searches: saved (a new name, then the same name with another query), refusals alike; the list after', async () => {
    const saved = (await sameChange(ACTORS.moderator, 'saveSearch', {
      name: '  kitchen talk ',
      query: 'in:kitchen cooking',
    })) as Answered<SavedSearch>;
    assert.equal(saved.answered.name, 'kitchen talk');
    const resaved = (await sameChange(ACTORS.other, 'saveSearch', { name: 'cafés', query: 'café*' })) as Answered<SavedSearch>;
    assert.equal(resaved.answered.id, savedId('cafés'), 'the same saved search, its query changed');
    // A name saved again draws no id: the next new one has SQLite's id.
    await sameChange(ACTORS.moderator, 'saveSearch', { name: 'garden', query: 'in:garden' });
    for (const [name, query] of [
      ['   ', 'spam'],
      ['x'.repeat(81), 'spam'],
      ['a bad one', 'spam before:yesterday'],
      [7, 'spam'],
      ['no query', null],
    ])
      assert.match(
        (await sameChange(ACTORS.moderator, 'saveSearch', { name: name as string, query: query as string })).failed!,
        /^ReviewError/,
      );
    await sameRead('savedSearches', {});
  });

  test('a saved search opened (its new matches seen, audited) and deleted (the list answered); one that is none refused or left alone', async () => {
    const opened = await sameChange(ACTORS.moderator, 'openSavedSearch', { id: savedId('from u1') });
    assert.deepEqual(opened.answered, { query: 'from:u1' });
    assert.match((await sameChange(ACTORS.moderator, 'openSavedSearch', { id: 999_999 })).failed!, /no saved search 999999/);
    assert.match((await sameChange(ACTORS.moderator, 'openSavedSearch', { id: 'x' as unknown as number })).failed!, /no saved search NaN/);
    const { answered: list } = (await sameRead('savedSearches', {})) as Answered<SavedSearch[]>;
    assert.equal(list.find((s) => s.name === 'from u1')?.newMatches, 0);
    const deleted = (await sameChange(ACTORS.moderator, 'deleteSavedSearch', { id: savedId('garden') })) as Answered<SavedSearch[]>;
    assert.ok(!deleted.answered.some((s) => s.name === 'garden'));
    await sameChange(ACTORS.moderator, 'deleteSavedSearch', { id: 999_999 });
    await sameRead('savedSearches', {});
  });

  test('review marks: a room of two domains marked on the version seen, a stale version refused with the conflict, none taken at its word unless claims are required', async () => {
    const rooms = async () => (await sameRead('rooms', {})) as Answered<RoomSummary[]>;
    const garden = () => rooms().then(({ answered }) => answered.filter((r) => r.name === 'garden'));
    assert.deepEqual(
      (await garden()).map((r) => r.reviewVersion),
      [0, 0],
    );
    const first = await sameChange(ACTORS.moderator, 'markReviewed', { room: 'garden', version: 0 });
    assert.deepEqual((first.answered as { version: number }).version, 1);
    const stale = await sameChange(ACTORS.other, 'markReviewed', { room: 'garden', version: 0 });
    assert.match(stale.failed!, /^ConflictError: the review mark of "garden" moved since this desk saw it/);
    assert.deepEqual((stale.conflict as { by: string; version: number }).by, 'bob');
    await sameChange(ACTORS.other, 'markReviewed', { room: 'garden', upTo: Date.UTC(2025, 4, 4), version: 1 });
    await sameChange(ACTORS.other, 'markReviewed', { room: 'kitchen' });
    await claims('required');
    try {
      const none = await sameChange(ACTORS.other, 'markReviewed', { room: 'kitchen' });
      assert.equal((none.conflict as { change: string }).change, 'no version');
    } finally {
      await claims('optional');
    }
    assert.match((await sameChange(ACTORS.lead, 'markReviewed', { room: 'no such room' })).failed!, /no room "no such room"/);
    await sameChange(ACTORS.lead, 'markReviewed', { room: 3 as unknown as string });
    assert.equal(
      (await garden()).every((r) => r.reviewVersion === 2),
      true,
    );
  });

  test('review marks undone: back to the mark replaced, then to none; then nothing to undo; the rooms after each', async () => {
    const undone = await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: 'garden' });
    assert.equal((undone.answered as { reviewedTo: number }).reviewedTo, Date.UTC(2025, 4, 5), "bob's mark: garden's newest entry");
    await sameRead('rooms', {});
    // The undone mark's version moved on: a desk that saw it is told.
    assert.match((await sameChange(ACTORS.moderator, 'markReviewed', { room: 'garden', version: 2 })).failed!, /^ConflictError/);
    assert.deepEqual((await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: 'garden' })).answered, { reviewedTo: null });
    assert.match((await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: 'garden' })).failed!, /#garden has no review mark to undo/);
    assert.match((await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: 'nowhere' })).failed!, /no room "nowhere"/);
    await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: null as unknown as string });
    await sameRead('rooms', {});
    await sameRead('timeline', { filter: { unreviewed: true }, limit: 50 });
  });

  test('a room chosen with its domain is marked alone: the room of the same name in another domain keeps its mark; undone alike', async () => {
    const garden = async () =>
      ((await sameRead('rooms', {})) as Answered<RoomSummary[]>).answered.filter((r) => r.name === 'garden').sort((x, y) => x.id - y.id);
    const [one, two] = await garden();
    assert.notEqual(one!.domainId, two!.domainId);
    const marked = await sameChange(ACTORS.lead, 'markReviewed', { room: 'garden', domain: two!.domainId, upTo: Date.UTC(2025, 4, 1) });
    assert.equal((marked.answered as { reviewedTo: number }).reviewedTo, Date.UTC(2025, 4, 1));
    assert.deepEqual(
      (await garden()).map((r) => r.reviewedTo),
      [one!.reviewedTo, Date.UTC(2025, 4, 1)],
    );
    assert.match(
      (await sameChange(ACTORS.lead, 'markReviewed', { room: 'garden', domain: 'nowhere.example' })).failed!,
      /no room "garden" in domain "nowhere.example"/,
    );
    // The other domain's garden is marked on the version the list shows for it (its own, not the name's newest).
    const shown = (await garden())[0]!;
    const onItsVersion = await sameChange(ACTORS.lead, 'markReviewed', {
      room: 'garden',
      domain: one!.domainId,
      upTo: Date.UTC(2025, 4, 2),
      version: shown.reviewVersion,
    });
    assert.equal(onItsVersion.failed, undefined, 'marked on the version the desk was shown');
    await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: 'garden', domain: one!.domainId });
    await sameChange(ACTORS.lead, 'undoMarkReviewed', { room: 'garden', domain: two!.domainId });
    assert.deepEqual(
      (await garden()).map((r) => r.reviewedTo),
      [one!.reviewedTo, two!.reviewedTo],
    );
  });

  test('two desks mark the same room at once on the same version: one mark is made, the other is refused naming it', async () => {
    // A second desk server on the same database: its own pools, its own service.
    const other: PgEngine = await openPgEngine(desk.cluster.url);
    try {
      const events = new EventHub();
      const reads = pgReadRunner(other);
      const second: OmvService = createService({
        reads,
        writer: await pgDeskWriter(other, { reads, events }),
        events,
        receiver: { callbackUrl: () => null, problem: () => null },
      });
      for (let round = 0; round < 5; round++) {
        const [{ version }] = (await query<{ version: number }>(
          desk.cluster.url,
          "SELECT coalesce(max(rr.version), 0)::int AS version FROM rooms r LEFT JOIN room_reviews rr ON rr.room_id = r.id WHERE r.name = 'garden'",
        )) as [{ version: number }];
        // The two meet at the same moment however fast this machine is: a side session holds the
        // room's mark lock until both changes are seen waiting for it, then lets them go.
        const holder = new pg.Client({ connectionString: desk.cluster.url, application_name: 'test holder' });
        await holder.connect();
        let settled: Promise<PromiseSettledResult<unknown>[]> | undefined;
        try {
          await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [REVIEW_MARK_LOCK, 'garden']);
          settled = Promise.allSettled([
            desk.services.pg.call(ACTORS.moderator, 'markReviewed', { room: 'garden', upTo: 1000 + round, version }),
            second.call(ACTORS.other, 'markReviewed', { room: 'garden', upTo: 2000 + round, version }),
          ]);
          // Until both wait for it (or, were the lock not taken, are done without waiting: then the asserts below say so).
          let done = false;
          void settled.then(() => (done = true));
          while (!done) {
            const waiting = await holder.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            );
            if (waiting.rows[0]!.n === 2) break;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        } finally {
          await holder.end();
        }
        const outcomes = await settled!;
        const made = outcomes.filter((o) => o.status === 'fulfilled');
        const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        assert.equal(made.length, 1, `round ${round}: one mark is made`);
        assert.equal(refused.length, 1, `round ${round}: the other is refused`);
        const { reviewedTo } = (made[0] as PromiseFulfilledResult<{ reviewedTo: number; version: number }>).value;
        const winner = reviewedTo < 2000 ? 'bob' : 'cleo';
        assert.equal(refused[0]!.reason.constructor.name, 'ConflictError');
        assert.deepEqual(refused[0]!.reason.conflict, {
          subject: 'review mark',
          id: 'garden',
          version: version + 1,
          change: 'marked reviewed',
          by: winner,
          at: refused[0]!.reason.conflict.at,
          current: { reviewedTo },
        });
        const marks = await query<{ reviewed_to: number; version: number }>(
          desk.cluster.url,
          "SELECT rr.reviewed_to::int, rr.version::int FROM room_reviews rr JOIN rooms r ON r.id = rr.room_id WHERE r.name = 'garden'",
        );
        assert.deepEqual(marks, [
          { reviewed_to: reviewedTo, version: version + 1 },
          { reviewed_to: reviewedTo, version: version + 1 },
        ]);
      }
      const [{ n }] = (await query<{ n: number }>(
        desk.cluster.url,
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'reviewed' AND details::jsonb ->> 'upTo' IN ('1000','1001','1002','1003','1004','2000','2001','2002','2003','2004')",
      )) as [{ n: number }];
      assert.equal(n, 5, 'one audit row a round');
    } finally {
      await other.close();
    }
  });
});
