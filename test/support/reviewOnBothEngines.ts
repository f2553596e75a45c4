// The review workflow's changes made alike on both engines: the desk of deskOnBothEngines.ts, with
// the API's service over each (SQLite's writer on the file, PostgreSQL's over the copy), and
// `sameChange`, which makes one change on both and asserts the same outcome: the same answer (or
// the same refusal, a conflict's fields included), the same audit rows appended, the same events
// told to the desks. Times the tests' changes stamp differ by the moment each engine made them:
// they are compared as "a time of the test" (timesSince), not as numbers.
import assert from 'node:assert/strict';
import type { Actor } from '../../shared/access.js';
import type { ApiArgs, ApiEvent, PlainMethod } from '../../shared/api.js';
import { EventHub } from '../../main/api/events.js';
import type { ReadArgs, ReadMethod, ReadValue } from '../../main/api/readCalls.js';
import { pgDeskWriter } from '../../main/api/pgDeskWriter.js';
import { createService, type OmvService } from '../../main/api/service.js';
import { sqliteWriter } from '../../main/api/sqliteWriter.js';
import { deskOnBothEngines, type DeskOnBothEngines } from './deskOnBothEngines.js';
import { query } from './postgres.js';

export interface ReviewOnBothEngines extends DeskOnBothEngines {
  services: { sqlite: OmvService; pg: OmvService };
  events: { sqlite: ApiEvent[]; pg: ApiEvent[] };
  /** Each service's events, for a test that acts on one as it is told (cancels an export once it began). */
  hubs: { sqlite: EventHub; pg: EventHub };
  /** When the desk was made: a time after it was stamped by a test's change (see timesSince). */
  madeAt: number;
}

const receiver = { callbackUrl: () => null, problem: () => null };

export async function reviewOnBothEngines(): Promise<ReviewOnBothEngines> {
  const desk = await deskOnBothEngines();
  const hubs = { sqlite: new EventHub(), pg: new EventHub() };
  const events = { sqlite: [] as ApiEvent[], pg: [] as ApiEvent[] };
  hubs.sqlite.subscribe((event) => events.sqlite.push(event));
  hubs.pg.subscribe((event) => events.pg.push(event));
  return {
    ...desk,
    madeAt: Date.now(),
    events,
    hubs,
    services: {
      sqlite: createService({
        reads: desk.sqlite,
        writer: sqliteWriter({ db: desk.db, reads: desk.sqlite, events: hubs.sqlite }),
        events: hubs.sqlite,
        receiver,
      }),
      pg: createService({
        reads: desk.pg,
        writer: await pgDeskWriter(desk.engine, { reads: desk.pg, events: hubs.pg }),
        events: hubs.pg,
        receiver,
      }),
    },
  };
}

/** Moderators of each role, as a team server's accounts make their calls. */
export const ACTORS = {
  admin: { name: 'maya', role: 'admin', via: 'operator' },
  lead: { name: 'lena', role: 'lead', via: 'account', accountId: 2 },
  moderator: { name: 'bob', role: 'moderator', via: 'account', accountId: 3 },
  other: { name: 'cleo', role: 'moderator', via: 'account', accountId: 4 },
} as const satisfies Record<string, Actor>;

/**
 * `value` with every time stamped since `since` (a number in [since, now], or an ISO instant in a
 * message) as 'a time of the test': each engine stamps a change with its own moment.
 */
export function timesSince(value: unknown, since: number, to = Date.now()): unknown {
  if (typeof value === 'number') return value >= since && value <= to ? 'a time of the test' : value;
  if (typeof value === 'string')
    return value.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, (iso) => String(timesSince(Date.parse(iso), since, to)));
  if (Array.isArray(value)) return value.map((item) => timesSince(item, since, to));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, timesSince(item, since, to)]));
  return value;
}

export interface AuditTail {
  action: string;
  moderator: string;
  details: unknown;
}

async function trailAfter(desk: ReviewOnBothEngines, engine: 'sqlite' | 'pg', after: number): Promise<AuditTail[]> {
  const rows =
    engine === 'sqlite'
      ? desk.db
          .prepare<[number], { action: string; moderator: string; details: string }>(
            'SELECT action, moderator, details FROM audit_log WHERE id > ? ORDER BY id',
          )
          .all(after)
      : await query<{ action: string; moderator: string; details: string }>(
          desk.cluster.url,
          'SELECT action, moderator, details FROM audit_log WHERE id > $1 ORDER BY id',
          [after],
        );
  return rows.map((row) => ({ action: row.action, moderator: row.moderator, details: JSON.parse(row.details) as unknown }));
}

async function trailLength(desk: ReviewOnBothEngines): Promise<{ sqlite: number; pg: number }> {
  const sqlite = desk.db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get()!;
  const [{ n }] = (await query<{ n: number }>(desk.cluster.url, 'SELECT coalesce(max(id), 0)::int AS n FROM audit_log')) as [{ n: number }];
  return { sqlite, pg: n };
}

/** A call's answer, or its refusal as sameChange compares it (the class, the message, a conflict's fields). */
export interface Outcome {
  answered?: unknown;
  failed?: string;
  conflict?: unknown;
}

export async function outcome<M extends PlainMethod>(service: OmvService, actor: Actor, method: M, args: ApiArgs<M>): Promise<Outcome> {
  try {
    return { answered: await service.call(actor, method, args) };
  } catch (error) {
    const conflict = (error as { conflict?: unknown }).conflict;
    return {
      failed: error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error),
      ...(conflict === undefined ? {} : { conflict }),
    };
  }
}

/**
 * Makes `method(args)` as `actor` on SQLite, then on PostgreSQL, and asserts the same outcome (as
 * `compared` sees it), the same audit rows and the same events. Returns SQLite's outcome ({ answered } or { failed }).
 */
export async function sameChange<M extends PlainMethod>(
  desk: ReviewOnBothEngines,
  actor: Actor,
  method: M,
  args: ApiArgs<M>,
  { compared = (answer: unknown) => answer }: { compared?: (answer: unknown) => unknown } = {},
): Promise<{ answered?: unknown; failed?: string; conflict?: unknown }> {
  const label = `${actor.name}: ${method}(${JSON.stringify(args)})`;
  const trail = await trailLength(desk);
  desk.events.sqlite.splice(0);
  desk.events.pg.splice(0);
  const fromFile = await outcome(desk.services.sqlite, actor, method, args);
  const fromPg = await outcome(desk.services.pg, actor, method, args);
  const same = (value: unknown) => timesSince(value, desk.madeAt);
  assert.deepEqual(same(compared(fromPg)), same(compared(fromFile)), label);
  assert.deepEqual(
    same(await trailAfter(desk, 'pg', trail.pg)),
    same(await trailAfter(desk, 'sqlite', trail.sqlite)),
    `${label}: its audit rows`,
  );
  assert.deepEqual(same(desk.events.pg), same(desk.events.sqlite), `${label}: the events the desks are told`);
  return fromFile as { answered?: unknown; failed?: string; conflict?: unknown };
}

/**
 * sameChange for what is not a plain call (importFiles, exportCsv) or is compared otherwise:
 * `run` does the work on one engine's service and answers what is compared (an export's answer
 * with its bytes and its manifest file, read before the other engine writes its own); the same
 * audit rows (as `trail` sees each) and the same events (as `told` sees each) are asserted too. Returns SQLite's outcome.
 */
export async function sameWork(
  desk: ReviewOnBothEngines,
  label: string,
  run: (service: OmvService, engine: 'sqlite' | 'pg') => Promise<unknown>,
  {
    compared = (outcome: unknown) => outcome,
    trail = (row: AuditTail) => row,
    told = (event: ApiEvent) => event,
  }: {
    compared?: (outcome: unknown, engine: 'sqlite' | 'pg') => unknown;
    trail?: (row: AuditTail, engine: 'sqlite' | 'pg') => unknown;
    told?: (event: ApiEvent) => unknown;
  } = {},
): Promise<{ answered?: unknown; failed?: string }> {
  const length = await trailLength(desk);
  desk.events.sqlite.splice(0);
  desk.events.pg.splice(0);
  const attempt = async (engine: 'sqlite' | 'pg') => {
    try {
      return { answered: await run(desk.services[engine], engine) };
    } catch (error) {
      return { failed: error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error) };
    }
  };
  const fromFile = await attempt('sqlite');
  const fromPg = await attempt('pg');
  const same = (value: unknown) => timesSince(value, desk.madeAt);
  assert.deepEqual(same(compared(fromPg, 'pg')), same(compared(fromFile, 'sqlite')), label);
  assert.deepEqual(
    same((await trailAfter(desk, 'pg', length.pg)).map((row) => trail(row, 'pg'))),
    same((await trailAfter(desk, 'sqlite', length.sqlite)).map((row) => trail(row, 'sqlite'))),
    `${label}: its audit rows`,
  );
  assert.deepEqual(same(desk.events.pg.map(told)), same(desk.events.sqlite.map(told)), `${label}: the events the desks are told`);
  return fromFile;
}

/** A read asked of both engines after the tests' changes: the same answer, the times they stamped taken as such (timesSince). Answers SQLite's. */
export async function sameRead<M extends ReadMethod>(desk: ReviewOnBothEngines, method: M, args: ReadArgs<M>): Promise<ReadValue<M>> {
  const [fromFile, fromPg] = await Promise.all([desk.sqlite(method, args), desk.pg(method, args)]);
  assert.deepEqual(timesSince(fromPg, desk.madeAt), timesSince(fromFile, desk.madeAt), `${method}(${JSON.stringify(args)})`);
  return fromFile;
}
