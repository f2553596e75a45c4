// Importing files the moderator dropped or picked (or, on the desktop, chose in a dialog): how
// far it is, from upload and import progress events, and what came of each file.
import { useEffect, useState } from 'react';
import type { ImportFileResult } from '../../../shared/api';
import { errorMessage } from '../../../shared/errorMessage';
import { transport } from '../transport';
import { entriesChanged } from './liveUpdates';

export type ImportState =
  | { phase: 'running'; name: string; fraction: number; entries: number }
  | { phase: 'done'; results: ImportFileResult[] }
  | { phase: 'failed'; error: string };

export function useImport() {
  const [state, setState] = useState<ImportState | null>(null);

  useEffect(
    () =>
      transport.onEvent((event) => {
        if (event.type !== 'importProgress') return;
        const fraction = event.totalBytes ? event.bytesRead / event.totalBytes : 1;
        setState((s) => (s?.phase === 'running' ? { ...s, name: event.name, fraction, entries: event.entries } : s));
      }),
    [],
  );

  const start = async (files: File[] | null) => {
    setState({ phase: 'running', name: files?.[0]?.name ?? '', fraction: 0, entries: 0 });
    try {
      const results = await transport.importFiles(files, (name, sent, total) =>
        setState((s) => (s?.phase === 'running' ? { ...s, name, fraction: total ? (0.5 * sent) / total : 0 } : s)),
      );
      setState({ phase: 'done', results });
      entriesChanged();
    } catch (error) {
      setState({ phase: 'failed', error: errorMessage(error) });
    }
  };

  return { state, start, dismiss: () => setState(null) };
}
