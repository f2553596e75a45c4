// Runs the API's read calls on worker threads, each with its own read-only connection, so a slow
// search never holds up the receiver (which shares this process) or the UI's other calls — and
// stops a call that runs past the time limit, with a message that says what to do about it.
//
// better-sqlite3 cannot interrupt a statement (no sqlite3_interrupt), so a call over its limit is
// answered with QueryTimeoutError at once and its worker is terminated: the thread ends as soon as
// SQLite hands control back, and a fresh worker takes the next call.
import { Worker } from 'node:worker_threads';
import { READY, type QueryAnswer, type QueryRequest, type QueryWorkerData } from './queryProtocol.js';
import type { ReadArgs, ReadMethod, ReadRunner, ReadValue } from './readCalls.js';

export class QueryTimeoutError extends Error {}

export interface QueryPoolOptions extends QueryWorkerData {
  /** How long one call may run (ms). */
  timeoutMs: number;
  /** Calls that can run at once (default 2: one slow search leaves a worker for the timeline). */
  workers?: number;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 5000;

interface Job {
  request: QueryRequest;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Its connection is open: the time limit counts the call, not the worker's start. */
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

const WHAT: Partial<Record<ReadMethod, string>> = {
  search: 'This search',
  histogram: 'The activity chart',
  timeline: 'This page of the timeline',
  userActivity: "This user's activity",
};

function timeoutMessage(method: ReadMethod, timeoutMs: number): string {
  const what = WHAT[method] ?? `The ${method} request`;
  return `${what} took longer than ${timeoutMs / 1000} s and was stopped. Narrow it: pick a room, a user (from:) or a time range (after:, before:), or use longer words.`;
}

export class QueryPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: QueryPoolOptions) {}

  /** The ReadRunner the service takes. */
  readonly run: ReadRunner = <M extends ReadMethod>(method: M, args: ReadArgs<M>) =>
    new Promise<ReadValue<M>>((resolve, reject) => {
      if (this.closed) return reject(new Error('omv is shutting down'));
      this.queue.push({ request: { id: this.nextId++, method, args }, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('omv is shutting down'));
    await Promise.all(this.slots.splice(0).map((slot) => this.retire(slot, new Error('omv is shutting down'))));
  }

  private startSlot(): Slot {
    const data: QueryWorkerData = { path: this.options.path };
    const worker = new Worker(new URL('./queryWorker.js', import.meta.url), { workerData: data });
    const slot: Slot = { worker, ready: false, job: null, timer: null };
    worker.on('message', (message: QueryAnswer | typeof READY) => {
      if (message !== READY) return this.answered(slot, message);
      slot.ready = true;
      this.dispatch();
    });
    worker.on('error', (error) => this.replace(slot, error));
    worker.on('exit', (code) => this.replace(slot, new Error(`query worker stopped (exit code ${code})`)));
    return slot;
  }

  private dispatch(): void {
    // Workers start on demand, so one that cannot start fails the calls it is given, not a loop.
    while (this.slots.length < (this.options.workers ?? 2) && this.queue.length > 0) this.slots.push(this.startSlot());
    for (const slot of this.slots) {
      if (!slot.ready || slot.job !== null) continue;
      const job = this.queue.shift();
      if (!job) break;
      slot.job = job;
      slot.timer = setTimeout(() => this.replace(slot, new QueryTimeoutError(timeoutMessage(job.request.method, this.options.timeoutMs))), this.options.timeoutMs);
      slot.worker.postMessage(job.request);
    }
    // Workers keep the process alive only while there is work for them.
    const waiting = this.queue.length > 0;
    for (const slot of this.slots) slot.job !== null || (waiting && !slot.ready) ? slot.worker.ref() : slot.worker.unref();
  }

  private answered(slot: Slot, answer: QueryAnswer): void {
    const job = slot.job;
    if (!job || job.request.id !== answer.id) return;
    clearTimeout(slot.timer!);
    slot.job = null;
    slot.timer = null;
    if (answer.ok) job.resolve(answer.value);
    else job.reject(new Error(answer.error));
    this.dispatch();
  }

  /** Fails the slot's call (if any) with `error` and ends its worker; the next call starts a fresh one. */
  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already retired
    this.slots.splice(index, 1);
    void this.retire(slot, error);
    // A worker that could not even open the database fails what waits, rather than restarting forever.
    if (!slot.ready) for (const job of this.queue.splice(0)) job.reject(error);
    this.dispatch();
  }

  private async retire(slot: Slot, error: Error): Promise<void> {
    if (slot.timer) clearTimeout(slot.timer);
    slot.job?.reject(error);
    slot.job = null;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {}); // it may still report on its way out
    await slot.worker.terminate();
  }
}
