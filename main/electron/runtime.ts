// Where the desktop app's runtime comes from, found without side effects: the Electron binary
// (without triggering its lazy download) and better-sqlite3 built for Electron's ABI, kept apart
// from the Node build that the CLI and tests load. Plain Node: no `electron` import here.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function packageDir(name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

export function electronVersion(): string | null {
  const dir = packageDir('electron');
  return dir ? (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version : null;
}

/** The Electron executable if it is on disk; never downloads. */
export function findElectronBinary(): string | null {
  const dir = packageDir('electron');
  if (!dir) return null;
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  const binary = override ? join(override, relative) : join(dir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

/** Runs Electron's own installer (a download from its release host); true when a binary results. */
export function downloadElectron(timeoutMs = 180_000): { ok: boolean; reason: string } {
  const dir = packageDir('electron');
  if (!dir) return { ok: false, reason: 'the electron package is not installed' };
  const run = spawnSync(process.execPath, [join(dir, 'install.js')], { encoding: 'utf8', timeout: timeoutMs });
  if (findElectronBinary()) return { ok: true, reason: '' };
  const lastLine = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n').find((line) => /error|fail/i.test(line)) ?? 'no binary after the download';
  return { ok: false, reason: lastLine.trim() };
}

/** Where the Electron-ABI build of better-sqlite3 is kept, per Electron version. */
export function electronNativeBindingPath(root: string, version: string): string {
  return join(root, '.electron-native', `electron-${version}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
}

/**
 * Obtains better-sqlite3 built for Electron: a prebuilt binary for that Electron version if one
 * can be downloaded, else a rebuild against Electron's headers. Works on a copy of the package,
 * so the Node build in node_modules is never touched.
 */
export function buildElectronNativeBinding(root: string, version: string): { path: string | null; reason: string } {
  const target = electronNativeBindingPath(root, version);
  if (existsSync(target)) return { path: target, reason: '' };
  const source = packageDir('better-sqlite3');
  if (!source) return { path: null, reason: 'better-sqlite3 is not installed' };
  const work = mkdtempSync(join(tmpdir(), 'omv-electron-native-'));
  try {
    const copy = join(work, 'better-sqlite3');
    cpSync(source, copy, { recursive: true, filter: (path) => !path.includes(`${join('build', 'Release')}`) });
    const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
    const prebuild = packageDir('prebuild-install');
    const attempts: Array<[string, string[]]> = [
      ...(prebuild ? [[process.execPath, [join(prebuild, 'bin.js'), '--runtime', 'electron', '--target', version, '--arch', process.arch]] as [string, string[]]] : []),
      ['npm', ['exec', '--yes', '--', 'node-gyp', 'rebuild', '--release', `--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers']],
    ];
    let reason = '';
    for (const [command, args] of attempts) {
      const run = spawnSync(command, args, { cwd: copy, encoding: 'utf8', timeout: 300_000, shell: process.platform === 'win32' });
      if (run.status === 0 && existsSync(built)) {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(built, target);
        return { path: target, reason: '' };
      }
      reason = `${run.stderr ?? ''}`.trim().split('\n').at(-1) ?? `exit ${run.status}`;
    }
    return { path: null, reason };
  } catch (error) {
    return { path: null, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
