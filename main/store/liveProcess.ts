// Whether a process that recorded itself in a database (a bulk load, an import) is still running:
// one of this machine is asked; another machine's is taken to be, as it is not ours to judge.
import { hostname } from 'node:os';

export interface RecordedProcess {
  pid: number;
  host: string;
}

/** This process, as a record says it. */
export const thisProcess = (): RecordedProcess => ({ pid: process.pid, host: hostname() });

export function processRunning({ pid, host }: RecordedProcess): boolean {
  if (host !== hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
