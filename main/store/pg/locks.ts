// Advisory lock keys the PostgreSQL store's writers share (pg_advisory_xact_lock: held until the
// transaction ends).

/**
 * A purge against the receiver: each of a purge's transactions holds it exclusively while it
 * decides what to keep and removes the rest; a receiver's group holds it shared. So a report (or a
 * hold) either lands before the purge decides — and its entries are kept — or after the purge's
 * transaction — and the entries it quotes are stored again from its own payload. Never between.
 */
export const PURGE_LOCK = 0x6f6d7603;

/**
 * The claims mode against the report changes decided under it (store/pg/review/reports.ts): a
 * change to a report holds it shared while it reads the mode and decides; setClaimsMode holds it
 * exclusively while it changes the mode (and, turning claims off, releases every claim). So a claim
 * is never decided on a mode that is being changed, nor left behind by the release of all claims.
 */
export const CLAIMS_LOCK = 0x6f6d7604;

/**
 * A room name's review mark: a mark or its undo holds it (with the name's hash as the second key)
 * while it reads the name's marks and writes the next, so two desks marking the same room at once
 * are made one after the other, as SQLite's single writer makes them. Rooms' rows are not locked
 * for it: the receiver updates them with every delivery.
 */
export const REVIEW_MARK_LOCK = 0x6f6d7605;

/**
 * A delivery's import (its id as the second key, within int4), held by the importing process on a
 * session of its own for as long as the import runs (pg_try_advisory_lock: gone with the session,
 * a kill -9's too): another omv importing the same file at the same moment finds it held and leaves
 * the delivery to it, instead of writing its entries beside it (each counting its share as new).
 */
export const IMPORT_LOCK = 0x6f6d7606;

/**
 * Rooms and users made: a writer making some holds it until its transaction ends. Two writers
 * (two groups of one receiver, two servers) making the same new names in another order would each
 * wait on the other's uncommitted rows, a deadlock; this way the second finds them made. Only
 * writers making names take it: a delivery whose rooms and users exist goes by.
 */
export const NAMES_LOCK = 0x6f6d7607;
