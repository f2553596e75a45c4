// Where the database lives unless told: $OMV_DB, else the user-data folder the desktop app uses
// (Electron's app.getPath('userData') for this product name), so CLI and app share one file.
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

export const PRODUCT_NAME = 'Offline Message Viewer';
const DATABASE_FILE = 'omv.sqlite';

/** Electron's userData folder on each platform, spelt with that platform's separators. */
export function userDataFolder(platform: NodeJS.Platform = process.platform, env = process.env, home = homedir()): string {
  switch (platform) {
    case 'win32':
      return win32.join(env['APPDATA'] || win32.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return posix.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return posix.join(env['XDG_CONFIG_HOME'] || posix.join(home, '.config'), PRODUCT_NAME);
  }
}

export function defaultDatabasePath(env = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env['OMV_DB']) return env['OMV_DB'];
  const folder = userDataFolder(platform, env, home);
  return (platform === 'win32' ? win32 : posix).join(folder, DATABASE_FILE);
}
