// omv audit: the trail of moderator actions — prove it is intact (and, with anchors kept elsewhere,
// whole), print an anchor to keep, or read it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { auditHead, listAudit, parseAnchor, verifyAudit, type SourcedAnchor } from '../store/audit.js';
import { chosenStore, openDatabaseFor, UsageError } from './common.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { printAuditAnchor, printAuditRows, printAuditVerdict } from './storeAnswers.js';

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
    if (action === 'list') printAuditRows(listAudit(db));
    else if (action === 'anchor') printAuditAnchor(auditHead(db));
    else return printAuditVerdict(verifyAudit(db, anchors), anchors);
    return 0;
  } finally {
    db.close();
  }
}
