// npm start (after the build): the desktop app where Electron can run, else browser mode.
// Electron needs its binary (a download on first use) and better-sqlite3 built for its ABI (kept
// in .electron-native/, apart from the Node build the CLI uses). Where either cannot be had, as
// on machines without network access, it says so in one line and serves the same UI locally.
import { spawn } from 'node:child_process';
import {
  buildElectronNativeBinding,
  downloadElectron,
  electronVersion,
  findElectronBinary,
} from '../dist/main/electron/runtime.js';

const root = process.cwd();
const args = process.argv.slice(2);

function browserMode(reason) {
  process.stdout.write(`omv: no Electron runtime here (${reason}); starting browser mode instead\n`);
  const child = spawn(process.execPath, ['dist/main/cli.js', 'serve', ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}

function desktop() {
  if (process.env.OMV_BROWSER) return browserMode('OMV_BROWSER is set');
  const version = electronVersion();
  if (!version) return browserMode('the electron package is not installed');
  let binary = findElectronBinary();
  if (!binary) {
    const download = downloadElectron();
    if (!download.ok) return browserMode(`Electron ${version} could not be downloaded: ${download.reason}`);
    binary = findElectronBinary();
  }
  const native = buildElectronNativeBinding(root, version);
  if (!native.path) return browserMode(`better-sqlite3 could not be built for Electron ${version}: ${native.reason}`);
  const child = spawn(binary, ['dist/main/electron/main.js', ...args], {
    stdio: 'inherit',
    env: { ...process.env, OMV_NATIVE_BINDING: native.path },
  });
  child.on('exit', (code) => process.exit(code ?? 0));
}

desktop();
