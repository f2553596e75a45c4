// Events for the UI (new entries, deliveries, import progress): main emits, transports forward.
import type { ApiEvent } from '../../shared/api.js';
import { apiErrorMessage } from './apiError.js';
import type { ExportManifest } from '../../shared/review.js';

export class EventHub {
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApiEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * Runs an export, telling the UI how many rows it has written and when it has finished (with its
 * manifest, which `finish` records) or failed.
 */
export async function reportedExport(
  events: EventHub,
  run: (onProgress: (rows: number) => void, onTotal: (rows: number) => void) => Promise<number>,
  finish: (rows: number) => Promise<ExportManifest> | ExportManifest,
): Promise<ExportManifest> {
  let rows = 0;
  let total: number | undefined;
  try {
    rows = await run(
      (sofar) => {
        rows = sofar;
        events.emit({ type: 'exportProgress', rows, total, done: false });
      },
      (all) => {
        total = all;
        events.emit({ type: 'exportProgress', rows, total, done: false });
      },
    );
    const manifest = await finish(rows);
    events.emit({ type: 'exportProgress', rows, total, done: true, manifest });
    return manifest;
  } catch (error) {
    events.emit({ type: 'exportProgress', rows, total, done: true, error: apiErrorMessage(error, 'exportCsv') });
    throw error;
  }
}
