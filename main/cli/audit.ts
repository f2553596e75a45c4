// omv audit: the trail of moderator actions — prove it is intact (and, with anchors kept elsewhere,
// whole), print an anchor to keep, or read it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { auditHead, listAudit, parseAnchor, verifyAudit, type SourcedAnchor } from '../store/audit.js';
import { chosenStore, openDatabaseFor, UsageError } from './common.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { forTerminal } from '../../shared/visibleText.js';

/** The anchor an export manifest carries: its audit row and that row's hash. */
function manifestAnchor(path: string): SourcedAnchor {
  let manifest: { auditRow?: unknown; auditHash?: unknown };
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as typeof manifest;
  } catch (error) {
    throw new UsageError(`--manifest ${path}: not a manifest omv wrote (${(error as Error).message})`);
  }
  const anchor = parseAnchor(`${String(manifest.auditRow)}:${String(manifest.auditHash)}`);
  if (!anchor) throw new UsageError(`--manifest ${path}: it names no audit row and hash (made by an omv before anchors)`);
  return { ...anchor, source: `the manifest ${path}` };
}

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      store: { type: 'string' },
      anchor: { type: 'string', multiple: true, default: [] },
      manifest: { type: 'string', multiple: true, default: [] },
    },
  });
  const [action, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (action !== 'verify' && action !== 'list' && action !== 'anchor')
    throw new UsageError(action === undefined ? 'say verify, anchor or list' : `no action "${action}"`);
  if (action !== 'verify' && (values.anchor!.length > 0 || values.manifest!.length > 0))
    throw new UsageError('--anchor and --manifest go with verify');
  const anchors: SourcedAnchor[] = [
    ...values.anchor!.map((text) => {
      const anchor = parseAnchor(text);
      if (!anchor) throw new UsageError(`--anchor takes N:HASH as omv audit anchor prints it, not "${text}"`);
      return { ...anchor, source: `the anchor ${anchor.row}:${anchor.hash.slice(0, 12)}…` };
    }),
    ...values.manifest!.map(manifestAnchor),
  ];
  const store = chosenStore(values.store, values.db);
  if (store !== undefined && isPostgresUrl(store)) return (await import('./pgStore.js')).auditPg(store, action, anchors);
  const db = openDatabaseFor(store, { mustExist: true });
  try {
    if (action === 'list') {
      for (const row of listAudit(db)) {
        process.stdout.write(
          `${row.id}\t${new Date(row.at).toISOString()}\t${forTerminal(row.moderator)}\t${forTerminal(row.action)}\t${forTerminal(JSON.stringify(row.details))}\n`,
        );
      }
      return 0;
    }
    if (action === 'anchor') {
      const head = auditHead(db);
      process.stdout.write(`${head.row}:${head.hash}\n`);
      return 0;
    }
    const verdict = verifyAudit(db, anchors);
    if (verdict.intact) {
      process.stdout.write(`audit chain intact: ${verdict.rows} rows\n`);
      if (anchors.length > 0) process.stdout.write(`anchors: ${anchors.length} held (${anchors.map((a) => a.source).join('; ')})\n`);
      if (verdict.redacted)
        process.stdout.write(`redacted: ${verdict.redacted} rows' details were removed by a purge (their facts still verify)\n`);
      return 0;
    }
    process.stdout.write(
      `audit chain broken at row ${verdict.badRow}: ${forTerminal(verdict.why)} (${verdict.rows} rows before it verify)\n`,
    );
    return 1;
  } finally {
    db.close();
  }
}
