// Callbacks at 20/s beside a moderator's heaviest work (10,000 watch terms, 200 saved searches, a
// tag-all, an omv purge): the answer times of each phase beside those of the idle phase, measured
// in the same run. The goal: no phase's p99 past twice the idle one (the stress suite checks every
// callback is answered 200; the times belong here).
import { mkdirSync } from 'node:fs';
import { phaseRows, WriterLoad } from '../test/support/writerLoad.js';
import type { Report } from './team.js';

export async function writerLoadBench(dir: string, entries: number, report: Report): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const load = await WriterLoad.start(dir, { entries });
  try {
    const figures = await load.moderatorsDay();
    const idle = figures[0]!.p99;
    for (const [what, figure] of phaseRows(figures).slice(1)) report(what, figure, `idle p99 ${idle.toFixed(0)} ms (goal: within 2×)`);
  } finally {
    load.close();
  }
}
