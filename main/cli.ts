#!/usr/bin/env node
// omv: the command line. Each command lives in cli/<name>.ts, its usage text in cli/usage.ts; a
// command is loaded only when it is run, so `omv --help` loads none of them, and each loads only
// what it needs (the SQLite binding, the server, the parser).
// First, before anything else: is this a Node omv runs on?
import './cli/nodeVersion.js';
import './cli/compileCache.js';
import { takeActingAs } from './cli/actingAs.js';
import { UsageError } from './cli/usageError.js';
import { whenOutputCloses } from './cli/closedOutput.js';
import { writeDirect } from './cli/directOutput.js';
import { forTerminal } from '../shared/visibleText.js';
import * as usage from './cli/usage.js';
import { SearchSyntaxError } from '../shared/ftsQuery.js';
import { errorMessage } from '../shared/errorMessage.js';

type Run = (args: string[]) => Promise<number>;

/** `direct`: the command writes straight to the file descriptors, never through process.stdout or process.stderr. */
const COMMANDS: Record<string, { load: () => Promise<Run>; usage: string; direct?: true }> = {
  serve: { load: async () => (await import('./cli/serve.js')).serve, usage: usage.serveUsage },
  import: { load: async () => (await import('./cli/import.js')).importCommand, usage: usage.importUsage },
  export: { load: async () => (await import('./cli/export.js')).exportCommand, usage: usage.exportUsage },
  search: { load: async () => (await import('./cli/search.js')).searchCommand, usage: usage.searchUsage, direct: true },
  stats: { load: async () => (await import('./cli/stats.js')).statsCommand, usage: usage.statsUsage },
  quarantine: { load: async () => (await import('./cli/quarantine.js')).quarantineCommand, usage: usage.quarantineUsage },
  reports: { load: async () => (await import('./cli/reports.js')).reportsCommand, usage: usage.reportsUsage },
  audit: { load: async () => (await import('./cli/audit.js')).auditCommand, usage: usage.auditUsage },
  purge: { load: async () => (await import('./cli/purge.js')).purgeCommand, usage: usage.purgeUsage },
  check: { load: async () => (await import('./cli/check.js')).checkCommand, usage: usage.checkUsage },
  backup: { load: async () => (await import('./cli/backup.js')).backupCommand, usage: usage.backupUsage },
  'migrate-store': {
    load: async () => (await import('./cli/migrateStore.js')).migrateStoreCommand,
    usage: usage.migrateStoreUsage,
  },
  users: { load: async () => (await import('./cli/users.js')).usersCommand, usage: usage.usersUsage },
};

const HELP = `omv — Offline Message Viewer (omv --version; omv help COMMAND for one command's usage)

${Object.values(COMMANDS)
  .map((command) => command.usage)
  .join('\n\n')}

The database is --db FILE, else $OMV_DB, else a file in the user-data folder (its path is printed).
serve, import, export, search, users, audit, check, backup and purge also take a PostgreSQL database:
--store postgres://… or $OMV_STORE (stats, quarantine and reports read a file; on PostgreSQL the desk
shows them); omv migrate-store moves a desk's file into one.
Every command takes --as NAME: who the audit trail records (else $OMV_MODERATOR, else the desk's
moderator, else your user name).`;

/** The version in the package's manifest (package.json, two folders above this file's). */
async function version(): Promise<string> {
  const { readFileSync } = process.getBuiltinModule('node:fs');
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    // omv help COMMAND: that command's usage.
    const asked = name === 'help' && !['help', '--help', '-h'].includes(args[0] ?? 'help') ? args[0] : undefined;
    if (asked !== undefined && !Object.hasOwn(COMMANDS, asked)) {
      writeDirect(2, `omv: unknown command "${forTerminal(asked)}"\n\n${HELP}\n`);
      return 2;
    }
    writeDirect(1, `${asked === undefined ? HELP : COMMANDS[asked]!.usage}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    writeDirect(1, `omv ${await version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    writeDirect(2, `omv: unknown command "${forTerminal(name)}"\n\n${HELP}\n`);
    return 2;
  }
  // A receiver keeps receiving when its log's reader goes away; any other command stops, quietly
  // (one that writes directly stops so by itself: setting up the streams to listen costs it ~10 ms).
  if (!command.direct) whenOutputCloses(name === 'serve' ? 'keep running' : 'exit');
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args; // after --, -h is a search for "-h"
  if (options.includes('--help') || options.includes('-h')) {
    writeDirect(1, `${command.usage}\n`);
    return 0;
  }
  try {
    const run = await command.load();
    return await run(takeActingAs(args));
  } catch (error) {
    const message = errorMessage(error);
    const isUsage =
      error instanceof UsageError || error instanceof SearchSyntaxError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    writeDirect(2, `omv ${name}: ${forTerminal(message, { keepLines: true })}\n${isUsage ? `\nusage: ${command.usage}\n` : ''}`);
    return isUsage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Outside a command: the help or the version could not be written (a full disk, /dev/full), said as
    // the commands say it; anything else is omv's own fault, with its stack for the report.
    const system = typeof (error as { code?: unknown }).code === 'string' && (error as { syscall?: unknown }).syscall === 'write';
    process.stderr.write(
      system
        ? `omv: could not write the output: ${errorMessage(error)}\n`
        : `omv: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
