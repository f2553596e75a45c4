// A real receiver on 127.0.0.1 over a real SQLite file, in this process.
import { after } from 'node:test';
import { join } from 'node:path';
import { GroupCommit } from '../../main/intake/receiver/groupCommit.js';
import { startReceiver, type Receiver, type ReceiverOptions } from '../../main/intake/receiver/server.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { tempDir } from './tmp.js';

export interface TestReceiver extends Receiver {
  db: Db;
  dbPath: string;
  log: string[];
}

export async function startTestReceiver(options: Partial<ReceiverOptions> & { busyTimeoutMs?: number } = {}): Promise<TestReceiver> {
  const dbPath = join(tempDir(), 'omv.sqlite');
  const db = openDatabase(dbPath, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
  const log: string[] = [];
  const receiver = await startReceiver({ port: 0, log: (line) => log.push(line), ...options, deliveries: new GroupCommit(db) });
  after(async () => {
    await receiver.close();
    db.close();
  });
  return { ...receiver, db, dbPath, log };
}
