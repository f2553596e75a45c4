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
    const named = await sameChange(desk, ACTORS.admin, 'setModerator', { name: '  Ann Example  ' });
    assert.equal((named.answered as { moderator: string }).moderator, 'Ann Example');
    await sameChange(desk, ACTORS.admin, 'setModerator', { name: 'Ann Example' });
    assert.match((await sameChange(desk, ACTORS.admin, 'setModerator', { name: 'x'.repeat(81) })).failed!, /1 to 80 characters/);
    await sameChange(desk, ACTORS.admin, 'setModerator', { name: 42 as unknown as string });
    assert.match((await sameChange(desk, ACTORS.lead, 'setModerator', { name: 'lena' })).failed!, /^ForbiddenError/);
    const actor = desk.services.pg.localActor();
    assert.equal(actor.name, 'Ann Example');
    assert.equal((await desk.services.pg.call(actor, 'session', {})).moderator, 'Ann Example');
  });
});
