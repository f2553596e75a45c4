// A query worker: its own read-only connection to the database, answering read calls one at a
// time for queryPool.ts. Errors travel back as messages; the pool turns them into exceptions.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/db.js';
import { READY, type QueryAnswer, type QueryRequest, type QueryWorkerData } from './queryProtocol.js';
import { createReadCalls } from './readCalls.js';

const { path } = workerData as QueryWorkerData;
const calls = createReadCalls(openDatabase(path, { readOnly: true }));

parentPort!.on('message', ({ id, method, args }: QueryRequest) => {
  let answer: QueryAnswer;
  try {
    answer = { id, ok: true, value: (calls[method] as (a: unknown) => unknown)(args) };
  } catch (error) {
    answer = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer);
});
parentPort!.postMessage(READY);
