// Runs the API's read calls in query hosts — processes of their own, each with a read-only
// connection — so a slow search never holds up the receiver (which shares this process) or the
// UI's other calls, and a call that runs past the time limit is stopped with a message that says
// what to do about it. Its host is killed on the spot (SQLite cannot be interrupted from outside,
// and a thread could only be waited for), and a fresh one takes the next call.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { READY, type QueryAnswer, type QueryHostProcess, type QueryRequest, type StartQueryHost } from './queryProtocol.js';
import type { ReadArgs, ReadMethod, ReadRunner, ReadValue } from './readCalls.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { timeoutMessage } from './queryLimit.js';

export class QueryTimeoutError extends UserFacingError {}

export interface QueryPoolOptions {
  /** The database file. */
  path: string;
  /** How long one call may run (ms). */
  timeoutMs: number;
  /** Calls that can run at once (default 2: one slow search leaves a host for the timeline). */
  hosts?: number;
  /** How hosts are started (default: Node's fork; the desktop app passes Electron's utility process). */
  start?: StartQueryHost;
}

export { DEFAULT_QUERY_TIMEOUT_MS, timeoutMessage } from './queryLimit.js';
export const QUERY_HOST_SCRIPT = fileURLToPath(new URL('./queryHost.js', import.meta.url));

/** A query host as a child process of this Node process. */
export const forkQueryHost: StartQueryHost = (script, databasePath) => {
  // execArgv: none of this process's Node flags (a test runner's, an inspector's) are the host's.
  const child = fork(script, [databasePath], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  return {
    postMessage: (message) => child.send(message),
    onMessage: (listener) => child.on('message', listener as (message: unknown) => void),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill('SIGKILL'),
    keepAlive: (yes) => {
      if (yes) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
  };
};

interface Job {
  request: QueryRequest;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  host: QueryHostProcess;
  /** Its connection is open: the time limit counts the call, not the host's start. */
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Calls that bring the rows the moderator is waiting to see (the timeline's pages, a search's
 * page of hits, an entry in its context): queued ahead of the charts, counts and lists asked for
 * at the same moment, which can follow.
 */
const ROWS_FIRST: ReadonlySet<ReadMethod> = new Set<ReadMethod>(['timeline', 'search', 'searchPage', 'context']);

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
      const job: Job = { request: { id: this.nextId++, method, args }, resolve: resolve as (value: unknown) => void, reject };
      // Rows first: after the rows already waiting, before everything else (in the order asked).
      const at = ROWS_FIRST.has(method) ? this.queue.findIndex((queued) => !ROWS_FIRST.has(queued.request.method)) : -1;
      this.queue.splice(at === -1 ? this.queue.length : at, 0, job);
      this.dispatch();
    });

  /**
   * Starts the hosts now, before any call: the desk's first calls then find connections open
   * rather than wait for processes to start (a Node process and its modules: 100 ms and more on a
   * busy machine). Idle hosts do not keep this process alive.
   */
  warm(): void {
    if (this.closed) return;
    while (this.slots.length < (this.options.hosts ?? 2)) this.slots.push(this.startSlot());
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('omv is shutting down'));
    for (const slot of this.slots.splice(0)) this.retire(slot, new Error('omv is shutting down'));
  }

  private startSlot(): Slot {
    const host = (this.options.start ?? forkQueryHost)(QUERY_HOST_SCRIPT, this.options.path);
    const slot: Slot = { host, ready: false, job: null, timer: null };
    host.onMessage((message) => {
      if (message !== READY) return this.answered(slot, message);
      slot.ready = true;
      this.dispatch();
    });
    host.onExit((code) => this.replace(slot, new Error(`a query host stopped (exit code ${code})`)));
    return slot;
  }

  private dispatch(): void {
    // Hosts start on demand — for calls no idle or starting host will take — so one that cannot
    // start fails the calls it is given, not a loop.
    const free = () => this.slots.filter((slot) => slot.job === null).length;
    while (this.slots.length < (this.options.hosts ?? 2) && this.queue.length > free()) this.slots.push(this.startSlot());
    for (const slot of this.slots) {
      if (!slot.ready || slot.job !== null) continue;
      const job = this.queue.shift();
      if (!job) break;
      slot.job = job;
      slot.timer = setTimeout(
        () => this.replace(slot, new QueryTimeoutError(timeoutMessage(job.request.method, this.options.timeoutMs))),
        this.options.timeoutMs,
      );
      slot.host.postMessage(job.request);
    }
    // Hosts keep this process alive only while there is work for them.
    const waiting = this.queue.length > 0;
    for (const slot of this.slots) slot.host.keepAlive(slot.job !== null || (waiting && !slot.ready));
  }

  private answered(slot: Slot, answer: QueryAnswer): void {
    const job = slot.job;
    if (!job || job.request.id !== answer.id) return;
    clearTimeout(slot.timer!);
    slot.job = null;
    slot.timer = null;
    if (answer.ok) job.resolve(answer.value);
    else {
      const error = answer.userFacing ? new UserFacingError(answer.error) : new Error(answer.error);
      error.stack = answer.stack ?? error.stack; // where it happened, in the host
      job.reject(error);
    }
    this.dispatch();
  }

  /** Fails the slot's call (if any) with `error` and kills its host; the next call starts a fresh one. */
  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already retired
    this.slots.splice(index, 1);
    this.retire(slot, error);
    // A host that could not even open the database fails what waits, rather than restarting forever.
    if (!slot.ready) for (const job of this.queue.splice(0)) job.reject(error);
    this.dispatch();
  }

  private retire(slot: Slot, error: Error): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.job?.reject(error);
    slot.job = null;
    slot.host.kill();
  }
}
