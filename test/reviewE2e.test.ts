// The review workflow end to end (see support/desk.ts): the report queue, tags and notes, the
// watchlist, saved searches, export manifests and the audit trail, review marks and pseudonyms,
// in Chromium against a real omv serve. Screenshots of its views land in test-results/screenshots/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openDatabase } from '../main/store/db.js';
import { omv } from './support/cli.js';
import {
  axe,
  deskTests,
  endDeskTest,
  describeViolations,
  done,
  fetchAudit,
  fetchReports,
  DESK_ENGINES,
  lobbyDesk,
  newDesk,
  screenshot,
  screenshotPlace,
  type Desk,
} from './support/desk.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML } from './support/payloads.js';
import { assertNoRealIds } from './support/pseudonymCheck.js';

deskTests();

for (const { engine, skip } of DESK_ENGINES)
  describe(`the review workflow in a browser${engine === 'postgres' ? ' on PostgreSQL' : ''}`, { skip }, () => {
    // Each engine's screenshots of its own.
    const shot = (page: Page, name: string) => screenshot(page, engine === 'sqlite' ? name : `${name}-pg`);
    const shotPlace = (desk: Desk, place: string, shown: string, name: string) =>
      screenshotPlace(desk, place, shown, engine === 'sqlite' ? name : `${name}-pg`);
    afterEach(endDeskTest);

    const reportAbuse = (desk: Desk, callID: string) =>
      postForm(
        callbackUrl(desk.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID }),
        Buffer.from(ABUSE_CONVERSATION_XML, 'latin1'),
      );

    test('first start asks who is moderating, and the audit trail carries that name', async () => {
      const desk = await newDesk('', { engine });
      const page = await desk.open();
      const dialog = page.getByTestId('moderator-dialog');
      await dialog.waitFor();
      await page.getByTestId('moderator-name').fill('Anna (trust & safety)');
      await page.getByTestId('moderator-save').click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByTestId('nav-watchlist').click();
      await page.getByTestId('watch-add-text').fill('scam*');
      await page.getByTestId('watch-add').click();
      await page.getByTestId('nav-audit').click();
      await page.locator('.audit-table td', { hasText: 'Anna (trust & safety)' }).first().waitFor();
      await done(page);
    });

    test('a reportAbuse callback lands in the queue; the moderator reads it in context and takes it to actioned with a reason', async () => {
      const desk = await lobbyDesk({ engine });
      assert.equal((await reportAbuse(desk, 'abuse-1')).status, 200);
      // The queue as it first looks, in the dark theme too.
      const dark = await desk.open('dark');
      await dark
        .getByTestId('nav-reports')
        .filter({ hasText: /Abuse reports\s*1/ })
        .click();
      await dark.getByTestId('reports-tab-open').filter({ hasText: 'open 1' }).waitFor();
      await shot(dark, 'reports-dark');
      await done(dark);

      const page = await desk.open();
      await page
        .getByTestId('nav-reports')
        .filter({ hasText: /Abuse reports\s*1/ })
        .click();
      await page.getByTestId('reports-tab-open').filter({ hasText: 'open 1' }).waitFor();
      await shot(page, 'reports-light');
      await page.locator('[data-report-id="1"]').click();
      const report = page.getByTestId('report-view');
      await report.waitFor();
      assert.match(
        await report.locator('.report-fields').innerText(),
        /accused\s*23456[\s\S]*reported by\s*12345[\s\S]*reason\s*Offensive[\s\S]*domain\s*example\.com/,
      );
      assert.equal(await report.locator('blockquote').innerText(), 'Said awful things to me accused me of being a "pimp"');
      assert.match(await page.getByTestId('report-messages').innerText(), /this is my message/);
      // One click into the room around the reported message, and back.
      await page.getByTestId('report-context').click();
      await page.locator('.entry.focused', { hasText: 'this is my message' }).waitFor();
      await page.locator('.back').click();
      await page.getByTestId('report-accused').click();
      await page.getByTestId('user-view').waitFor();
      await page.locator('.back').click();
      // Deciding needs a reason: the button waits for one.
      await page.getByTestId('report-to-in-review').click();
      await page.getByTestId('report-status').filter({ hasText: 'in review' }).waitFor();
      assert.equal(await page.getByTestId('report-to-actioned').isDisabled(), true);
      await page.getByTestId('report-reason').fill('insults in the quoted message; warned the user');
      await page.getByTestId('report-to-actioned').click();
      await page.getByTestId('report-status').filter({ hasText: 'actioned' }).waitFor();
      assert.match(
        await report.locator('.report-history').innerText(),
        /in review → actioned — “insults in the quoted message; warned the user”/,
      );
      await shot(page, 'report-light');
      // The evidence: the reported message tagged and noted, exported with its review and manifest.
      await page.getByTestId('report-messages').getByRole('button', { name: 'tag / note' }).click();
      const editor = page.getByTestId('tag-editor');
      await editor.getByRole('checkbox', { name: /harassment/ }).click();
      await editor.getByRole('checkbox', { name: /harassment/, checked: true }).waitFor();
      await page.getByTestId('note-text').fill('reporter confirmed by a second user');
      await page.getByTestId('add-note').click();
      await editor.locator('.note-text').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('export-with-review').check();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
      const csv = readFileSync((await download.path())!, 'utf8');
      assert.match(
        csv,
        /,asfd,msg,1,tom,false,this is my message,callback,abuse-1,harassment,reporter confirmed by a second user,unreviewed\r\n$/,
      );
      await page.getByTestId('export-manifest').waitFor();
      // The queue counts move with it.
      await page.getByTestId('nav-reports').click();
      await page.getByTestId('reports-tab-actioned').filter({ hasText: 'actioned 1' }).waitFor();
      await done(page);
      // omv audit verify proves the trail: two decisions, the tag, the note, the export.
      const verify = await omv(['audit', ...desk.storeArgs, 'verify']);
      assert.equal(verify.code, 0, verify.stdout);
      assert.equal(verify.stdout, 'audit chain intact: 6 rows\n');
      const reports = await fetchReports(desk);
      assert.deepEqual(reports, ['1\tactioned']);
    });

    test('every hit of a search is tagged in one action; a note and a new tag on one entry; tag: and has:note find them', async () => {
      const desk = await lobbyDesk({ engine });
      const page = await desk.open();
      await page.getByTestId('search').fill('chatter');
      await page
        .getByTestId('result-count')
        .filter({ hasText: /^60 hits/ })
        .waitFor();
      await page.getByTestId('tag-all-hits').click();
      await page.getByTestId('tag-all-choice').selectOption('spam');
      await page.getByTestId('tag-all-apply').click();
      await page.getByTestId('tag-all-done').filter({ hasText: 'Tagged 60 entries “spam”.' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('search').fill('tag:spam chatter');
      await page
        .getByTestId('result-count')
        .filter({ hasText: /^60 hits/ })
        .waitFor();
      await page.getByTestId('search').fill('tag:spam');
      await page.locator('.timeline .tag-chip[data-tag=spam]').first().waitFor();
      // One entry: a new tag with a colour, and a note.
      await page.getByTestId('search').fill('chatter number 42');
      await page.getByTestId('search-hits').locator('.entry').first().getByRole('button', { name: 'tag / note' }).click();
      const editor = page.getByTestId('tag-editor');
      await editor.waitFor();
      await page.getByTestId('new-tag-name').fill('grooming');
      await page.getByTestId('create-tag').click();
      await editor.getByRole('checkbox', { name: /grooming/ }).waitFor();
      await page.waitForFunction(
        () => (document.querySelector('[data-testid=tag-editor] input[type=checkbox]:checked') as HTMLInputElement | null) !== null,
      );
      await page.getByTestId('note-text').fill('asked to move to a private app');
      await page.getByTestId('add-note').click();
      await editor.locator('.note-text', { hasText: 'asked to move to a private app' }).waitFor();
      await shot(page, 'tag-editor-light');
      const serious = await axe(page, 'tag-editor-light');
      assert.deepEqual(serious, [], describeViolations(serious));
      await page.keyboard.press('Escape');
      await page.getByTestId('search').fill('has:note');
      await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
      assert.match(await page.locator('.timeline .entry').innerText(), /lobby chatter number 42[\s\S]*grooming[\s\S]*spam[\s\S]*✎ 1/);
      await done(page);

      // A user and a room carry tags and notes too; a tag can be made a hold.
      const dark = await desk.open('dark');
      await dark.locator('[data-room=lobby]').click();
      await dark.getByTestId('room-review').click();
      // The boxes follow what main stored: click, then see it checked.
      await dark
        .getByTestId('tag-editor')
        .getByRole('checkbox', { name: /needs-escalation/ })
        .click();
      await dark
        .getByTestId('tag-editor')
        .getByRole('checkbox', { name: /needs-escalation/, checked: true })
        .waitFor();
      await dark.getByTestId('tag-editor').getByRole('button', { name: 'hold' }).first().click();
      await dark.getByTestId('tag-editor').locator('button[aria-pressed=true]').first().waitFor();
      await dark.keyboard.press('Escape');
      await dark.locator('.timeline .entry-user', { hasText: 'user3' }).first().click();
      await dark.getByTestId('user-review').click();
      // The boxes follow what main stored: click, then see it checked.
      await dark
        .getByTestId('tag-editor')
        .getByRole('checkbox', { name: /threat/ })
        .click();
      await dark
        .getByTestId('tag-editor')
        .getByRole('checkbox', { name: /threat/, checked: true })
        .waitFor();
      await dark.getByTestId('note-text').fill('three accounts, same phrasing');
      await dark.getByTestId('add-note').click();
      await dark.getByTestId('tag-editor').locator('.note-text', { hasText: 'three accounts' }).waitFor();
      await shot(dark, 'tag-editor-dark');
      await dark.keyboard.press('Escape');
      await dark.locator('.user-head .tag-chip[data-tag=threat]').waitFor();
      assert.match(await dark.getByTestId('user-review').innerText(), /✎ 1/);
      await done(dark);
      const audit = await fetchAudit(desk);
      assert.ok(audit.some((row) => row.action === 'tagged' && JSON.stringify(row.details).includes('"target":"room"')));
      assert.ok(audit.some((row) => row.action === 'hold set'));
      assert.ok(audit.some((row) => row.action === 'note' && JSON.stringify(row.details).includes('"target":"user"')));
    });

    test('a watchlist term in a new callback raises the room badge and the status count, is marked in the text, and shows in the matches', async () => {
      const desk = await lobbyDesk({ engine });
      const page = await desk.open();
      await page.getByTestId('nav-watchlist').click();
      await page.getByTestId('watch-add-text').fill('unicorn*\n"meet me"');
      await page.getByTestId('watch-add').click();
      await page.locator('.term', { hasText: 'unicorn*' }).waitFor();
      await page.locator('.room', { hasText: 'All rooms' }).click();
      await desk.deliver(
        { lobby: [{ ts: Date.UTC(2024, 2, 1, 12), user: 'newcomer', content: 'unicorns: meet me at the gate' }] },
        'watch-1',
      );
      await page.getByTestId('alerts-button').filter({ hasText: '1 alert' }).waitFor();
      await page.locator('[data-room=lobby] [data-testid=room-alerts]').filter({ hasText: '1 alert' }).waitFor();
      const row = page.locator('.timeline .entry', { hasText: 'meet me at the gate' });
      await row.waitFor();
      assert.deepEqual(await row.locator('mark.watch-mark').allInnerTexts(), ['unicorns', 'meet me']);
      await page.getByTestId('alerts-button').click();
      await page.getByTestId('watch-matches').locator('.entry', { hasText: 'meet me at the gate' }).waitFor();
      await page.getByTestId('alerts-button').filter({ hasText: '0 alerts' }).waitFor();
      await shot(page, 'watchlist-light');
      await done(page);
      await shotPlace(desk, 'watchlist', 'watch-matches', 'watchlist-dark');
    });

    test('a saved search shows how many matches arrived since it was last opened', async () => {
      const desk = await lobbyDesk({ engine });
      const page = await desk.open();
      await page.getByTestId('search').fill('chatter in:lobby');
      await page.getByTestId('save-search').click();
      await page.getByTestId('save-search-name').fill('lobby chatter');
      await page.getByTestId('save-search-save').click();
      const saved = page.locator('[data-saved="lobby chatter"]');
      await saved.waitFor();
      await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 2), user: 'u', content: 'more chatter today' }] }, 'saved-1');
      await page.reload();
      await saved.filter({ hasText: '+1' }).waitFor();
      await saved.click();
      await page
        .getByTestId('result-count')
        .filter({ hasText: /^61 hits/ })
        .waitFor();
      await page.reload();
      await saved.waitFor();
      assert.doesNotMatch(await saved.innerText(), /\+/);
      await done(page);
    });

    test('an export writes its manifest and an audit row; the audit view verifies the chain', async () => {
      const desk = await lobbyDesk({ engine });
      const page = await desk.open();
      await page.locator('[data-room=games]').click();
      await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
      await page.getByTestId('export-with-review').check();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
      const csv = readFileSync((await download.path())!);
      assert.match(csv.toString('utf8').split('\r\n')[0]!, /,call_id,tags,notes,review_status$/);
      await page.getByTestId('export-manifest').waitFor();
      const [manifestFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-manifest').click()]);
      const manifest = JSON.parse(readFileSync((await manifestFile.path())!, 'utf8')) as Record<string, unknown>;
      assert.equal(manifest['sha256'], createHash('sha256').update(csv).digest('hex'));
      assert.equal(manifest['rows'], 1);
      assert.equal(manifest['moderator'], 'mod-e2e');
      assert.equal(manifest['file'], download.suggestedFilename());
      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-verdict').filter({ hasText: 'Audit chain intact: 2 rows,' }).waitFor();
      assert.match(
        await page.locator('.audit-table tbody tr').first().innerText(),
        new RegExp(`export[\\s\\S]*${String(manifest['sha256'])}`),
      );
      await shot(page, 'audit-light');
      await done(page);
      await shotPlace(desk, 'audit', 'audit-verdict', 'audit-dark');
    });

    test('review marks: a room is marked reviewed, and what arrives later stands out as unreviewed', async () => {
      const desk = await lobbyDesk({ engine });
      const page = await desk.open();
      await page.locator('[data-room=lobby]').click();
      await page.getByTestId('unreviewed-count').filter({ hasText: '62 unreviewed' }).waitFor();
      // A wide action asks up to where first: the room's newest entry is the one offered without a range or a selection.
      await page.getByTestId('mark-reviewed').click();
      await page.getByTestId('mark-upto-newest').check();
      await page.getByTestId('mark-reviewed-confirm').click();
      await page
        .getByTestId('unreviewed-count')
        .filter({ hasText: /^0 unreviewed · reviewed up to/ })
        .waitFor();
      await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 3), user: 'late', content: 'after the review' }] }, 'late-1');
      await page
        .getByTestId('unreviewed-count')
        .filter({ hasText: /^1 unreviewed/ })
        .waitFor();
      await page.locator('.entry.unreviewed', { hasText: 'after the review' }).waitFor();
      assert.equal(await page.locator('.entry.unreviewed').count(), 1);
      // status:unreviewed in the room, then everywhere (games was never reviewed).
      await page.getByTestId('search').fill('status:unreviewed');
      await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
      await page.locator('.room', { hasText: 'All rooms' }).click();
      await page.getByTestId('search').fill('status:unreviewed');
      await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 2);
      await done(page);
    });

    test('pseudonyms: user IDs are shown as stable pseudonyms when asked', async () => {
      const desk = await lobbyDesk({ engine });
      const page = await desk.open();
      await page.locator('[data-room=games]').click();
      const user = page.locator('.timeline .entry-user').first();
      await user.filter({ hasText: 'gamer' }).waitFor();
      await page.getByTestId('pseudonymise').click();
      await user.filter({ hasText: /^user-[0-9a-z]{6}$/ }).waitFor();
      const pseudonym = await user.innerText();
      await page.reload();
      await page.locator('[data-room=games]').click();
      await page.locator('.timeline .entry-user').filter({ hasText: pseudonym }).waitFor();
      assert.equal(await page.locator('.timeline', { hasText: 'gamer' }).count(), 0);
      await done(page);
    });

    // What an older omv or a damaged file holds is written into the file itself: a SQLite desk's test.
    if (engine === 'sqlite')
      test('a watch term an older omv stored unchecked (*a) leaves the desk working: the other terms mark, and it is listed with why and removed', async () => {
        // As an older omv stored it: straight into watch_terms, past today's check.
        const desk = await newDesk('mod-e2e', {
          prepare: (dbPath) => {
            const db = openDatabase(dbPath);
            const insert = db.prepare('INSERT INTO watch_terms (term, added_at, after_entry_id) VALUES (?, ?, 0)');
            for (const term of ['*a', 'unicorn*']) insert.run(term, Date.UTC(2024, 0, 1));
            db.close();
          },
        });
        await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 1, 12), user: 'newcomer', content: 'a unicorn came by' }] }, 'old-terms');
        for (const scheme of ['light', 'dark'] as const) {
          const page = await desk.open(scheme);
          const row = page.locator('.timeline .entry', { hasText: 'a unicorn came by' });
          // The terms arrive beside the timeline: the mark shows once they are read.
          await row.locator('mark.watch-mark').first().waitFor();
          assert.deepEqual(await row.locator('mark.watch-mark').allInnerTexts(), ['unicorn'], 'the usable term still marks');
          await page.getByTestId('nav-watchlist').click();
          const term = page.locator('.term', { hasText: '*a' });
          assert.match(
            await term.getByTestId('term-refused').innerText(),
            /not marked in the text: "\*a" is refused: \* goes at the end of a word/,
          );
          const serious = await axe(page, `watchlist-old-term-${scheme}`);
          assert.deepEqual(serious, [], describeViolations(serious));
          if (scheme === 'dark') {
            await term.getByRole('button', { name: 'remove *a' }).click();
            await term.waitFor({ state: 'detached' });
            await page.locator('.term', { hasText: 'unicorn*' }).waitFor();
            // Added again through the desk, it is refused with the same reason.
            await page.getByTestId('watch-add-text').fill('*a');
            await page.getByTestId('watch-add').click();
            await page.getByTestId('error-notice').filter({ hasText: '"*a" is refused: * goes at the end of a word' }).waitFor();
          }
          await done(page);
        }
        const audit = await fetchAudit(desk);
        assert.ok(audit.some((row) => row.action === 'watchlist removed' && JSON.stringify(row.details) === '{"term":"*a"}'));
      });

    // What an older omv or a damaged file holds is written into the file itself: a SQLite desk's test.
    if (engine === 'sqlite')
      test('a view that fails to draw says what failed in its place, with a working Back and Reload; the rest of the desk keeps working', async () => {
        const desk = await lobbyDesk({ engine });
        assert.equal((await reportAbuse(desk, 'abuse-bad')).status, 200);
        // A status this omv does not know (as a damaged or foreign database could hold): the report view cannot draw it.
        const setStatus = (status: string) => {
          const db = openDatabase(join(desk.dataDir, 'omv.sqlite'));
          db.pragma('ignore_check_constraints = ON');
          db.prepare('UPDATE abuse_reports SET status = ?').run(status);
          db.close();
        };
        setStatus('escalated');
        for (const scheme of ['light', 'dark'] as const) {
          const page = await desk.open(scheme);
          await page.getByTestId('nav-reports').click();
          await page.getByTestId('reports-tab-all').click();
          await page.locator('[data-report-id="1"]').click();
          const failed = page.getByTestId('part-failed');
          assert.match(await failed.innerText(), /^Abuse report #1 could not be shown: Cannot read properties of undefined/);
          const serious = await axe(page, `view-failed-${scheme}`);
          assert.deepEqual(serious, [], describeViolations(serious));
          if (scheme === 'light') await shot(page, 'view-failed-light');
          // The rest of the desk works meanwhile: the places, the rooms, the status bar.
          assert.equal(await page.getByTestId('status-bar').isVisible(), true);
          await page.getByTestId('part-failed-back').click();
          await page.getByTestId('reports-view').waitFor();
          assert.equal(await failed.count(), 0);
          await page.getByTestId('reports-tab-all').click();
          await page.locator('[data-report-id="1"]').click();
          await failed.waitFor();
          await page.locator('[data-room=games]').click();
          await page.locator('.timeline .entry', { hasText: 'good game everyone' }).waitFor();
          await done(page);
        }
        // Reload reads the data again: mended, the view draws.
        const page = await desk.open();
        await page.getByTestId('nav-reports').click();
        await page.getByTestId('reports-tab-all').click();
        await page.locator('[data-report-id="1"]').click();
        await page.getByTestId('part-failed').waitFor();
        setStatus('open');
        await page.getByTestId('part-failed-reload').click();
        await page.getByTestId('report-status').filter({ hasText: 'open' }).waitFor();
        await done(page);
      });

    test('with pseudonyms on, no real user ID reaches the screen, an attribute or the accessibility tree: user, audit and report views', async () => {
      const desk = await lobbyDesk({ engine });
      assert.equal((await reportAbuse(desk, 'abuse-pseudo')).status, 200);
      const page = await desk.open();
      await page.getByTestId('pseudonymise').click();
      await page.locator('[data-testid=pseudonymise][aria-pressed=true]').waitFor();
      // Actions that name a user: every hit of a from: search tagged, that search saved and exported, a tag and a note on the user.
      await page.getByTestId('search').fill('from:user3 chatter');
      await page
        .getByTestId('result-count')
        .filter({ hasText: /^10 hits/ })
        .waitFor();
      await page.getByTestId('tag-all-hits').click();
      await page.getByTestId('tag-all-choice').selectOption('spam');
      await page.getByTestId('tag-all-apply').click();
      await page.getByTestId('tag-all-done').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('save-search').click();
      await page.getByTestId('save-search-save').click();
      await page.getByTestId('save-search-dialog').waitFor({ state: 'detached' });
      await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
      await page.getByTestId('export-manifest').waitFor();
      await page.getByTestId('search').fill('');
      // user3 said "lobby chatter number 57" (57 % 6 = 3), and only that one is number 57.
      await page.locator('.timeline .entry', { hasText: 'lobby chatter number 57' }).locator('.entry-user').click();
      await page.getByTestId('user-view').waitFor();
      const pseudonym = /user-[0-9a-z]{6}/.exec(await page.locator('.user-head h2').innerText())![0];
      await page.getByTestId('user-review').click();
      await page
        .getByTestId('tag-editor')
        .getByRole('checkbox', { name: /threat/ })
        .click();
      await page
        .getByTestId('tag-editor')
        .getByRole('checkbox', { name: /threat/, checked: true })
        .waitFor();
      await page.getByTestId('note-text').fill('three accounts, same phrasing');
      await page.getByTestId('add-note').click();
      await page.getByTestId('tag-editor').locator('.note-text').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('tag-editor').waitFor({ state: 'detached' });

      await assertOnlyPseudonyms(page, 'the user view', pseudonym);
      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-view').locator('td', { hasText: 'search saved' }).waitFor();
      await assertOnlyPseudonyms(page, 'the audit view', `from:${pseudonym}`);
      await page.getByTestId('nav-reports').click();
      await page.locator('[data-report-id="1"]').click();
      await page.getByTestId('report-view').waitFor();
      await assertOnlyPseudonyms(page, 'the report view', 'user-');
      await done(page);
    });

    test('the review views have no serious or critical accessibility findings (axe), light and dark', async () => {
      const desk = await lobbyDesk({ engine });
      await reportAbuse(desk, 'abuse-a11y');
      for (const scheme of ['light', 'dark'] as const) {
        const page = await desk.open(scheme);
        const findings: string[] = [];
        const check = async (name: string) => {
          const serious = await axe(page, `${name}-${scheme}`);
          if (serious.length) findings.push(`${name} (${scheme}):\n${describeViolations(serious)}`);
        };
        await page.getByTestId('nav-reports').click();
        await page.locator('[data-report-id="1"]').waitFor();
        await check('reports');
        await page.locator('[data-report-id="1"]').click();
        await page.getByTestId('report-view').waitFor();
        await check('report');
        await page.getByTestId('nav-watchlist').click();
        await page.getByTestId('watchlist-view').waitFor();
        await check('watchlist');
        await page.getByTestId('nav-audit').click();
        await page.getByTestId('audit-view').waitFor();
        await check('audit');
        assert.deepEqual(findings, []);
        await done(page);
      }
    });
  });

/** The chat's user IDs in these tests (the lobby's, the games room's, the abuse report's accused, reporter and display name). */
const REAL_USER_IDS = /\b(user[0-5]|gamer|mallory|12345|23456|tom)\b/;
const assertOnlyPseudonyms = (page: Page, where: string, pseudonym: string) => assertNoRealIds(page, where, pseudonym, REAL_USER_IDS);
