// Exporting what is on screen as CSV (a save dialog on the desktop, a download in the browser),
// how far it is (exportProgress events), and its manifest once done.
import { useEffect, useState } from 'react';
import type { ExportManifest } from '../../../shared/review';
import { errorMessage } from '../../../shared/errorMessage';
import { transport, type ExportArgs } from '../transport';

export interface ExportState {
  rows: number;
  /** How many rows the export will have, once main has counted them. */
  total?: number | undefined;
  done: boolean;
  error?: string | undefined;
  manifest?: ExportManifest | undefined;
}

export function useExport() {
  const [state, setState] = useState<ExportState | null>(null);
  useEffect(
    () =>
      transport.onEvent((event) => {
        if (event.type === 'exportProgress')
          setState({ rows: event.rows, total: event.total, done: event.done, error: event.error, manifest: event.manifest });
      }),
    [],
  );
  const start = (args: ExportArgs) =>
    transport.exportCsv(args).catch((error: unknown) => setState({ rows: 0, done: true, error: errorMessage(error) }));
  return { state, start, dismiss: () => setState(null) };
}

/** Stops the export under way: it ends as failed (an exportProgress event says so), its file unfinished. */
export const cancelExport = () => transport.api.cancelExport({}).then(() => undefined);
