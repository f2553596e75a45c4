// omv serve --store postgres://…: the receiver over a PostgreSQL store. Receive only, for now: the
// desk, the viewer and the team server read SQLite (issue #19 moves them onto the store seam), so
// serving PostgreSQL needs --no-viewer, and says so. What the operator is told at the start: the
// server and whether a commit (and so a 200) waits for a synchronous standby.
import { errorMessage } from '../../shared/errorMessage.js';
import { forTerminal } from '../../shared/visibleText.js';
import { startReceiver, type ReceiverOptions } from '../intake/receiver/server.js';
import { openPgEngine, type PgEngine } from '../store/pg/engine.js';
import { announceReceiver } from './receiving.js';
import { untilStopped } from './serving.js';

/** The URL without its password (given before the host, or as ?password=), to be shown. */
export function shownStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'postgres://(a URL that does not parse)';
  }
}

async function standbyLine(engine: PgEngine): Promise<string> {
  const settings = await engine.writes.settings(['server_version', 'synchronous_standby_names', 'synchronous_commit']);
  const standbys = settings['synchronous_standby_names'] ?? '';
  return standbys.trim()
    ? `omv: PostgreSQL ${settings['server_version']}; a 200 goes out once the synchronous standby (${forTerminal(standbys)}) has the delivery too\n`
    : `omv: PostgreSQL ${settings['server_version']}; no synchronous standby is configured (synchronous_standby_names): a 200 means the delivery is on this server's disk\n`;
}

export async function servePostgres(url: string, receiverOptions: Omit<ReceiverOptions, 'deliveries'>): Promise<number> {
  process.stderr.write(`omv: store ${shownStoreUrl(url)}\n`);
  let engine: PgEngine;
  try {
    engine = await openPgEngine(url);
  } catch (error) {
    throw new Error(`PostgreSQL at ${shownStoreUrl(url)} could not be opened: ${errorMessage(error)}`);
  }
  try {
    const receiver = await startReceiver({ ...receiverOptions, deliveries: engine.writes });
    process.stdout.write((await standbyLine(engine)) + announceReceiver(receiver));
    await untilStopped();
    await receiver.close();
  } finally {
    await engine.close();
  }
  return 0;
}
