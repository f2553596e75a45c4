// Why an export stopped when its output went away (a full disk, a closed pipe, a cancelled
// download): said alike by both engines' exports, with the output's own error when it had one.
import type { Writable } from 'node:stream';

export function outputGone(out: Writable, rows: number): Error {
  const why = out.errored?.message ?? 'the output was closed';
  return new Error(`the export stopped after ${rows.toLocaleString('en-US')} rows: ${why}`);
}
