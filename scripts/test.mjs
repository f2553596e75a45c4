// npm test / npm run test:unit: Node's test runner over the built tests, each file named (a folder
// argument fails on Node 22 and 24, and test/support/ holds helpers, not tests).
//   node scripts/test.mjs          every *.test.js in dist/test/
//   node scripts/test.mjs unit     the fast ones: no child processes, browsers or large files
//   node scripts/test.mjs stress   the long suites in dist/test/stress/ (crash rounds, faults, fuzz, soak)
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const UNIT = ['exportFormat', 'histogram', 'migrations', 'nodeVersion', 'parser', 'search', 'storePaths', 'tokenize'];
const suite = process.argv[2] ?? 'all';
const folder = suite === 'stress' ? 'dist/test/stress' : 'dist/test';
if (suite === 'stress') rmSync('test-results/stress', { recursive: true, force: true }); // this run's figures only
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.test.js'))
  .filter((name) => suite !== 'unit' || UNIT.includes(name.slice(0, -'.test.js'.length)))
  .sort()
  .map((name) => join(folder, name));
if (files.length === 0) {
  process.stderr.write(`no test files for "${suite}" in ${folder}\n`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(3), ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
