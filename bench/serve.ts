// `omv serve` on a database, as a separate process, for the benchmarks: started, waited for
// until it prints its URLs, and stopped.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../main/cli.js', import.meta.url));

export interface ServeProcess {
  callbackUrl: string;
  viewerUrl: string;
  stop(): Promise<void>;
}

export async function startServe(db: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const [callbackUrl, viewerUrl] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const callback = /receiving callbacks at (\S+)/.exec(out);
      const viewer = /viewer at (\S+)/.exec(out);
      if (callback && viewer) resolve([callback[1]!, viewer[1]!]);
    });
    child.on('exit', (code) => reject(new Error(`omv serve exited ${code}`)));
  });
  return {
    callbackUrl,
    viewerUrl,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
