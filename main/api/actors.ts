// Who is acting, when no one signs in: the local moderator (the desktop app, `omv serve` on
// loopback), and the operator at the command line. One rule names both: the name given for this
// one action (--as on the command line), else $OMV_MODERATOR (a shared or scripted setup), else
// the name the desk was given on its first start, else the operating system's user name. Both may
// do everything: whoever runs omv on this machine owns its database anyway.
import { userInfo } from 'node:os';
import type { Actor } from '../../shared/access.js';
import type { Db } from '../store/db.js';
import { getSetting } from '../store/settings.js';

/** The name the desk or the environment gives, or null when none is given yet (the desk asks on first start). */
export function givenName(db: Db, env: NodeJS.ProcessEnv = process.env): string | null {
  return env['OMV_MODERATOR']?.trim() || getSetting(db, 'moderator');
}

/** The name an action is recorded under: `explicit` (--as), else the given name, else the OS user name. */
export function actingName(db: Db, explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return explicit?.trim() || givenName(db, env) || userInfo().username;
}

/** This machine's own moderator, as the desk's calls are made. */
export function localActor(db: Db): Actor {
  return { name: actingName(db), role: 'admin', via: 'local' };
}

/** The operator at the command line (--as NAME names them for one command). */
export function operatorActor(db: Db, as?: string | null): Actor {
  return { name: actingName(db, as), role: 'admin', via: 'operator' };
}
