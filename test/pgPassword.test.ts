// A store whose server asks for a password (scram-sha-256, as the README's set-up has it) and none
// is given: omv says so at once and exits, rather than print node-postgres's SASL message and wait
// for the server's authentication_timeout (a minute) with the connection half open.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { omv } from './support/cli.js';
import { passwordRole, postgresSkipReason, startPostgres } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

test(
  'with no password anywhere, a command on a store that asks for one fails at once saying where to put it; a ~/.pgpass line is taken',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const url = await passwordRole(cluster, 'anna', 'a long secret');
    const home = tempDir();
    // No PGPASSWORD, no PGPASSFILE (undefined leaves them out of the child's environment), an empty home.
    const env = { HOME: home, PGPASSWORD: undefined, PGPASSFILE: undefined };
    for (const args of [['check'], ['serve', '--port', '0']]) {
      const started = performance.now();
      const failed = await omv([...args, '--store', url], { env });
      const seconds = (performance.now() - started) / 1000;
      assert.equal(failed.code, 1, `${args[0]}: ${failed.stdout}${failed.stderr}`);
      assert.match(failed.stderr, /no password for anna@127\.0\.0\.1: set PGPASSWORD, a ~\/\.pgpass line, or put it in the URL/);
      assert.doesNotMatch(failed.stderr, /SASL|client password must be a string/);
      assert.ok(seconds < 10, `${args[0]} took ${seconds.toFixed(1)} s to give up`);
    }
    writeFileSync(join(home, '.pgpass'), `127.0.0.1:${cluster.port}:omv:anna:a long secret\n`);
    chmodSync(join(home, '.pgpass'), 0o600);
    const checked = await omv(['check', '--store', url], { env });
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const wrong = await omv(['check', '--store', url], { env: { ...env, PGPASSWORD: 'not it' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /password authentication failed for user "anna"/);
  },
);
