// Who may do what. Every call of the contract names the one permission it needs (shared/api.ts,
// CALLS); a role is a set of permissions; every call is made by an actor with a role. On one
// machine (the desktop app, `omv serve` on loopback) the actor is the local moderator, who may do
// everything; on a team server (`omv serve --team`) it is a signed-in account; on the command line
// it is the operator, named by --as, $OMV_MODERATOR or the local moderator.
import { UserFacingError } from './userFacingError.js';

export const PERMISSIONS = [
  /** See everything stored: rooms, entries, searches, reports, the quarantine, the audit trail. */
  'read',
  /** Tags, notes, review marks, saved searches. */
  'annotate',
  /** Move a report the actor has claimed (or an unclaimed one, unless claims are required). */
  'decide',
  /** Assign reports to others, take over a claim, reopen and decide any report. */
  'assign',
  /** Export entries (CSV, JSON Lines) and their manifests. */
  'export',
  /** Import files and retry the quarantine: data in. */
  'import',
  /** Change the watchlist and check it against what is stored. */
  'watchlist',
  /** Remove entries older than a date. */
  'purge',
  /** Add, disable, enable, reset and change the role of accounts; the desk's settings. */
  'manageUsers',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['moderator', 'lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The roles, each a set of permissions (README's table is this one). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  moderator: ['read', 'annotate', 'decide'],
  lead: ['read', 'annotate', 'decide', 'assign', 'export', 'import', 'watchlist'],
  admin: PERMISSIONS,
};

export function isRole(text: unknown): text is Role {
  return typeof text === 'string' && (ROLES as readonly string[]).includes(text);
}

/** Who is asking. */
export interface Actor {
  /** The name the audit trail records. */
  name: string;
  role: Role;
  /** The local moderator (one machine, no login), a signed-in account, or the operator at the command line. */
  via: 'local' | 'account' | 'operator';
  /** The account's id on a team server. */
  accountId?: number;
}

export function can(actor: Actor, permission: Permission): boolean {
  return ROLE_PERMISSIONS[actor.role].includes(permission);
}

/** A call, or a move within one, that the actor's role does not allow: HTTP 403, nothing changed. */
export class ForbiddenError extends UserFacingError {
  readonly status = 403;
}
