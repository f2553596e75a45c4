// Administration commands (runuser, ip) live in sbin folders, which a non-login shell's PATH may
// leave out (a CI runner's often does): a test that needs one finds it there too.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The path of `name` on PATH or in the sbin folders; the bare name (and so ENOENT) when it is nowhere. */
export function systemCommand(name: string): string {
  const folders = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...SBIN];
  return folders.map((folder) => join(folder, name)).find((path) => existsSync(path)) ?? name;
}
