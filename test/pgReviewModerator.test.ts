// The review workflow's changes on PostgreSQL make what they make on SQLite (reviewOnBothEngines.ts
// makes each change on both and compares the answers, the audit rows and the events): here, the
// desk's own moderator named, and what a desk's session is told.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACTORS, reviewOnBothEngines, sameChange, type ReviewOnBothEngines } from './support/reviewOnBothEngines.js';
import { postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();

describe('the moderator and the session on PostgreSQL', { skip }, () => {
  let desk: ReviewOnBothEngines;
  before(async () => {
    desk = await reviewOnBothEngines();
  });
  after(() => desk?.close());

  test('naming the moderator: the session after it, one audit row, none for the same name again; a name too long is refused alike', async () => {
    // The session it answers, but for what the desk on PostgreSQL does not offer yet (imports, exports, purges).
    const offered = (outcome: unknown) => {
      const { answered } = outcome as { answered?: { permissions: string[] } };
      return answered
        ? { ...answered, permissions: answered.permissions.filter((p) => !['import', 'export', 'purge'].includes(p)) }
        : outcome;
    };
    const named = await sameChange(desk, ACTORS.admin, 'setModerator', { name: '  Ann Example  ' }, { compared: offered });
    assert.equal((named.answered as { moderator: string }).moderator, 'Ann Example');
    await sameChange(desk, ACTORS.admin, 'setModerator', { name: 'Ann Example' }, { compared: offered });
    assert.match((await sameChange(desk, ACTORS.admin, 'setModerator', { name: 'x'.repeat(81) })).failed!, /1 to 80 characters/);
    await sameChange(desk, ACTORS.admin, 'setModerator', { name: 42 as unknown as string });
    assert.match((await sameChange(desk, ACTORS.lead, 'setModerator', { name: 'lena' })).failed!, /^ForbiddenError/);
    const actor = desk.services.pg.localActor();
    assert.equal(actor.name, 'Ann Example');
    assert.equal((await desk.services.pg.call(actor, 'session', {})).moderator, 'Ann Example');
  });
});
