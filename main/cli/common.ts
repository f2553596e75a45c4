// What every command shares: the database flag, argument errors, time arguments.
import type { Actor } from '../../shared/access.js';
import { operatorActor } from '../api/actors.js';
import type { OmvService } from '../api/service.js';
import { openDatabase, type Db, type OpenOptions } from '../store/db.js';
import { endOfDay, parseInstant } from '../../shared/instant.js';
import { defaultDatabasePath } from '../store/paths.js';
import { forTerminal } from './terminalText.js';

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export function openDatabaseFor(dbFlag: string | undefined, options: OpenOptions = {}): Db {
  const path = dbFlag ?? defaultDatabasePath();
  process.stderr.write(`omv: database ${forTerminal(path)}\n`);
  return openDatabase(path, options);
}

/** `--from`/`--to`: epoch milliseconds, or an ISO 8601 date or time (UTC unless it names a zone). */
export function parseTimeArgument(flag: string, text: string, end: 'start' | 'end'): number {
  const instant = parseInstant(text);
  if (!instant) throw new UsageError(`${flag} takes epoch milliseconds or an ISO 8601 date, not "${text}"`);
  // A bare date as an upper bound means the whole of that day.
  return instant.wholeDay && end === 'end' ? endOfDay(instant) : instant.ms;
}

export function parsePositiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} takes a positive whole number, not "${text}"`);
  return Number(text);
}

/** Seconds, fractions allowed: 5, 0.5. */
export function parsePositiveSeconds(flag: string, text: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || Number(text) <= 0)
    throw new UsageError(`${flag} takes a number of seconds such as 5 or 0.5, not "${text}"`);
  return Number(text);
}

/** 16M, 512K, 1G or a plain byte count. */
export function parseByteSize(flag: string, text: string): number {
  const match = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${flag} takes a size such as 16M or 1048576, not "${text}"`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * scale;
}

/** `--as NAME`, taken off the command line (by main/cli.ts) before the command reads its flags: every command takes it. */
let actingAs: string | undefined;
export function takeActingAs(args: readonly string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === '--as' || arg.startsWith('--as=')) {
      const name = arg === '--as' ? args[++i] : arg.slice('--as='.length);
      if (name === undefined || name.trim() === '') throw new UsageError('--as takes the name to record the action under');
      actingAs = name.trim();
    } else rest.push(arg);
  }
  return rest;
}

/** Who is acting, for the audit trail: --as NAME, else $OMV_MODERATOR, else the desk's moderator, else the OS user (main/api/actors.ts). */
export function cliActor(db: Db): Actor {
  return operatorActor(db, actingAs);
}

/** The API, as the desk has it, for a command that changes what moderators see (the CLI goes through it too). */
export async function cliService(db: Db): Promise<OmvService> {
  const [{ createService }, { readsOnThisThread }, { EventHub }] = await Promise.all([
    import('../api/service.js'),
    import('../api/readCalls.js'),
    import('../api/events.js'),
  ]);
  return createService({
    reads: readsOnThisThread(db),
    db,
    events: new EventHub(),
    receiver: { callbackUrl: () => null, problem: () => null },
  });
}
