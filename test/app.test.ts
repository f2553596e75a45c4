// The app's composition (main/app.ts), as the desktop app starts it: a receiver port that is
// taken does not stop the app; the moderator is told, with how to change it, and can still read.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startApp } from '../main/app.js';
import { openDatabase } from '../main/store/db.js';
import { tempDir } from './support/tmp.js';

test('a receiver port in use: the app carries on without a receiver, and its status says why and what to do', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  const app = await startApp({ db, port, viewer: false, portInUse: { carryOn: (p) => `port ${p} is taken: set OMV_PORT` } });
  try {
    assert.equal(app.receiver, null);
    const status = await app.service.call(app.service.localActor(), 'receiverStatus', {});
    assert.deepEqual([status.callbackUrl, status.problem], [null, `port ${port} is taken: set OMV_PORT`]);
    assert.deepEqual(await app.service.call(app.service.localActor(), 'rooms', {}), [], 'the desk still reads');
    // omv serve, by contrast, fails at once.
    await assert.rejects(startApp({ db, port, viewer: false }), { code: 'EADDRINUSE' });
  } finally {
    await app.close();
    db.close();
    blocker.close();
  }
});
