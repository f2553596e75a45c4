// Every command's usage text, apart from the commands themselves: `omv --help` prints them all
// without loading a single command (the SQLite binding, the server, the parser…).
import { ROLES } from '../../shared/access.js';
import { REPORT_STATUSES } from '../../shared/review.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../api/queryLimit.js';
import { DEFAULT_PORT } from '../intake/receiver/defaults.js';

export const DEFAULT_TEAM_LISTEN = '127.0.0.1:8420';

const teamUsage = `omv serve --team [--config FILE] [--db FILE | --store postgres://…] [--listen ADDR:PORT] [--callback-listen ADDR:PORT]
         [--tls-cert FILE --tls-key FILE] [--trusted-proxy ADDR]… [--public-url URL]
         [--callback-secret [DOMAIN=]SECRET]… [--callback-allow ADDR|CIDR]… [--max-body SIZE] [--query-timeout S] [--quiet]
  The team server: the vendor's callbacks and one desk for every moderator, each signed in with an
  account (omv users add NAME --role moderator|lead|admin prints their enrolment link).
  --config          settings in a file (omv.toml, or .json): every flag without its dashes as a key; flags win
  --listen          where the desk listens (default ${DEFAULT_TEAM_LISTEN}); off loopback it needs TLS: --tls-cert
                    and --tls-key, or a TLS proxy in front (--trusted-proxy)
  --callback-listen a port of the receiver's own for the vendor (default: /callback on the desk's listener)
  --tls-cert/--tls-key  serve HTTPS with this certificate chain and key (PEM)
  --trusted-proxy   a reverse proxy's address (repeatable): its X-Forwarded-For and X-Forwarded-Proto are believed
  --public-url      the address moderators open (https://omv.example.org): printed links use it, and the
                    Origin of every request must be it
  --callback-secret required: SECRET for every domain, or DOMAIN=SECRET (repeatable); the vendor calls /callback/SECRET
  --callback-allow  take callbacks only from these addresses or CIDR blocks (repeatable; default: any)`;

export const serveUsage = `omv serve [--db FILE | --store postgres://…] [--host H] [--port N] [--token T] [--callback-secret [DOMAIN=]SECRET]… [--max-body SIZE] [--query-timeout S] [--quiet] [--no-viewer]
  Receive the vendor's callbacks (sendOfflineMessages, sendArchive, reportAbuse, sendConnectionList).
  --store     the store: a SQLite file (as --db), or a PostgreSQL database postgres://USER[:PASSWORD]@HOST[:PORT]/DB
              (else $OMV_STORE); the viewer's desk works on either
  --host      address to bind (default 127.0.0.1; any other needs --token)
  --port      port (default ${DEFAULT_PORT}; 0 picks a free one)
  --token     secret every domain's callback URL must carry: /callback/SECRET
  --callback-secret SECRET  the same as --token
  --callback-secret DOMAIN=SECRET  (repeatable) the secret of the domain whose domainID is DOMAIN,
              instead of --token's: its URL is /callback/SECRET
  --max-body  largest request body accepted (default 16M)
  --quiet     do not log each delivery
  --no-viewer receive only: do not serve the browser viewer (it answers 127.0.0.1 only, with a key)
  --query-timeout  how long one of the viewer's searches or pages may run before it is stopped
              with a message (default ${DEFAULT_QUERY_TIMEOUT_MS / 1000})

${teamUsage}`;

export const importUsage = `omv import [--db FILE | --store postgres://…] [--domain ID] PATH…
  Import saved XML payloads (any kind); folders are searched for *.xml.
  --store   the store: a SQLite file (as --db), or a PostgreSQL database postgres://USER[:PASSWORD]@HOST[:PORT]/DB
            (entries a batch per transaction, by COPY; a file cut short is completed by importing it again)
  --domain  the domainID the files came from (default: empty)
  Exit status 1 when any file failed; the others are imported all the same.`;

export const exportUsage = `omv export [--db FILE | --store postgres://…] [--out FILE [--force]] [--room NAME] [--domain ID] [--user ID] [--type T] [--from T] [--to T] [--query TEXT] [--raw] [--format csv|jsonl] [--with-review] [--pseudonymous] [--timeout SECONDS]
  Write entries as CSV (RFC 4180) in timestamp order, to stdout or --out.
  --format     csv (default) or jsonl: one JSON object a line, the same fields
  --with-review  add the columns tags,notes,review_status after the twelve fixed ones
  --pseudonymous  users by their pseudonyms (as the desk shows them), not their IDs: user_id,
               display_name and the IDs in room names; the manifest says "ids": "pseudonymous"
  With --out FILE, FILE.manifest.json is written too (query, rows, times, SHA-256, audit row)
  --force      replace FILE and FILE.manifest.json if they exist (without it, an existing one is refused)
  --domain     the rooms of this chat domain (the callbacks' domainID) only: with --room, that domain's
               room of the name, not the rooms of the same name in other domains
  --from/--to  epoch ms or ISO 8601 (UTC unless zoned); both inclusive, a bare --to date means the whole day
  --query      a search, as in the desk's search box: words, "phrases", prefix*, -excluded,
               from:USER in:ROOM domain:ID type:TYPE before:DATE after:DATE tag:NAME has:note
               status:unreviewed (the flags above win)
  --raw        keep cells starting with = + - @ tab CR as they are (by default they get a leading ')
  --timeout    stop when no entry has been found for this long (default 30; a slow reader is no stall)`;

export const searchUsage = `omv search [--db FILE | --store postgres://…] [--limit N] [--timeout SECONDS] QUERY
  Full-text search of message content, newest first: words, "phrases", prefix*, -excluded, and
  the filters from:USER in:ROOM domain:ID type:TYPE before:DATE after:DATE tag:NAME has:note
  status:unreviewed (a filter alone lists its entries, -word alone every entry without it). The last line says how many there are, exactly.
  --limit    how many hits to show (default 20; any number, read a page at a time)
  --timeout  stop a search that runs longer (default 30; exit status 137 when it does)
  A word starting with one - is part of the query (-word excludes); after --, everything is.`;

export const statsUsage = `omv stats [--db FILE]
  Counts of rooms, users, entries by type, deliveries, duplicates and quarantined payloads
  (of a SQLite file; on PostgreSQL the desk shows them).`;

export const quarantineUsage = `omv quarantine [--db FILE] list | show ID | retry [ID]
  list   the kept payloads that could not be read, with the reason
  show   one of them: its details, then the raw payload bytes
  retry  parse them again (after an upgrade); those that now parse are stored
  (a SQLite file; on PostgreSQL the desk's quarantine view lists and retries them)`;

export const reportsUsage = `omv reports [--db FILE] list [--status S] | set ID STATUS --reason TEXT
  list   a line per report, newest first: id, status, received, reporter, accused, reason, room
  set    move a report: ${REPORT_STATUSES.join(', ')} (a reason is required to decide one or reopen it);
         recorded in the audit trail as $OMV_MODERATOR, else your user name
  (a SQLite file; on PostgreSQL the desk's reports view does both)`;

export const auditUsage = `omv audit [--db FILE | --store postgres://…] verify [--anchor N:HASH]… [--manifest FILE]… | anchor | list
  verify  check the hash chain: "audit chain intact: N rows" (exit 0), or the first row that is not (exit 1);
          with --anchor (as omv audit anchor printed it) or --manifest (an export's FILE.manifest.json),
          also that the trail still holds that row with that hash: a trail cut short, rewritten or
          rolled back to a backup since then fails (both repeatable)
  anchor  print the newest row as N:HASH: keep it somewhere else (a ticket, a mail, a notebook)
  list    every action: id, time, moderator, action, details`;

export const purgeUsage = `omv purge [--db FILE | --store postgres://…] --before DATE [--dry-run]
  remove entries older than DATE (epoch ms or ISO 8601, UTC), except those under a hold and those
  quoted by reports still open or in review; --dry-run only counts; recorded in the audit trail.
  What is removed is forgotten: cut out of the raw payloads kept as proof (dropped when nothing of
  one is left), out of the full-text index and the file's free pages, with its notes; payloads kept
  in quarantine that arrived before DATE are dropped. Runs in short batches beside omv serve.
  On PostgreSQL a whole month with nothing to keep is dropped as a table (its files gone at once);
  rows deleted from a month that stays keep their bytes in its pages until VACUUM reuses the space.`;

export const checkUsage = `omv check [--db FILE | --store postgres://…] [--repair]
  Check the database: every page and index (SQLite's integrity_check), the full-text index
  against the entries, and the rooms' counts and hourly activity. Exit 1 when anything is wrong.
  On PostgreSQL: the full-text columns against the entries, the counts and activity, the month
  partitions, whether omv's role can make a new month's partition, and the audit chain (pages are
  PostgreSQL's: it says whether data checksums are on).
  --repair   first make the full-text index (PostgreSQL: each entry's full-text columns) again from
             the entries where it is not what they hold, recorded in the audit trail; beside omv serve.
             Damaged pages are not repaired: restore a backup.`;

export const backupUsage = `omv backup [--db FILE | --store postgres://…] BACKUP-FILE
  Copy the database to BACKUP-FILE while it is in use (SQLite's online backup), then check the
  copy. An existing BACKUP-FILE is never overwritten. Recorded in the audit trail.
  On PostgreSQL: pg_dump's custom format, read back whole with pg_restore --list
  (restore, as a superuser: createdb --owner OMV-ROLE --encoding UTF8 --template template0 NEW &&
  pg_restore --dbname NEW BACKUP-FILE, then REVOKE CONNECT ON DATABASE NEW FROM PUBLIC; a database
  another role owns keeps omv from making new months' partitions, which omv check reports).`;

const ROLE_LIST = ROLES.join('|');

export const usersUsage = `omv users [--db FILE | --store postgres://…] add NAME --role ${ROLE_LIST} [--url BASE] | list | disable NAME | enable NAME | reset NAME [--url BASE] | role NAME ${ROLE_LIST}
  add      a team server account; prints the one-time link that sets its password (valid 72 hours)
  list     a line per account: name, role, state (active, awaiting enrolment, locked, disabled), last sign-in
  disable  no more sign-ins; its sessions end at once
  enable   lets a disabled account sign in again
  reset    clears the password, ends its sessions, prints a new link
  role     gives the account another role
  The link starts with --url BASE, else $OMV_TEAM_URL (the team server's address, e.g. https://omv.example.org)`;

export const migrateStoreUsage = `omv migrate-store --from FILE --to postgres://USER[:PASSWORD]@HOST[:PORT]/DB
  Copy a desk's SQLite database into a new PostgreSQL database (15 or later): entries, deliveries with
  their raw payloads and quarantine, rooms, users, the review data, accounts and the audit chain, with
  the same ids. Then check it: every table's rows counted on both sides, the audit chain verified on
  PostgreSQL and ending where the file's ended; the move is recorded in both trails. The file is kept.
  Exit status 1 when the check fails (nothing is kept in PostgreSQL when the copy itself fails).`;
