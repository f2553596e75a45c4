// Where the database lives by default, on each platform: the folder Electron's
// app.getPath('userData') gives for our product name, so the CLI and the desktop app share a file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultDatabasePath, userDataFolder } from '../main/store/paths.js';

test('Windows: %APPDATA%\\Offline Message Viewer, or the roaming folder under the profile without it', () => {
  assert.equal(
    userDataFolder('win32', { APPDATA: 'D:\\Profiles\\mo\\Roaming' }, 'C:\\Users\\mo'),
    'D:\\Profiles\\mo\\Roaming\\Offline Message Viewer',
  );
  assert.equal(userDataFolder('win32', {}, 'C:\\Users\\mo'), 'C:\\Users\\mo\\AppData\\Roaming\\Offline Message Viewer');
  assert.equal(defaultDatabasePath({}, 'win32', 'C:\\Users\\mo'), 'C:\\Users\\mo\\AppData\\Roaming\\Offline Message Viewer\\omv.sqlite');
});

test('macOS: ~/Library/Application Support/Offline Message Viewer, whatever XDG says', () => {
  assert.equal(
    userDataFolder('darwin', { XDG_CONFIG_HOME: '/elsewhere' }, '/Users/mo'),
    '/Users/mo/Library/Application Support/Offline Message Viewer',
  );
  assert.equal(defaultDatabasePath({}, 'darwin', '/Users/mo'), '/Users/mo/Library/Application Support/Offline Message Viewer/omv.sqlite');
});

test('Linux and the rest: $XDG_CONFIG_HOME, or ~/.config when it is unset or empty', () => {
  assert.equal(userDataFolder('linux', { XDG_CONFIG_HOME: '/home/mo/cfg' }, '/home/mo'), '/home/mo/cfg/Offline Message Viewer');
  assert.equal(userDataFolder('linux', { XDG_CONFIG_HOME: '' }, '/home/mo'), '/home/mo/.config/Offline Message Viewer');
  assert.equal(userDataFolder('freebsd', {}, '/home/mo'), '/home/mo/.config/Offline Message Viewer');
  assert.equal(defaultDatabasePath({}, 'linux', '/home/mo'), '/home/mo/.config/Offline Message Viewer/omv.sqlite');
});

test('$OMV_DB names the file on every platform', () => {
  for (const platform of ['win32', 'darwin', 'linux'] as const) {
    assert.equal(defaultDatabasePath({ OMV_DB: '/data/case-42.sqlite', APPDATA: 'X' }, platform, '/home/mo'), '/data/case-42.sqlite');
  }
});
