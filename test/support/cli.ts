// The built `omv` command, run as a user runs it: a separate Node process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const CLI = fileURLToPath(new URL('../../main/cli.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function omv(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...options.env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

export interface ServeProcess {
  child: ChildProcess;
  callbackUrl: string;
  output: () => string;
}

/**
 * Starts `omv serve` on a free port and waits until it prints a callback URL. It is killed
 * after the calling test, or — with `killAfterTest: false` — by the caller.
 */
export function omvServe(
  args: string[],
  {
    killAfterTest = true,
    env = process.env,
    withPort = true,
  }: { killAfterTest?: boolean; env?: NodeJS.ProcessEnv; withPort?: boolean } = {},
): Promise<ServeProcess> {
  const port = withPort ? ['--port', '0'] : [];
  const child = spawn(process.execPath, [CLI, 'serve', ...port, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  if (killAfterTest) after(() => stop(child));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The URL for every domain, else (a team server with secrets for named domains only) the first domain's.
      const match = /receiving callbacks (?:for domainID \S+ )?at (\S+)/.exec(output);
      if (match) resolve({ child, callbackUrl: match[1]!, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`omv serve exited (${code}) before it was ready:\n${output}`)));
  });
}

export function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
