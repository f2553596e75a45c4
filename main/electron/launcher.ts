// `npm start`: the desktop app where Electron can put a window on screen, browser mode (omv
// serve) where it cannot, with one line that says why and what to do. Electron's binary is found
// on disk or fetched with progress shown; a launch counts as working once the app says its
// window is up (launchProtocol.ts), and a launch that dies or hangs before that falls back.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../shared/errorMessage.js';
import { ALREADY_RUNNING_LINE, READY_LINE } from './launchProtocol.js';
import { electronVersion, fetchElectron, findElectronBinary, launchFailureReason, missingDisplay, type FetchProgress } from './runtime.js';

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const DESKTOP_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
/** How long the window may take to come up before the launch counts as failed. */
const WINDOW_TIMEOUT_MS = Number(process.env['OMV_WINDOW_TIMEOUT_MS']) || 60_000;

function say(line: string): void {
  process.stdout.write(`omv: ${line}\n`);
}

/** Runs `child` to its end, passing Ctrl-C and SIGTERM on, then exits with its code. */
function hold(child: ChildProcess): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function browserMode(reason: string, args: string[]): void {
  say(`no desktop window (${reason}); starting browser mode instead`);
  hold(spawn(process.execPath, [CLI, 'serve', ...args], { stdio: 'inherit' }));
}

function progressPrinter(version: string): (progress: FetchProgress) => void {
  let shown = -1;
  return ({ transferred, total }) => {
    const percent = total ? Math.floor((100 * transferred) / total) : 0;
    const step = process.stdout.isTTY ? percent : Math.floor(percent / 10) * 10;
    if (step === shown) return;
    shown = step;
    const line = `omv: downloading Electron ${version}: ${percent}% of ${(total / 1e6).toFixed(0)} MB`;
    process.stdout.write(process.stdout.isTTY ? `\r\x1b[K${line}${percent === 100 ? '\n' : ''}` : `${line}\n`);
  };
}

async function electronBinary(): Promise<{ binary: string } | { reason: string }> {
  const version = electronVersion();
  const found = findElectronBinary();
  if (found) return { binary: found };
  if (!version) return { reason: 'the electron package is not installed' };
  if (process.env['ELECTRON_SKIP_BINARY_DOWNLOAD'])
    return { reason: `Electron ${version} is not downloaded and ELECTRON_SKIP_BINARY_DOWNLOAD is set` };
  say(`fetching Electron ${version} for the desktop app (once; kept in node_modules/electron)`);
  try {
    return { binary: await fetchElectron(progressPrinter(version)) };
  } catch (error) {
    return { reason: `Electron ${version} could not be downloaded: ${errorMessage(error)}` };
  }
}

type Launch = { kind: 'up'; child: ChildProcess } | { kind: 'already running' } | { kind: 'failed'; reason: string };

/** Starts the desktop app and waits until its window is up, it hands over to a running one, or it fails. */
function launchDesktop(binary: string, args: string[]): Promise<Launch> {
  const child = spawn(binary, [DESKTOP_MAIN, ...args], { stdio: ['inherit', 'pipe', 'pipe'] });
  let stderr = '';
  let outcome: 'up' | 'already running' | null = null;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ kind: 'failed', reason: `its window did not come up within ${WINDOW_TIMEOUT_MS / 1000} s` });
    }, WINDOW_TIMEOUT_MS);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (outcome === null && line === READY_LINE) {
          outcome = 'up';
          clearTimeout(timer);
          resolve({ kind: 'up', child });
        } else if (outcome === null && line === ALREADY_RUNNING_LINE) outcome = 'already running';
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      if (outcome === null) stderr += chunk.toString();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'failed', reason: `Electron could not be started: ${error.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome === 'up') return;
      resolve(
        outcome === 'already running' ? { kind: 'already running' } : { kind: 'failed', reason: launchFailureReason(stderr, code, signal) },
      );
    });
  });
}

export async function start(args: string[]): Promise<void> {
  if (process.env['OMV_BROWSER']) return browserMode('OMV_BROWSER is set', args);
  const noDisplay = missingDisplay();
  if (noDisplay) return browserMode(noDisplay, args);
  const found = await electronBinary();
  if ('reason' in found) return browserMode(found.reason, args);
  const launched = await launchDesktop(found.binary, args);
  if (launched.kind === 'failed') return browserMode(launched.reason, args);
  if (launched.kind === 'already running') process.exit(0);
  else hold(launched.child);
}
