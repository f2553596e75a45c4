// What passes between the query pool (main thread) and its workers.
import type { ReadMethod } from './readCalls.js';

export interface QueryWorkerData {
  path: string;
}

export interface QueryRequest {
  id: number;
  method: ReadMethod;
  args: unknown;
}

export type QueryAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The first message a worker sends: its connection is open. */
export const READY = 'ready';
