// The one summary table of `npm run test:stress`: what each stress suite recorded as it ran
// (crash rounds, faults, fuzzing, soak). Also written to test-results/stress/summary.txt.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStress } from '../support/stressReport.js';

test('stress summary', () => {
  const sections = readStress();
  assert.ok(sections.length > 0, 'no stress suite recorded anything');
  const width = Math.max(...sections.flatMap((s) => s.rows.map(([what]) => what.length)));
  const lines = ['', 'omv stress summary', ''];
  for (const { section, rows } of sections) {
    lines.push(`${section.replace(/^\d+-/, '')}:`);
    for (const [what, figure] of rows) lines.push(`  ${what.padEnd(width)}  ${figure}`);
    lines.push('');
  }
  const table = lines.join('\n');
  writeFileSync(join(process.cwd(), 'test-results', 'stress', 'summary.txt'), table);
  process.stdout.write(`${table}\n`);
});
