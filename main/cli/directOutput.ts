// Output written straight to a file descriptor, for what must answer at once (the help, omv
// search): process.stdout and process.stderr are streams whose set-up loads Node's net and stream
// modules, 3–15 ms here — more than such a command's own work. A reader that went away stops the
// command the way closedOutput.ts does for the streams: quietly, with SIGPIPE's status.

// Node's own module, not an ES import: node:fs's ES facade reads every export it has, which loads
// its promises, streams, watchers and readline (34 modules, ~4 ms) for a command that writes.
const { writeSync } = process.getBuiltinModule('node:fs');

const SIGPIPE_STATUS = 128 + 13;
/** How long to let a full non-blocking pipe drain before writing again (ms). */
const DRAIN_WAIT_MS = 1;

export function writeDirect(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(SIGPIPE_STATUS);
      // A non-blocking pipe (its other end set it so) that is full: the reader is slow, not gone.
      if (code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, DRAIN_WAIT_MS);
      else throw error;
    }
  }
}
