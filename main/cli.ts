#!/usr/bin/env node
// omv: the command line. Each command lives in cli/<name>.ts with its usage text.
// First, before the SQLite binding loads: is this a Node omv runs on?
import './cli/nodeVersion.js';
import { auditCommand, usage as auditUsage } from './cli/audit.js';
import { backupCommand, usage as backupUsage } from './cli/backup.js';
import { checkCommand, usage as checkUsage } from './cli/check.js';
import { exportCommand, usage as exportUsage } from './cli/export.js';
import { importCommand, usage as importUsage } from './cli/import.js';
import { purgeCommand, usage as purgeUsage } from './cli/purge.js';
import { quarantineCommand, usage as quarantineUsage } from './cli/quarantine.js';
import { reportsCommand, usage as reportsUsage } from './cli/reports.js';
import { searchCommand, usage as searchUsage } from './cli/search.js';
import { serve, usage as serveUsage } from './cli/serve.js';
import { statsCommand, usage as statsUsage } from './cli/stats.js';
import { usersCommand, usage as usersUsage } from './cli/users.js';
import { takeActingAs, UsageError } from './cli/common.js';
import { whenOutputCloses } from './cli/closedOutput.js';
import { forTerminal } from './cli/terminalText.js';
import { SearchSyntaxError } from '../shared/ftsQuery.js';
import { errorMessage } from '../shared/errorMessage.js';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; usage: string }> = {
  serve: { run: serve, usage: serveUsage },
  import: { run: importCommand, usage: importUsage },
  export: { run: exportCommand, usage: exportUsage },
  search: { run: searchCommand, usage: searchUsage },
  stats: { run: statsCommand, usage: statsUsage },
  quarantine: { run: quarantineCommand, usage: quarantineUsage },
  reports: { run: reportsCommand, usage: reportsUsage },
  audit: { run: auditCommand, usage: auditUsage },
  purge: { run: purgeCommand, usage: purgeUsage },
  check: { run: checkCommand, usage: checkUsage },
  backup: { run: backupCommand, usage: backupUsage },
  users: { run: usersCommand, usage: usersUsage },
};

const HELP = `omv — Offline Message Viewer

${Object.values(COMMANDS)
  .map((command) => command.usage)
  .join('\n\n')}

The database is --db FILE, else $OMV_DB, else a file in the user-data folder (its path is printed).
Every command takes --as NAME: who the audit trail records (else $OMV_MODERATOR, else the desk's
moderator, else your user name).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`omv: unknown command "${forTerminal(name)}"\n\n${HELP}\n`);
    return 2;
  }
  // A receiver keeps receiving when its log's reader goes away; any other command stops, quietly.
  whenOutputCloses(name === 'serve' ? 'keep running' : 'exit');
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args; // after --, -h is a search for "-h"
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(takeActingAs(args));
  } catch (error) {
    const message = errorMessage(error);
    const isUsage =
      error instanceof UsageError || error instanceof SearchSyntaxError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`omv ${name}: ${forTerminal(message, { keepLines: true })}\n`);
    if (isUsage) process.stderr.write(`\nusage: ${command.usage}\n`);
    return isUsage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`omv: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
