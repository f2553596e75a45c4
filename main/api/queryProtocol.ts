// What passes between the query pool (main process) and its query hosts.
import type { ReadMethod } from './readCalls.js';

export interface QueryRequest {
  id: number;
  method: ReadMethod;
  args: unknown;
}

/** A failed call: its message, whether it was written for the moderator (an error's class does not cross processes), its stack for the log. */
export type QueryAnswer =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string; userFacing: boolean; stack: string | undefined };

/** The first message a host sends: its connection is open. */
export const READY = 'ready';

/** A query host as the pool sees it, whichever way it was started. */
export interface QueryHostProcess {
  postMessage(message: QueryRequest): void;
  onMessage(listener: (message: QueryAnswer | typeof READY) => void): void;
  onExit(listener: (code: number | null) => void): void;
  /** Stops it at once, in the middle of a statement if need be. */
  kill(): void;
  /** Whether it keeps this process alive (only while it has work). */
  keepAlive(yes: boolean): void;
}

/** Starts the host script with the database path (Node: child_process.fork; Electron: utilityProcess.fork). */
export type StartQueryHost = (script: string, databasePath: string) => QueryHostProcess;
