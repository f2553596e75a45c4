// Callback payloads parsed on threads of their own, so the thread that answers callbacks and
// writes them spends its time on those (parsing a 100-entry payload took about a fifth of it).
// A few long-lived parser threads take one payload at a time each; the events come back packed
// (eventBatch.ts), unpacked only as they are written. Same parser, same events, same reasons as
// parseDelivery on the calling thread: a payload that stops its thread (out of memory) is kept in
// quarantine with the reason, never lost, and a fresh thread takes the next one.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParsedPayload } from '../../shared/payload.js';
import { unpackEvents, type EventBatch } from './eventBatch.js';

/** The heap of a parser thread: a payload sent to the pool is under 1 MiB (WORKER_PARSE_BYTES). */
const PARSER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };

export interface ParseRequest {
  id: number;
  fn: string | null;
  bytes: Uint8Array;
}

export type ParseAnswer = { id: number; ok: true; batch: EventBatch; repairs: string[] } | { id: number; ok: false; reason: string };

interface Thread {
  worker: Worker;
  busy: { request: ParseRequest; resolve: (parsed: ParsedPayload) => void } | null;
}

export class ParserPool {
  private readonly threads: Thread[] = [];
  private readonly waiting: Array<{ request: ParseRequest; resolve: (parsed: ParsedPayload) => void }> = [];
  private nextId = 1;
  private closed = false;

  /** One thread fewer than the machine has cores, one or two: the rest is the writer's (and the HTTP's). */
  constructor(private readonly size = Math.max(1, Math.min(2, availableParallelism() - 1))) {}

  /** parseDelivery(fn, bytes), on a parser thread. Never rejects: a failure is a reason to quarantine. */
  parse(fn: string | null, bytes: Uint8Array): Promise<ParsedPayload> {
    return new Promise((resolve) => {
      if (this.closed) return resolve({ ok: false, reason: 'the parser failed: omv is shutting down' });
      this.waiting.push({ request: { id: this.nextId++, fn, bytes }, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.resolve({ ok: false, reason: 'the parser failed: omv is shutting down' });
    await Promise.all(this.threads.splice(0).map((thread) => thread.worker.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let thread = this.threads.find((candidate) => candidate.busy === null);
      if (!thread) {
        if (this.threads.length >= this.size) return;
        thread = this.start();
      }
      const job = this.waiting.shift()!;
      thread.busy = job;
      thread.worker.postMessage(job.request);
    }
  }

  private start(): Thread {
    const worker = new Worker(new URL('./parserPoolThread.js', import.meta.url), { resourceLimits: PARSER_HEAP });
    const thread: Thread = { worker, busy: null };
    worker.unref(); // an idle parser keeps no process alive
    worker.on('message', (answer: ParseAnswer) => {
      const job = thread.busy;
      if (!job || job.request.id !== answer.id) return;
      thread.busy = null;
      job.resolve(
        answer.ok ? { ok: true, events: unpackEvents(answer.batch), repairs: answer.repairs } : { ok: false, reason: answer.reason },
      );
      this.dispatch();
    });
    const stopped = (why: string) => {
      const index = this.threads.indexOf(thread);
      if (index === -1) return;
      this.threads.splice(index, 1);
      thread.busy?.resolve({ ok: false, reason: `the parser failed: ${why}` });
      thread.busy = null;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (error: Error & { code?: string }) =>
      stopped(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `reading it needs more than the parser's ${PARSER_HEAP.maxOldGenerationSizeMb} MB (an element with too many attributes, or an entry too large)`
          : error.message,
      ),
    );
    worker.on('exit', (code) => stopped(`its thread stopped (exit code ${code})`));
    this.threads.push(thread);
    return thread;
  }
}
