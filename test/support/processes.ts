// The processes a process started that are still running (not zombies), read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of `parent`'s running children whose command line holds `script`. */
export function runningChildren(parent: number, script: string): number[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === parent && fields[0] !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
      } catch {
        return false; // gone while we looked
      }
    })
    .map(Number);
}
