// `npm start`'s launcher (scripts/start.mjs) as a user meets it: with no Electron it says why in
// one line and serves browser mode; when Electron dies before its window is up (no display, the
// sandbox refused, a missing library) it falls back the same way; a window that comes up, or a
// hand-over to an instance already running, keeps it out of browser mode. Electron is played by
// small executables that print what the real one prints in each case.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ALREADY_RUNNING_LINE, READY_LINE } from '../main/electron/launchProtocol.js';
import { tempDir } from './support/tmp.js';

const START = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));

/** An Electron distribution folder whose `electron` runs this shell script. */
function fakeElectron(script: string): string {
  const dist = tempDir('omv-fake-electron-');
  writeFileSync(join(dist, 'electron'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dist, 'electron'), 0o755);
  return dist;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the output matches, rejects if the launcher exits first. */
  waitFor: (pattern: RegExp) => Promise<string>;
}

function launch(env: Record<string, string>): Started {
  const db = join(tempDir(), 'omv.sqlite');
  // In a process group of its own, so that stopping it stops browser mode's server too.
  const child = spawn(process.execPath, [START, '--db', db, '--port', '0'], {
    // A display named, as a desktop session has one (each test says otherwise where it means to).
    env: { ...process.env, OMV_BROWSER: '', DISPLAY: ':99', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = once(child, 'exit');
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          listeners.delete(check);
          resolve(match[0]);
        }
      };
      listeners.add(check);
      check();
      void exited.then(() =>
        setImmediate(() => (listeners.has(check) ? reject(new Error(`the launcher exited before ${pattern}:\n${output}`)) : undefined)),
      );
    });
  return { child, output: () => output, waitFor };
}

async function stop({ child }: Started): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // the group is gone already
  }
  await exited;
}

async function fallsBackWith(env: Record<string, string>, reason: RegExp): Promise<void> {
  const started = launch(env);
  try {
    const line = await started.waitFor(/^omv: no desktop window \((.*)\); starting browser mode instead$/m);
    assert.match(line, reason);
    await started.waitFor(/viewer at http:\/\/127\.0\.0\.1:\d+\/\?key=/);
  } finally {
    await stop(started);
  }
}

describe('npm start', () => {
  test('without an Electron binary (and no download allowed): one line with the reason, then browser mode', async () => {
    await fallsBackWith(
      { ELECTRON_OVERRIDE_DIST_PATH: tempDir('omv-no-electron-'), ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      /Electron .* is not downloaded and ELECTRON_SKIP_BINARY_DOWNLOAD is set/,
    );
  });

  test('no display named (a server, an SSH session): browser mode at once, saying so, Electron neither fetched nor started', async () => {
    // An Electron not downloaded yet, a download allowed: it would be fetched (~100 MB) first.
    const started = launch({ ELECTRON_OVERRIDE_DIST_PATH: tempDir('omv-no-electron-'), DISPLAY: '', WAYLAND_DISPLAY: '' });
    try {
      const line = await started.waitFor(/^omv: no desktop window \((.*)\); starting browser mode instead$/m);
      assert.match(line, /no display to open a window on \(DISPLAY or WAYLAND_DISPLAY is not set\)/);
      assert.doesNotMatch(started.output(), /fetching Electron|downloading Electron/);
    } finally {
      await stop(started);
    }
  });

  test('a display named but none there: browser mode, saying so', async () => {
    const dist = fakeElectron(`echo '[1:1125/101010.123:ERROR:ozone_platform_x11.cc(240)] Missing X server or $DISPLAY' >&2\nexit 1`);
    await fallsBackWith({ ELECTRON_OVERRIDE_DIST_PATH: dist }, /no display to open a window on/);
  });

  test('the Chromium sandbox refused (Ubuntu 23.10+): browser mode, saying why', async () => {
    const dist = fakeElectron(
      `echo '[2:1125/101010.5:FATAL:setuid_sandbox_host.cc(158)] The SUID sandbox helper binary was found, but is not configured correctly.' >&2\nkill -TRAP $$`,
    );
    await fallsBackWith({ ELECTRON_OVERRIDE_DIST_PATH: dist }, /the Chromium sandbox was refused/);
  });

  test('a missing system library: browser mode, naming it', async () => {
    const dist = fakeElectron(
      `echo 'electron: error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory' >&2\nexit 127`,
    );
    await fallsBackWith({ ELECTRON_OVERRIDE_DIST_PATH: dist }, /a system library is missing \(libnss3\.so\)/);
  });

  test('a window that never comes up: browser mode after the wait', async () => {
    const dist = fakeElectron('exec sleep 30');
    await fallsBackWith({ ELECTRON_OVERRIDE_DIST_PATH: dist, OMV_WINDOW_TIMEOUT_MS: '500' }, /its window did not come up within 0\.5 s/);
  });

  test('a window that comes up: the desktop app runs, no browser mode', async () => {
    const dist = fakeElectron(`echo '${READY_LINE}'\nexec sleep 30`);
    const started = launch({ ELECTRON_OVERRIDE_DIST_PATH: dist, OMV_WINDOW_TIMEOUT_MS: '500' });
    try {
      await started.waitFor(new RegExp(`^${READY_LINE}$`, 'm'));
      // Past the window timeout, still the desktop app.
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(started.child.exitCode, null);
      assert.doesNotMatch(started.output(), /browser mode/);
    } finally {
      await stop(started);
    }
  });

  test('a second launch hands over to the first instance and ends, without browser mode', async () => {
    const dist = fakeElectron(`echo '${ALREADY_RUNNING_LINE}'\nexit 0`);
    const started = launch({ ELECTRON_OVERRIDE_DIST_PATH: dist });
    const [code] = (await once(started.child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.doesNotMatch(started.output(), /browser mode/);
  });
});
