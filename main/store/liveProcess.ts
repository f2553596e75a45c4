// Whether a process that recorded itself in a database (a bulk load, an import) is still running:
// one of this machine is asked; another machine's is taken to be, as it is not ours to judge —
// unless its record says when it last worked (stillWorking): one silent for STALE_MS has gone.
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

/** A record its process touches as it works (an import's claim, with every batch it writes). */
export interface TouchedRecord extends RecordedProcess {
  /** When its process last touched it (ms). */
  at: number;
}

/** A record not touched for this long is taken to be left behind: an import writes a batch far more often. */
export const STALE_MS = 10 * 60_000;

/** Whether the process that touches the record is still at work: running, as far as we can tell, and not silent for STALE_MS (another machine, a process id used again, a host renamed). */
export function stillWorking(record: TouchedRecord, now = Date.now()): boolean {
  return processRunning(record) && now - record.at < STALE_MS;
}
