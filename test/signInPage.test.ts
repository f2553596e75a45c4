// The sign-in and enrolment pages in a real browser (Debian's Chromium through Playwright): the
// CSP lets their forms post, the cookies the browser keeps are HttpOnly and SameSite=Strict, the
// desk's page can read its CSRF token and sign out with it, axe finds nothing serious, light and
// dark. Screenshots in test-results/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addAccount } from '../main/team/accounts.js';
import { OPERATOR, PASSWORD, teamServer } from './support/accounts.js';
import { launchChromium } from './support/chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

interface Violation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

/** axe's serious and critical findings on the page as it is. */
async function seriousFindings(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE); // through the debugging protocol: the page's CSP does not govern it
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`a browser enrols, signs out with the page's CSRF token and signs in again (${colorScheme})`, async () => {
    const team = await teamServer();
    const link = addAccount(team.store.db, OPERATOR, 'maya', 'moderator', { now: team.store.clock.now() });
    const context = await browser.newContext({ colorScheme, viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => message.text().includes('Content Security Policy') && blocked.push(message.text()));
    try {
      await page.goto(`${team.base}${link.path}`);
      assert.equal(await page.locator('h1').textContent(), 'Choose a password');
      assert.deepEqual(await seriousFindings(page), [], 'the enrolment page');
      await screenshot(page, `enrol-${colorScheme}`);
      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByLabel('The same again').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${team.base}/`), page.getByRole('button', { name: 'Set password and sign in' }).click()]);
      assert.equal((await page.textContent('body'))?.trim(), 'the desk');
      assert.deepEqual(blocked, [], 'the CSP let the form post');

      const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
      assert.deepEqual([cookies['omv_session']?.httpOnly, cookies['omv_session']?.sameSite], [true, 'Strict']);
      assert.deepEqual([cookies['omv_csrf']?.httpOnly, cookies['omv_csrf']?.sameSite], [false, 'Strict']);
      assert.equal(cookies['omv_form'], undefined, 'the form token is gone');

      // The desk's page: it cannot see the session's token, reads its CSRF token, and signs out with it.
      const seen = await page.evaluate(() => document.cookie);
      assert.doesNotMatch(seen, /omv_session/);
      const status = await page.evaluate(async () => {
        const csrf = /(?:^|; )omv_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
        const write = await fetch('/api/write', { method: 'POST', headers: { 'x-omv-csrf': csrf } });
        const out = await fetch('/logout', { method: 'POST', headers: { 'x-omv-csrf': csrf } });
        return [write.status, out.status, new URL(out.url).pathname];
      });
      assert.deepEqual(status, [200, 200, '/login'], 'a write, then signed out and shown the sign-in page');
      assert.deepEqual(
        (await context.cookies()).map((c) => c.name).filter((name) => name !== 'omv_form'),
        [],
        'the session cookies are cleared',
      );

      await page.goto(`${team.base}/login`);
      await page.getByLabel('Name').fill('maya');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByRole('alert').textContent(), 'Wrong name or password.');
      assert.equal(await page.getByLabel('Name').inputValue(), 'maya', 'the name is kept');
      assert.deepEqual(await seriousFindings(page), [], 'the sign-in page with its problem');
      await screenshot(page, `login-problem-${colorScheme}`);
      team.store.clock.advance(1000); // past the wait the failure brought
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${team.base}/`), page.getByRole('button', { name: 'Sign in' }).click()]);
      await page.goto(`${team.base}/login`);
      assert.equal(page.url(), `${team.base}/`, 'signed in: /login goes home');

      await context.clearCookies();
      await page.goto(`${team.base}/login`);
      assert.deepEqual(await seriousFindings(page), [], 'the sign-in page');
      await screenshot(page, `login-${colorScheme}`);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, colorScheme === 'dark' ? 'rgb(17, 20, 24)' : 'rgb(244, 245, 247)', 'the scheme the system asks for');
    } finally {
      await context.close();
    }
  });
}
