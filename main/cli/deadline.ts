// A time limit for a command that runs its query on its own thread (omv search): SQLite cannot be
// interrupted from JavaScript, and a timer on the thread that is inside SQLite never fires. So a
// watchdog thread waits out the limit; if the command has not finished by then, it says why on
// standard error and ends the process at once (status 137, as killed: nothing is written, the
// connection only reads). Finishing in time wakes the watchdog, which then ends quietly.
import { Worker } from 'node:worker_threads';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const done = new Int32Array(workerData.done);
if (Atomics.wait(done, 0, 0, workerData.ms) === 'timed-out') {
  try { writeSync(2, workerData.message); } finally { process.kill(process.pid, 'SIGKILL'); }
}`;

export interface Deadline {
  /** The command finished in time: the watchdog stands down. */
  cancel(): void;
}

export function endProcessAfter(ms: number, message: string): Deadline {
  const done = new SharedArrayBuffer(4);
  const watchdog = new Worker(WATCHDOG, { eval: true, workerData: { done, ms, message } });
  watchdog.unref();
  return {
    cancel() {
      const flag = new Int32Array(done);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
  };
}
