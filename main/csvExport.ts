// Entries as CSV to any writable stream, page by page with backpressure: flat memory whatever
// the row count. The CLI's export and the viewer's download both use it.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EntryFilter } from '../shared/api.js';
import { csvRow } from '../shared/csv.js';
import { EXPORT_COLUMNS, exportValues } from '../shared/entryRecord.js';
import type { Db } from './store/db.js';
import { allEntries } from './store/entryQuery.js';

export async function writeCsv(db: Db, filter: EntryFilter, out: Writable, neutraliseFormulas = true): Promise<number> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let rows = 0;
  await write(csvRow(EXPORT_COLUMNS, false));
  for (const entry of allEntries(db, filter)) {
    await write(csvRow(exportValues(entry), neutraliseFormulas));
    rows += 1;
  }
  return rows;
}
