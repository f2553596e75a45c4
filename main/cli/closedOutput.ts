// `omv check | head -1`: the reader goes away, and the next write fails with EPIPE. Node ignores
// SIGPIPE, so without a listener that write's error event ends the process with a stack trace.
// Here a command whose reader has gone stops the way Unix tools stop on SIGPIPE — at once, saying
// nothing, with the status a shell reports for SIGPIPE (141) — while omv serve, whose standard
// output is only its delivery log, keeps receiving.

const SIGPIPE_STATUS = 128 + 13;
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

export function whenOutputCloses(then: 'exit' | 'keep running'): void {
  let said = false;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!GONE.has(error.code ?? '')) {
        // Not a reader that left (a full disk, say): said once, and a failure.
        if (stream !== process.stderr) process.stderr.write(`omv: could not write the output: ${error.message}\n`);
        process.exit(1);
      }
      if (then === 'exit') process.exit(SIGPIPE_STATUS);
      if (stream === process.stdout && !said) {
        said = true;
        process.stderr.write('omv: standard output was closed: deliveries are no longer logged there; still receiving\n');
      }
    });
  }
}
