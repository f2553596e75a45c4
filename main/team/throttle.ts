// Failed sign-ins slow down whoever is guessing. Per name and per client address, every failure
// makes the next attempt wait longer: 250 ms after the first, doubling each time, at most 60 s.
// Ten failures in a row on one name lock it for 15 minutes. A record whose last failure is 15
// minutes old is forgotten, and so is one whose lock ran out: the count starts again.
//
// The same rule holds for a name that is an account (kept in its row, so a restart forgets
// nothing) and for one that is not (kept here, in memory): the answers to a guesser are the same
// either way, so they cannot tell which names exist. An address is slowed down but never locked.

export interface ThrottlePolicy {
  /** The wait after the first failure; each further one doubles it. */
  delayBaseMs: number;
  delayMaxMs: number;
  /** Failures in a row that lock a name (0: never). */
  lockAfter: number;
  lockMs: number;
  /** A record this long after its last failure (and not locked) is forgotten. */
  forgetAfterMs: number;
}

export const SIGN_IN_THROTTLE: Readonly<ThrottlePolicy> = {
  delayBaseMs: 250,
  delayMaxMs: 60_000,
  lockAfter: 10,
  lockMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
};

export interface FailureRecord {
  failures: number;
  lastFailedAt: number | null;
  lockedUntil: number | null;
}

export const NO_FAILURES: Readonly<FailureRecord> = { failures: 0, lastFailedAt: null, lockedUntil: null };

/** The wait after `failures` failures in a row: 250 ms × 2^(failures − 1), capped. */
export function delayAfter(failures: number, policy: ThrottlePolicy = SIGN_IN_THROTTLE): number {
  if (failures <= 0) return 0;
  return Math.min(policy.delayBaseMs * 2 ** Math.min(failures - 1, 30), policy.delayMaxMs);
}

/** Whether the record's count has run out: a lock that ended, or a last failure long enough ago. */
function isSpent(record: FailureRecord, now: number, policy: ThrottlePolicy): boolean {
  if (record.lockedUntil !== null) return record.lockedUntil <= now;
  return record.lastFailedAt === null || now - record.lastFailedAt >= policy.forgetAfterMs;
}

export type Refusal = { why: 'locked' | 'throttled'; retryAfterMs: number };

/** Why an attempt now must wait, and how long; null when it may go ahead. */
export function mustWait(record: FailureRecord, now: number, policy: ThrottlePolicy = SIGN_IN_THROTTLE): Refusal | null {
  if (record.lockedUntil !== null && record.lockedUntil > now) return { why: 'locked', retryAfterMs: record.lockedUntil - now };
  if (isSpent(record, now, policy) || record.lastFailedAt === null) return null;
  const until = record.lastFailedAt + delayAfter(record.failures, policy);
  return until > now ? { why: 'throttled', retryAfterMs: until - now } : null;
}

/** The record after one more failure at `now`; `lockable` false for an address (slowed, never locked). */
export function afterFailure(
  record: FailureRecord,
  now: number,
  lockable: boolean,
  policy: ThrottlePolicy = SIGN_IN_THROTTLE,
): FailureRecord {
  const failures = (isSpent(record, now, policy) ? 0 : record.failures) + 1;
  const locks = lockable && policy.lockAfter > 0 && failures >= policy.lockAfter;
  return { failures, lastFailedAt: now, lockedUntil: locks ? now + policy.lockMs : null };
}

/** Failure records kept in memory (addresses; names that are no account), at most `capacity`, the oldest forgotten first. */
export class FailureMemory {
  private readonly records = new Map<string, FailureRecord>();

  constructor(private readonly capacity = 10_000) {}

  get(key: string): FailureRecord {
    return this.records.get(key) ?? NO_FAILURES;
  }

  set(key: string, record: FailureRecord): void {
    this.records.delete(key); // re-inserted: the newest last, so the oldest is first to go
    this.records.set(key, record);
    if (this.records.size > this.capacity) this.records.delete(this.records.keys().next().value!);
  }
}
