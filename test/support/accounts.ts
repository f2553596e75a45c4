// Team server accounts for tests: a database of its own, a clock the test moves, accounts made
// the way an admin makes them (omv users add, then the enrolment link).
import { join } from 'node:path';
import type { Actor, Role } from '../../shared/access.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { addAccount } from '../../main/team/accounts.js';
import { Sessions, type SessionPolicy } from '../../main/team/sessions.js';
import { tempDir } from './tmp.js';

/** Who adds accounts in tests: the operator at the command line. */
export const OPERATOR: Actor = { name: 'op-olga', role: 'admin', via: 'operator' };

export const PASSWORD = 'correct horse battery staple';

/** A clock that moves only when told. */
export class Clock {
  constructor(public time = Date.now()) {}
  readonly now = () => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface TeamStore {
  db: Db;
  path: string;
  clock: Clock;
  sessions: Sessions;
}

export function teamStore(policy: Partial<SessionPolicy> = {}): TeamStore {
  const path = join(tempDir('omv-team-'), 'omv.sqlite');
  const db = openDatabase(path);
  const clock = new Clock();
  return { db, path, clock, sessions: new Sessions(db, { now: clock.now, policy }) };
}

/** An account that enrolled with `password` (its enrolment session signed out again). */
export async function enrolled(store: TeamStore, name: string, role: Role = 'moderator', password = PASSWORD): Promise<void> {
  const link = addAccount(store.db, OPERATOR, name, role, { now: store.clock.now() });
  const result = await store.sessions.enrol(link.token, password);
  if (!result.ok) throw new Error(`enrolment failed: ${result.message}`);
  store.sessions.signOut(result.token);
}
