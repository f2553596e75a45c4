// Where the desktop app's runtime comes from, found without side effects: the Electron binary
// (never triggering the electron package's silent lazy download), fetched on request with
// progress shown. Plain Node: no `electron` import here (the launcher runs before Electron).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Progress } from '@electron/get';

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

/** The executable inside an Electron distribution folder, as the electron package names it. */
export function executableIn(distFolder: string, platform = process.platform): string {
  const name = platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : platform === 'win32' ? 'electron.exe' : 'electron';
  return join(distFolder, name);
}

/** The Electron executable if it is on disk (ELECTRON_OVERRIDE_DIST_PATH first); never downloads. */
export function findElectronBinary(env = process.env): string | null {
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) return existsSync(executableIn(override)) ? executableIn(override) : null;
  const dir = packageDir('electron');
  if (!dir) return null;
  const binary = executableIn(join(dir, 'dist'));
  return existsSync(binary) ? binary : null;
}

export interface FetchProgress {
  transferred: number;
  total: number;
}

/**
 * Downloads Electron's binary for this platform (the electron package's own artifact, checked
 * against the checksums it ships), reporting progress as it goes, then lets the package's
 * installer unpack it from the download cache. Resolves with the binary, or rejects with why.
 */
export async function fetchElectron(onProgress: (progress: FetchProgress) => void): Promise<string> {
  const dir = packageDir('electron');
  const version = electronVersion();
  if (!dir || !version) throw new Error('the electron package is not installed');
  const { downloadArtifact } = await import('@electron/get');
  await downloadArtifact({
    version,
    artifactName: 'electron',
    platform: process.platform,
    arch: process.arch,
    checksums: JSON.parse(readFileSync(join(dir, 'checksums.json'), 'utf8')) as Record<string, string>,
    downloadOptions: {
      quiet: true,
      getProgressCallback: async (p: Progress) => onProgress({ transferred: p.transferred, total: p.total ?? 0 }),
    },
  });
  // The installer finds the archive in the cache and unpacks it into the package.
  const installer = spawn(process.execPath, [join(dir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  installer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => installer.on('exit', resolve));
  const binary = findElectronBinary();
  if (!binary) throw new Error(`unpacking it failed (exit ${code}): ${lastLine(stderr) || 'no binary afterwards'}`);
  return binary;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .at(-1)
      ?.trim() ?? ''
  );
}

export const NO_DISPLAY = 'no display to open a window on (DISPLAY or WAYLAND_DISPLAY is not set): start it from a desktop session';

/**
 * On Linux and the BSDs, a window needs an X or Wayland display: none is named when neither
 * DISPLAY nor WAYLAND_DISPLAY is set (a server, an SSH session), and Electron is then neither
 * fetched (~100 MB) nor started only to say so. macOS and Windows always have a screen.
 */
export function missingDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'darwin' || platform === 'win32') return null;
  return env['DISPLAY'] || env['WAYLAND_DISPLAY'] ? null : NO_DISPLAY;
}

/**
 * Why Electron could not put a window on screen, from what it printed as it died: one line that
 * says what is wrong and what to do (the README's "Desktop app" section has the details).
 */
export function launchFailureReason(stderr: string, code: number | null, signal: string | null): string {
  if (
    /Missing X server or \$DISPLAY|cannot open display|Failed to connect to (the )?(Wayland|X) (display|server)|ozone_platform.*(failed|cannot)/i.test(
      stderr,
    )
  ) {
    return NO_DISPLAY;
  }
  if (
    /SUID sandbox helper|No usable sandbox|Failed to move to new namespace|setuid sandbox|sandbox_host_linux|unprivileged user namespaces|zygote_host_impl_linux/i.test(
      stderr,
    )
  ) {
    return 'the Chromium sandbox was refused (Ubuntu 23.10+ restricts unprivileged user namespaces): install the .deb or AppImage, or see README\'s "Desktop app"';
  }
  const library = /error while loading shared libraries: ([^:\s]+)/.exec(stderr);
  if (library) return `a system library is missing (${library[1]}): install it with your package manager (README: "Desktop app")`;
  const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
  const said = lastLine(stderr);
  return `Electron ${how} before its window came up${said ? `: ${said}` : ''}`;
}
