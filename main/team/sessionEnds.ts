// Ending sessions, and telling whoever holds them open. A session ends when its holder signs out,
// when it times out, and when its account is disabled or reset; the team server then closes that
// session's live event streams at once. Everything that ends sessions through one connection says
// so here, on that connection's channel; sessions ended by another process (`omv users disable`
// while the server runs) are noticed by Sessions.sweep().
import { EventEmitter } from 'node:events';
import { deleteSessionsOf } from '../store/accounts.js';
import { perConnection, type Db } from '../store/db.js';

export type SessionEndReason = 'signed out' | 'expired' | 'disabled' | 'reset' | 'ended elsewhere';

export interface SessionsEnded {
  accountId: number;
  /** The ids of the sessions that ended: what Sessions.resolve answered as `sessionId`. */
  sessionIds: readonly string[];
  reason: SessionEndReason;
}

export type SessionsEndedListener = (ended: SessionsEnded) => void;

const channelOf = perConnection(() => {
  const channel = new EventEmitter();
  channel.setMaxListeners(0); // one per Sessions and per server part that listens: not a leak
  return channel;
});

/** Hears every end of sessions announced on this connection; answers a function that stops listening. */
export function onSessionsEnded(db: Db, listener: SessionsEndedListener): () => void {
  const channel = channelOf(db);
  channel.on('ended', listener);
  return () => channel.off('ended', listener);
}

/** Says that sessions ended. Call it after the transaction that removed them committed. */
export function announceEnded(db: Db, ended: SessionsEnded): void {
  if (ended.sessionIds.length > 0) channelOf(db).emit('ended', ended);
}

/** Removes every session of an account (inside the caller's transaction); answers what to announce once it committed. */
export function removeSessionsOf(db: Db, accountId: number, reason: SessionEndReason): SessionsEnded {
  return { accountId, sessionIds: deleteSessionsOf(db, accountId), reason };
}
