// Pseudonyms hide every real user ID: checked on a page's text, its attributes and field values,
// Playwright's aria snapshot and Chromium's accessibility tree.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** Nothing on the page names a real user: its text, any attribute or field value, Playwright's aria snapshot, Chromium's accessibility tree. */
export async function assertNoRealIds(page: Page, where: string, pseudonym: string, REAL_USER_IDS: RegExp): Promise<void> {
  const text = await page.evaluate(() => document.body.textContent ?? '');
  const attributes = await page.evaluate(() =>
    Array.from(document.querySelectorAll('*')).flatMap((el) => [
      ...Array.from(el.attributes).map((a) => `${el.tagName.toLowerCase()}[${a.name}="${a.value}"]`),
      ...(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? [`${el.tagName.toLowerCase()}.value="${el.value}"`] : []),
    ]),
  );
  const aria = await page.locator('body').ariaSnapshot();
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: unknown[] };
  await cdp.detach();
  const tree = JSON.stringify(nodes);
  assert.doesNotMatch(text, REAL_USER_IDS, `${where}: the text names a real user`);
  assert.deepEqual(
    attributes.filter((a) => REAL_USER_IDS.test(a)),
    [],
    `${where}: an attribute names a real user`,
  );
  assert.doesNotMatch(aria, REAL_USER_IDS, `${where}: the aria snapshot names a real user`);
  assert.doesNotMatch(tree, REAL_USER_IDS, `${where}: the accessibility tree names a real user`);
  assert.ok(text.includes(pseudonym), `${where} shows ${pseudonym}`);
  assert.ok(aria.includes(pseudonym.startsWith('from:') ? pseudonym.slice(5) : pseudonym), `${where}'s aria snapshot names ${pseudonym}`);
}
