// Exporting the current filter as CSV (a save dialog on the desktop, a download in the browser),
// and how far it is, from exportProgress events.
import { useEffect, useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import { errorMessage } from '../../../shared/errorMessage';
import { transport } from '../transport';

export interface ExportState {
  rows: number;
  done: boolean;
  error?: string | undefined;
}

export function useExport() {
  const [state, setState] = useState<ExportState | null>(null);
  useEffect(
    () =>
      transport.onEvent((event) => {
        if (event.type === 'exportProgress') setState({ rows: event.rows, done: event.done, error: event.error });
      }),
    [],
  );
  const start = (filter: EntryFilter) =>
    transport.exportCsv(filter).catch((error: unknown) => setState({ rows: 0, done: true, error: errorMessage(error) }));
  return { state, start, dismiss: () => setState(null) };
}
