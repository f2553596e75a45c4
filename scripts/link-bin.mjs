// After a build: make the CLI executable and reachable as node_modules/.bin/omv (and so `npx omv`)
// inside this checkout — npm links the bins of dependencies, never the project's own.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';

const cli = 'dist/main/cli.js';
chmodSync(cli, 0o755);
mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/omv', { force: true });
symlinkSync('../../dist/main/cli.js', 'node_modules/.bin/omv');
