// A start-up check of the database on a thread of its own (quickCheckInBackground): the receiver
// answers callbacks while it runs.
import { parentPort, workerData } from 'node:worker_threads';
import { checkDatabase } from './check.js';
import { openDatabase } from './db.js';

const db = openDatabase(workerData as string, { readOnly: true });
try {
  parentPort!.postMessage(checkDatabase(db, { quick: true }));
} finally {
  db.close();
}
