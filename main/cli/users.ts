// omv users: a team server's accounts — add one (and print its enrolment link), list them,
// disable, enable, reset, change a role; in a SQLite file (--db) or a PostgreSQL store (--store
// postgres://…). Recorded in the audit trail as the operator (--as NAME).
import { parseArgs } from 'node:util';
import { isRole, ROLES, type Actor, type Role } from '../../shared/access.js';
import { ForbiddenError } from '../api/service.js';
import { accountNameProblem, AccountError, type EnrolmentLink } from '../team/accounts.js';
import { sqliteAccountStore, type AccountStore } from '../team/accountStore.js';
import { pgAccountStore } from '../store/pg/accounts.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { chosenStore, cliActor, openDatabaseFor, UsageError } from './common.js';
import { actingName, withEngine } from './pgStore.js';
import { forTerminal } from '../../shared/visibleText.js';

const cell = (value: string) => forTerminal(value.replace(/[\t\n\r]+/g, ' '));

/** The team server's address from --url or $OMV_TEAM_URL, checked; null when neither is given. */
function teamBaseUrl(flag: string | undefined): string | null {
  const given = flag ?? process.env['OMV_TEAM_URL'];
  if (given === undefined || given.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(given.trim());
  } catch {
    throw new UsageError(`--url (or $OMV_TEAM_URL) is the team server's address such as https://omv.example.org, not "${given}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--url is an http:// or https:// address');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function printLink(link: EnrolmentLink, base: string | null, what: string): void {
  const until = new Date(link.expiresAt).toISOString();
  process.stdout.write(
    `${what}; this link sets the password, once, until ${until}:\n${base === null ? link.path : `${base}${link.path}`}\n`,
  );
  if (base === null)
    process.stderr.write("omv users: put the team server's address before that path (or give --url BASE, or set $OMV_TEAM_URL)\n");
}

export async function usersCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, store: { type: 'string' }, role: { type: 'string' }, url: { type: 'string' } },
  });
  const [action, ...rest] = positionals;
  const needs = (count: number, what: string) => {
    if (rest.length !== count) throw new UsageError(`${action} takes ${what}`);
  };
  const checkRole = (role: string | undefined, flag: string) => {
    if (role === undefined || !isRole(role))
      throw new UsageError(`${flag} is one of ${ROLES.join(', ')}${role === undefined ? '' : `, not "${role}"`}`);
    return role;
  };
  switch (action) {
    case 'add': {
      needs(1, 'the account name');
      checkRole(values.role, '--role');
      const problem = accountNameProblem(rest[0]!);
      if (problem) throw new UsageError(`NAME: ${problem}, not "${rest[0]}"`);
      break;
    }
    case 'role':
      needs(2, 'the account name and its role');
      checkRole(rest[1], 'ROLE');
      break;
    case 'list':
      needs(0, 'nothing more');
      break;
    case 'disable':
    case 'enable':
    case 'reset':
      needs(1, 'the account name');
      break;
    default:
      throw new UsageError(action === undefined ? 'say add, list, disable, enable, reset or role' : `no action "${action}"`);
  }
  if ((values.role !== undefined && action !== 'add') || (values.url !== undefined && action !== 'add' && action !== 'reset'))
    throw new UsageError(`${action} takes no ${values.role !== undefined ? '--role' : '--url'}`);
  const base = action === 'add' || action === 'reset' ? teamBaseUrl(values.url) : null;
  const name = rest[0]!;
  if (action === 'add') rest[1] = checkRole(values.role, '--role');
  const store = chosenStore(values.store, values.db);
  try {
    if (store !== undefined && isPostgresUrl(store)) {
      // On PostgreSQL the operator is named as every command on it names them (--as, $OMV_MODERATOR, the OS user).
      const by: Actor = { name: actingName(), role: 'admin', via: 'operator' };
      return await withEngine(store, (engine) => runAction(pgAccountStore(engine.writes.writer.pool), by, action, name, rest, base));
    }
    const db = openDatabaseFor(store, { mustExist: action !== 'add' });
    try {
      return await runAction(sqliteAccountStore(db), cliActor(db), action, name, rest, base);
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof AccountError || error instanceof ForbiddenError) {
      process.stderr.write(`omv users: ${forTerminal(error.message)}\n`);
      return 1;
    }
    throw error;
  }
}

async function runAction(
  accounts: AccountStore,
  by: Actor,
  action: string,
  name: string,
  rest: string[],
  base: string | null,
): Promise<number> {
  switch (action) {
    case 'add': {
      const role = rest[1] as Role;
      printLink(await accounts.add(by, name, role), base, `added ${cell(name)} (${role})`);
      break;
    }
    case 'list':
      for (const account of await accounts.list()) {
        const last = account.lastSignInAt === null ? '-' : new Date(account.lastSignInAt).toISOString();
        process.stdout.write([cell(account.name), account.role, account.state, last].join('\t') + '\n');
      }
      break;
    case 'disable': {
      const ended = await accounts.disable(by, name);
      process.stdout.write(`disabled ${cell(name)}; ${ended} session${ended === 1 ? '' : 's'} ended\n`);
      break;
    }
    case 'enable':
      await accounts.enable(by, name);
      process.stdout.write(`enabled ${cell(name)}\n`);
      break;
    case 'reset':
      printLink(await accounts.reset(by, name), base, `reset ${cell(name)}: password cleared, sessions ended`);
      break;
    case 'role': {
      const role = rest[1] as Role;
      await accounts.setRole(by, name, role);
      process.stdout.write(`${cell(name)} is now ${role}\n`);
      break;
    }
  }
  return 0;
}
