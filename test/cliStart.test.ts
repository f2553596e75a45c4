// The CLI loads only what a command needs: `omv --help` no command at all (not the SQLite binding,
// not the server), `omv search` the binding and its query, in its own process (no query host
// process, no pool), without the migrations when the database is at the schema this omv writes;
// and a database at an older schema is migrated before it is read.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { LATEST_VERSION, migrate } from '../main/store/migrations/index.js';
import { CURRENT_SCHEMA } from '../main/store/readConnection.js';
import { CLI } from './support/cli.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir();

/**
 * Runs the CLI with a hook that notes every module it loads (Node's own and omv's files), and
 * answers what it printed and that list.
 */
async function loaded(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }> {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const hook = join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); appendFileSync(${JSON.stringify(log)}, found.url + '\\n'); return found; } });`,
  );
  writeFileSync(log, '');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(hook).href, CLI, ...args], (error, stdout, stderr) =>
      resolve({
        code: error ? ((error as { code?: number }).code ?? null) : 0,
        stdout,
        stderr,
        modules: readFileSync(log, 'utf8').split('\n').filter(Boolean),
      }),
    );
  });
}

const anyOf = (modules: string[], pattern: RegExp) => modules.filter((url) => pattern.test(url));

test('omv --help loads no command: neither the SQLite binding, nor the server, nor the parser', async () => {
  const help = await loaded(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /omv search \[--db FILE \| --store postgres:\/\/…\]/);
  assert.ok(
    help.modules.some((url) => url.endsWith('/main/cli/usage.js')),
    'the hook saw the CLI load',
  );
  assert.deepEqual(
    anyOf(
      help.modules,
      /better-sqlite3|\/main\/cli\/(serve|search|export|import)\.js|\/main\/(store|parser|intake\/receiver\/server)|node:(net|http|child_process)$/,
    ),
    [],
  );
});

test('omv search reads in its own process: the binding and the query, no query host, no pool, no migrations', async () => {
  const path = join(dir, 'omv.sqlite');
  const db = openDatabase(path);
  const file = join(dir, 'six.xml');
  writeFileSync(file, messagesXml({ lobby: [1, 2, 3, 4, 5, 6].map((n) => ({ ts: n, user: `u${n}`, content: `hello number ${n}` })) }));
  await importFile(db, file);
  db.close();
  const search = await loaded(['search', '--db', path, 'hello']);
  assert.equal(search.code, 0, search.stderr);
  assert.match(search.stdout, /6 of 6 hits shown/);
  assert.ok(anyOf(search.modules, /better-sqlite3/).length > 0, 'the hook saw the binding load');
  assert.deepEqual(anyOf(search.modules, /queryPool|queryHost|node:child_process$|\/migrations\//), []);
});

/**
 * Runs the CLI and answers which of Node's own modules it loaded (process.moduleLoadList, read as
 * the process exits by a hook that loads nothing of Node's itself).
 */
async function nodeModulesLoaded(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }> {
  const log = join(dir, `node-modules-${Math.random().toString(36).slice(2)}.txt`);
  const hook = join(dir, 'node-modules-hook.mjs');
  writeFileSync(
    hook,
    `process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(log)}, process.moduleLoadList.join('\\n')));`,
  );
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(hook).href, CLI, ...args], (error, stdout, stderr) =>
      resolve({
        code: error ? ((error as { code?: number }).code ?? null) : 0,
        stdout,
        stderr,
        modules: readFileSync(log, 'utf8').split('\n'),
      }),
    );
  });
}

test("omv search sets up no output stream (nor Node's net module for one), loads of node:util only its parseArgs, and of node:fs none of its promises, streams or watchers", async () => {
  const path = join(dir, 'streams.sqlite');
  const db = openDatabase(path);
  const file = join(dir, 'streams.xml');
  writeFileSync(file, messagesXml({ lobby: [{ ts: 1, user: 'u1', content: 'hello there' }] }));
  await importFile(db, file);
  db.close();
  // Standard output and error are pipes here, as under a script: process.stdout or process.stderr,
  // once touched (by the command, or by its watchdog thread's output piped to them), would be a
  // socket of node:net's.
  const search = await nodeModulesLoaded(['search', '--db', path, 'hello']);
  assert.equal(search.code, 0, search.stderr);
  assert.match(search.stdout, /1 of 1 hits shown/);
  assert.ok(search.modules.includes('NativeModule worker_threads'), 'the watchdog thread was started');
  assert.ok(search.modules.includes('NativeModule internal/util/parse_args/parse_args'), 'the hook saw parseArgs load');
  assert.deepEqual(
    search.modules.filter((name) =>
      /^NativeModule (net|tty|internal\/fs\/(sync_write_stream|promises|streams|watchers|dir)|internal\/util\/(diff|colors))$/.test(name),
    ),
    [],
  );
});

test('omv search migrates a database at an older schema before it reads it', async () => {
  assert.equal(
    CURRENT_SCHEMA,
    LATEST_VERSION,
    'readConnection.ts knows the schema this omv writes (update CURRENT_SCHEMA with a migration)',
  );
  // A database made by an earlier omv: its schema stops at version 90.
  const earlier = new (await import('better-sqlite3')).default(join(dir, 'earlier.sqlite'));
  migrate(earlier, 90);
  earlier.close();
  const search = await loaded(['search', '--db', join(dir, 'earlier.sqlite'), 'hello']);
  assert.equal(search.code, 0, search.stderr);
  assert.match(search.stdout, /^0 of 0 hits shown\n$/);
  const after = openDatabase(join(dir, 'earlier.sqlite'), { readOnly: true });
  assert.equal(after.pragma('user_version', { simple: true }), LATEST_VERSION);
  after.close();
});

test("omv --help loads none of node:fs's promises, streams or watchers (its ES facade would load them all)", async () => {
  const help = await nodeModulesLoaded(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.ok(help.modules.includes('NativeModule fs'), 'the hook saw the modules loaded');
  assert.deepEqual(
    help.modules.filter((name) =>
      /^NativeModule (internal\/fs\/(promises|streams|watchers|dir)|stream|internal\/readline\/interface)$/.test(name),
    ),
    [],
  );
});
