// A query host: a process of its own with a read-only connection, answering read calls one at a
// time for queryPool.ts. A process, not a thread: SQLite cannot be interrupted from outside
// (better-sqlite3 has no sqlite3_interrupt), and a thread stuck in a runaway search can only be
// waited for, burning a core, while a process is stopped at once. Started with Node's fork (an
// IPC channel on `process`) or as an Electron utility process (`process.parentPort`).
import { errorMessage } from '../../shared/errorMessage.js';
import { isUserFacing } from '../../shared/userFacingError.js';
import { openDatabase } from '../store/db.js';
import { READY, type QueryAnswer, type QueryRequest } from './queryProtocol.js';
import { createReadCalls } from './readCalls.js';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const send = parentPort ? (message: unknown) => parentPort.postMessage(message) : (message: unknown) => process.send!(message);
const onRequest = (listener: (request: QueryRequest) => void) =>
  parentPort
    ? parentPort.on('message', (event) => listener(event.data as QueryRequest))
    : process.on('message', (message) => listener(message as QueryRequest));

const path = process.argv[2];
if (!path) throw new Error('usage: queryHost.js DATABASE');
const calls = createReadCalls(openDatabase(path, { readOnly: true }));

onRequest(({ id, method, args }) => {
  let answer: QueryAnswer;
  try {
    answer = { id, ok: true, value: (calls[method] as (a: unknown) => unknown)(args) };
  } catch (error) {
    answer = { id, ok: false, error: errorMessage(error), userFacing: isUserFacing(error), stack: (error as Error | undefined)?.stack };
  }
  send(answer);
});
// The parent going away ends this process (a killed omv serve leaves no query host behind).
process.on('disconnect', () => process.exit(0));
send(READY);
