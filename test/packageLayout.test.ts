// The desktop package's layout: electron-builder packages the built app for Linux (`--dir`, no
// installer) around a stand-in Electron distribution, because Electron itself cannot be
// downloaded on every machine that runs the tests. What is checked is what we ship and how, not
// that Electron runs: the asar holds main, preload, the worker scripts and the renderer; the
// target's SQLite binary is unpacked beside it and no other platform's; tests, benchmarks and
// source maps stay out; the fuses are set in the packaged executable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { tempDir } from './support/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version;
/** What @electron/fuses looks for in an Electron executable, then the wire: version 1, 8 fuses. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's own defaults: run-as-node, NODE_OPTIONS, --inspect and file:// privileges on. */
const DEFAULT_FUSES = '10110001';

function standInElectron(): string {
  const dist = tempDir('omv-electron-stand-in-');
  const binary = join(dist, 'electron');
  writeFileSync(
    binary,
    Buffer.concat([
      Buffer.from('#!/bin/sh\nexit 0\n'),
      Buffer.from(FUSE_SENTINEL),
      Buffer.from([1, DEFAULT_FUSES.length]),
      Buffer.from(DEFAULT_FUSES),
    ]),
  );
  chmodSync(binary, 0o755);
  writeFileSync(join(dist, 'version'), ELECTRON_VERSION);
  writeFileSync(join(dist, 'LICENSE'), 'stand-in');
  return dist;
}

test(
  'the Linux package layout: app in the asar, the SQLite binary unpacked, nothing else shipped, fuses set',
  { timeout: 180_000 },
  async () => {
    const out = tempDir('omv-package-');
    const builder = join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
    await promisify(execFile)(
      process.execPath,
      [
        builder,
        '--linux',
        '--dir',
        '--config',
        'electron-builder.yml',
        `-c.electronDist=${standInElectron()}`,
        `-c.electronVersion=${ELECTRON_VERSION}`,
        `-c.directories.output=${out}`,
      ],
      { cwd: ROOT, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' }, maxBuffer: 16 << 20 },
    );
    const app = join(out, 'linux-unpacked');
    const files = new Set(listPackage(join(app, 'resources', 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/')));

    for (const file of [
      '/package.json',
      '/dist/main/electron/main.js',
      '/dist/main/electron/preload.cjs',
      '/dist/main/api/queryHost.js',
      '/dist/main/store/quickCheckWorker.js',
      '/dist/main/parser/fileParseWorker.js',
      '/dist/main/export/exportWorker.js',
      '/dist/renderer/index.html',
      '/node_modules/better-sqlite3/lib/index.js',
      '/node_modules/saxes/package.json',
      '/node_modules/@fastify/busboy/package.json',
    ]) {
      assert.ok(files.has(file), `${file} is in the asar`);
    }
    assert.ok(
      [...files].some((file) => /^\/dist\/renderer\/assets\/.+\.js$/.test(file)),
      'the renderer bundle is in the asar',
    );
    for (const [what, pattern] of [
      ['tests', /^\/dist\/test\//],
      ['benchmarks', /^\/dist\/bench\//],
      ['source maps and type declarations', /\.(map|d\.ts)$|\/\.tsbuildinfo/],
      ['SQLite sources', /^\/node_modules\/better-sqlite3\/(deps|src)\//],
      ['dev dependencies', /^\/node_modules\/(electron|playwright-core|vite|typescript|react)\//],
    ] as const) {
      const shipped = [...files].filter((file) => pattern.test(file));
      assert.deepEqual(shipped, [], `no ${what} in the package`);
    }

    const prebuilds = join(app, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'prebuilds');
    assert.ok(existsSync(join(prebuilds, `linux-${process.arch}.node`)), 'the target SQLite binary is unpacked beside the asar');
    assert.deepEqual(
      readdirSync(prebuilds).filter((name) => !name.startsWith(`linux-${process.arch}.`) && !name.startsWith(`linuxmusl-${process.arch}.`)),
      [],
      'no other platform’s binary is shipped',
    );

    const executable = readdirSync(app).find((name) => name === 'offline-message-viewer');
    assert.ok(executable, 'the executable is named for the product');
    const wire = await getCurrentFuseWire(join(app, executable));
    const on = (fuse: FuseV1Options) => wire[fuse] === 49; // '1'
    assert.deepEqual(
      {
        runAsNode: on(FuseV1Options.RunAsNode),
        nodeOptions: on(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
        inspect: on(FuseV1Options.EnableNodeCliInspectArguments),
        asarIntegrity: on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
        onlyFromAsar: on(FuseV1Options.OnlyLoadAppFromAsar),
        fileProtocolPrivileges: on(FuseV1Options.GrantFileProtocolExtraPrivileges),
      },
      { runAsNode: false, nodeOptions: false, inspect: false, asarIntegrity: true, onlyFromAsar: true, fileProtocolPrivileges: false },
    );
  },
);
