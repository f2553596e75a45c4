// A time limit for a command that runs its query on its own thread (omv search): SQLite cannot be
// interrupted from JavaScript, and a timer on the thread that is inside SQLite never fires. So a
// watchdog thread waits out the limit; if the command has not finished by then, it says why on
// standard error and ends the process at once (status 137, as killed: nothing is written, the
// connection only reads). Finishing in time wakes the watchdog, which then ends quietly.
//
// What the thread costs: Node starts each one with a fresh environment (tens of ms of processor,
// not from the start-up snapshot), and a process waits at its exit for one still starting. The
// command starts it just before its first SQLite call, so a quick search ends it early in its start;
// the limit counts from then, not from when the thread is up. The thread shares the environment
// variables instead of copying them, and keeps its standard output and error to itself: piped to
// the command's own (the default), they would make Node set up process.stdout and process.stderr
// (its net and stream modules) in a command that writes straight to the file descriptors, as the
// watchdog's one message does.
import { SHARE_ENV, Worker } from 'node:worker_threads';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const done = new Int32Array(workerData.done);
if (Atomics.wait(done, 0, 0, Math.max(0, workerData.until - Date.now())) === 'timed-out') {
  try { writeSync(2, workerData.message); } finally { process.kill(process.pid, 'SIGKILL'); }
}`;

export interface Deadline {
  /** The command finished in time: the watchdog stands down. */
  cancel(): void;
}

export function endProcessAfter(ms: number, message: string): Deadline {
  const done = new SharedArrayBuffer(4);
  const until = Date.now() + ms;
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: { done, until, message },
    env: SHARE_ENV,
    stdout: true,
    stderr: true,
    trackUnmanagedFds: false,
  });
  watchdog.unref();
  return {
    cancel() {
      const flag = new Int32Array(done);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
  };
}
