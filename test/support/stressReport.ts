// The stress suites' figures, gathered for the one summary table `npm run test:stress` ends with
// (test/stress/zz-summary.test.ts prints it). Each suite records its rows as it finishes.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FOLDER = join(process.cwd(), 'test-results', 'stress');

export type StressRow = [what: string, figure: string];

export function recordStress(section: string, rows: StressRow[]): void {
  mkdirSync(FOLDER, { recursive: true });
  writeFileSync(join(FOLDER, `${section}.json`), JSON.stringify({ section, rows, at: new Date().toISOString() }));
}

export function readStress(): Array<{ section: string; rows: StressRow[] }> {
  let names: string[];
  try {
    names = readdirSync(FOLDER)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return names.map((name) => JSON.parse(readFileSync(join(FOLDER, name), 'utf8')) as { section: string; rows: StressRow[] });
}

/** Whole-number settings from the environment (rounds, seconds, cases), with their defaults. */
export function setting(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
