// The desk's own settings, kept in the database they belong to: who the moderator is, the salt
// that makes pseudonyms stable for this database, how far watch matching has looked. Read on
// every writable open (bulkLoad.ts), so node:crypto is loaded only when a salt is made.
import { prepareCached, type Db } from './db.js';

/** How many times a purge removed the newest entries, letting their ids be handed out again (purge.ts). */
export const ENTRY_IDS_FREED = 'entry_ids_freed';

export function getSetting(db: Db, key: string): string | null {
  return prepareCached<[string], string>(db, 'SELECT value FROM settings WHERE key = ?').pluck().get(key) ?? null;
}

export function setSetting(db: Db, key: string, value: string): void {
  prepareCached(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}

/** This database's pseudonym salt, made on first use. */
export function pseudonymSalt(db: Db): string {
  const salt = getSetting(db, 'pseudonym_salt');
  if (salt !== null) return salt;
  const made = process.getBuiltinModule('node:crypto').randomBytes(16).toString('hex');
  setSetting(db, 'pseudonym_salt', made);
  return made;
}
