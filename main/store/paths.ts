// Where the database lives unless told: $OMV_DB, else the user-data folder the desktop app uses
// (Electron's app.getPath('userData') for this product name), so CLI and app share one file.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'Offline Message Viewer';
const DATABASE_FILE = 'omv.sqlite';

export function userDataFolder(platform = process.platform, env = process.env): string {
  switch (platform) {
    case 'win32':
      return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), PRODUCT_NAME);
  }
}

export function defaultDatabasePath(env = process.env): string {
  return env['OMV_DB'] || join(userDataFolder(process.platform, env), DATABASE_FILE);
}
