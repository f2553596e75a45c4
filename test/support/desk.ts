// A desk for end-to-end tests: a real `omv serve` on a database of its own, real callbacks, and
// Debian's Chromium driven by Playwright; screenshots in test-results/screenshots/, axe findings
// in test-results/axe/, and what a failed test showed in test-results/failures/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './chromium.js';
import { omvServe, stop, type ServeProcess } from './cli.js';
import { callbackUrl, postForm } from './http.js';
import { messagesXml, type EntrySpec } from './payloads.js';
import { postgresSkipReason, startPostgres } from './postgres.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const AXE_RESULTS = join(process.cwd(), 'test-results', 'axe');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const BASE = Date.UTC(2024, 2, 1, 9, 0);

let browser: Browser;
const pageErrors: string[] = [];
const running: Array<{ server: ServeProcess; dataDir: string }> = [];

/** The engines a desk runs on; a suite run on both names them (postgres only where PostgreSQL is installed). */
export type DeskEngine = 'sqlite' | 'postgres';
export const DESK_ENGINES: ReadonlyArray<{ engine: DeskEngine; skip?: string }> = [
  { engine: 'sqlite' },
  { engine: 'postgres', ...(postgresSkipReason() ? { skip: postgresSkipReason() } : {}) },
];

/** One omv serve on a database of its own, and what a test does with it. */
export interface Desk {
  viewerUrl: string;
  callbackUrl: string;
  dataDir: string;
  /** Where the desk keeps its data, as the CLI takes it: --db FILE, or --store postgres://…. */
  storeArgs: string[];
  deliver(rooms: Parameters<typeof messagesXml>[0], callID: string): ReturnType<typeof postForm>;
  /** A callback of any function with any payload, as the vendor sends it. */
  call(fn: string, payload: string | Uint8Array, callID: string): ReturnType<typeof postForm>;
  /** A page on the desk; `beforeLoad` is given it before it loads (to listen to what it asks). */
  open(
    colorScheme?: 'light' | 'dark',
    viewport?: { width: number; height: number },
    beforeLoad?: (page: Page) => void,
    timezoneId?: string,
  ): Promise<Page>;
  stop(): void;
}

/**
 * A desk on a database of its own. `prepare` gets the database file first, before omv serve opens
 * it: to leave in it what an older omv (or a damaged file) would have. `store` serves a PostgreSQL
 * store (postgres://…) instead of a file; `engine: 'postgres'` makes one for the test.
 */
export async function newDesk(
  moderator = 'mod-e2e',
  { prepare, store, engine = 'sqlite' }: { prepare?: (dbPath: string) => void | Promise<void>; store?: string; engine?: DeskEngine } = {},
): Promise<Desk> {
  const dataDir = mkdtempSync(join(tmpdir(), 'omv-e2e-'));
  await prepare?.(join(dataDir, 'omv.sqlite'));
  // A desk on PostgreSQL: a cluster of its own for the test, stopped after it.
  if (engine === 'postgres' && store === undefined) store = (await startPostgres()).url;
  // The moderator is named by the operator, so the first-start question does not come up (its own test asks it).
  const storeArgs = store ? ['--store', store] : ['--db', join(dataDir, 'omv.sqlite')];
  const server = await omvServe(storeArgs, {
    killAfterTest: false,
    env: { ...process.env, OMV_MODERATOR: moderator },
  });
  running.push({ server, dataDir });
  const desk: Desk = {
    viewerUrl: /viewer at (\S+)/.exec(server.output())![1]!,
    callbackUrl: server.callbackUrl,
    dataDir,
    storeArgs,
    deliver: (rooms, callID) =>
      postForm(
        callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', type: 'chat', callID }),
        messagesXml(rooms, { callID }),
      ),
    call: (fn, payload, callID) => postForm(callbackUrl(server.callbackUrl, { function: fn, domainID: 'example.com', callID }), payload),
    async open(colorScheme = 'light', viewport = { width: 1360, height: 860 }, beforeLoad, timezoneId) {
      const page = await browser.newPage({ viewport, colorScheme, acceptDownloads: true, ...(timezoneId ? { timezoneId } : {}) });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      beforeLoad?.(page);
      await page.goto(desk.viewerUrl);
      await page.getByTestId('status-bar').waitFor();
      return page;
    },
    stop: () => stop(server.child),
  };
  return desk;
}

/** A lobby of 60 messages and a join, a games room, and one hostile message two hours later. */
export async function lobbyDesk(options: Parameters<typeof newDesk>[1] = {}): Promise<Desk> {
  const desk = await newDesk(undefined, options);
  const lobby: EntrySpec[] = Array.from({ length: 60 }, (_, i) => ({
    ts: BASE + i * 60_000,
    user: `user${i % 6}`,
    content: `lobby chatter number ${i}`,
  }));
  lobby.splice(10, 0, { ts: BASE + 10 * 60_000 + 1, user: 'user1', type: 'join' });
  const answers = [
    await desk.deliver({ lobby, games: [{ ts: BASE + 5, user: 'gamer', content: 'good game everyone' }] }, 'seed-1'),
    await desk.deliver({ lobby: [{ ts: BASE + 3_600_000 * 2, user: 'mallory', content: XSS }] }, 'seed-2'),
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200],
  );
  return desk;
}

/** Drops the errors pages have logged so far (a test that made them on purpose). */
export function forgetPageErrors(): void {
  pageErrors.splice(0);
}

/** Closes a page, failing the test if any script on it threw. */
export async function done(page: Page): Promise<void> {
  await page.close();
  assert.deepEqual(pageErrors.splice(0), [], 'the page threw');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Runs axe on the page as it is; keeps every finding in test-results/axe/NAME.json and answers the serious ones. */
export async function axe(page: Page, name: string): Promise<AxeViolation[]> {
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe
      .run;
    return (await run(document, { resultTypes: ['violations'] })).violations;
  });
  mkdirSync(AXE_RESULTS, { recursive: true });
  writeFileSync(join(AXE_RESULTS, `${name}.json`), JSON.stringify(violations, null, 2));
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export const describeViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`).join('\n');

/** The page as it is, in the light and the dark theme: a screenshot of each, and axe's serious findings of either, described. */
export async function keepInBothThemes(page: Page, name: string): Promise<string[]> {
  const findings: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, `${name}-${scheme}`);
    const serious = await axe(page, `${name}-${scheme}`);
    if (serious.length) findings.push(`${name} (${scheme}):\n${describeViolations(serious)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return findings;
}

/** A test that failed leaves its page open: keep what it showed in test-results/failures/, then close it. */
async function keepFailedPages(context: { name: string }): Promise<void> {
  const pages = browser.contexts().flatMap((c) => c.pages());
  for (const [i, page] of pages.entries()) {
    mkdirSync(join(process.cwd(), 'test-results', 'failures'), { recursive: true });
    await page.screenshot({
      path: join(process.cwd(), 'test-results', 'failures', `${context.name.replace(/\W+/g, '-').slice(0, 80)}-${i}.png`),
    });
    await page.close();
  }
}

export function stopDesks(): void {
  for (const { server, dataDir } of running.splice(0)) {
    stop(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Registers the hooks of a file of desk tests: Chromium, launched for the file. */
export function deskTests(): void {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set OMV_CHROMIUM`);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
}

/** After each test of a suite whose tests start their own desks: its failed pages kept, its servers stopped. */
export async function endDeskTest(context: { name: string }): Promise<void> {
  await keepFailedPages(context);
  stopDesks();
}

/** One of the desk's places, opened in the dark theme and kept as a screenshot. */
export async function screenshotPlace(desk: Desk, place: string, shown: string, name: string): Promise<void> {
  const page = await desk.open('dark');
  await page.getByTestId(`nav-${place}`).click();
  await page.getByTestId(shown).waitFor();
  await screenshot(page, name);
  await done(page);
}

/** A call to the viewer's API, as the page makes it (with the key): its status, and its value or error. */
export async function callViewerAnswer(
  desk: Desk,
  method: string,
  args: object = {},
): Promise<{ status: number; ok: boolean; value?: unknown; error?: string }> {
  const key = new URL(desk.viewerUrl).searchParams.get('key')!;
  const response = await fetch(`${new URL(desk.viewerUrl).origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-omv-key': key },
    body: JSON.stringify(args),
  });
  const body = (await response.json()) as { ok: boolean; value?: unknown; error?: string };
  return { status: response.status, ...body };
}

/** A call to the viewer's API, as the page makes it (with the key). */
export async function callViewer<T>(desk: Desk, method: string, args: object = {}): Promise<T> {
  return (await callViewerAnswer(desk, method, args)).value as T;
}

export const fetchAudit = async (desk: Desk) =>
  (await callViewer<{ rows: Array<{ action: string; details: unknown }> }>(desk, 'audit')).rows;
export const fetchReports = async (desk: Desk) =>
  (await callViewer<Array<{ id: number; status: string }>>(desk, 'reports')).map((r) => `${r.id}\t${r.status}`);
