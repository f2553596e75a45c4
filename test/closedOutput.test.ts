// `omv check | head -1`: the reader of omv's output goes away before omv is done writing. A
// command then stops quietly (as Unix tools stop on SIGPIPE); omv serve keeps receiving.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

/** Runs omv with its standard output a pipe whose reading end is closed at once, or after the first output read. */
async function withOutputClosed(args: string[], when: 'at once' | 'after the first read' = 'at once') {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (when === 'at once') child.stdout.destroy();
  else child.stdout.once('data', () => child.stdout.destroy());
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

test('a command whose output is closed early stops quietly: no EPIPE, no stack trace', async () => {
  const dir = tempDir();
  const db = join(dir, 'omv.sqlite');
  const file = join(dir, 'lobby.xml');
  const entries = Array.from({ length: 2000 }, (_, i) => ({ ts: 1_700_000_000_000 + i, user: `u${i % 7}`, content: `hello number ${i}` }));
  writeFileSync(file, messagesXml({ lobby: entries }));
  assert.equal((await omv(['import', '--db', db, file])).code, 0);
  for (const args of [
    ['check'],
    ['stats'],
    ['export'],
    ['export', '--format', 'jsonl'],
    ['search', '--limit', '500', 'hello'],
    ['quarantine', 'list'],
    ['audit', 'list'],
  ]) {
    const { code, stderr } = await withOutputClosed([...args, '--db', db]);
    const what = `omv ${args.join(' ')}`;
    assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /, `${what} said:\n${stderr}`);
    assert.equal(stderr, `omv: database ${db}\n`, what);
    assert.equal(code, 141, `${what}: the status a shell gives a command stopped by SIGPIPE`);
  }
  // `omv export | head -1`: 2,000 rows fill the pipe, and its reader leaves after the first.
  const { code, stderr } = await withOutputClosed(['export', '--db', db], 'after the first read');
  assert.equal(stderr, `omv: database ${db}\n`);
  assert.equal(code, 141);
});

test('omv serve keeps receiving when its log is no longer read, and says so once', async () => {
  const db = join(tempDir(), 'omv.sqlite');
  const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    // Read up to the viewer line, as `omv serve | head -4` would, then stop reading.
    const url = await new Promise<string>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/viewer at /.test(stdout)) resolve(/receiving callbacks at (\S+)/.exec(stdout)![1]!);
      }),
    );
    child.stdout.destroy();
    const deliver = (callID: string) =>
      postForm(
        callbackUrl(url, { function: 'sendOfflineMessages', domainID: 'example.com', callID }),
        messagesXml({ lobby: [{ ts: 1_700_000_000_000 + Number(callID), user: 'u', content: `message ${callID}` }] }),
      );
    for (const callID of ['1', '2', '3']) assert.equal((await deliver(callID)).status, 200);
    assert.equal(child.exitCode, null, 'still running');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /, stderr);
    assert.equal(stderr.match(/standard output was closed/g)?.length, 1, stderr);
    assert.match((await omv(['stats', '--db', db])).stdout, /^entries {7}3 /m);
  } finally {
    child.kill('SIGKILL');
  }
});

test('output that cannot be written (/dev/full) is said in one line with exit 1, the help and the version too: no stack trace', async () => {
  const full = openSync('/dev/full', 'w');
  try {
    for (const args of [['--help'], ['--version'], ['help', 'search'], ['search', '--help'], ['export', '--help']]) {
      const child = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      assert.equal(child.status, 1, args.join(' '));
      assert.equal(child.stderr, 'omv: could not write the output: ENOSPC: no space left on device, write\n', args.join(' '));
    }
  } finally {
    closeSync(full);
  }
});
