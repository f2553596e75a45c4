// A real small disk: a tmpfs of a given size mounted at a new folder, unmounted after the test
// file. Mounting needs root (CI runs as root); elsewhere null, and the test says it was skipped.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });

export function smallDisk(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'omv-disk-'));
  if (mount('-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  after(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
