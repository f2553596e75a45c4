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
  run: (onProgress: (rows: number) => void) => Promise<number>,
  finish: (rows: number) => Promise<ExportManifest> | ExportManifest,
): Promise<ExportManifest> {
  let rows = 0;
  try {
    rows = await run((sofar) => {
      rows = sofar;
      events.emit({ type: 'exportProgress', rows, done: false });
    });
    const manifest = await finish(rows);
    events.emit({ type: 'exportProgress', rows, done: true, manifest });
    return manifest;
  } catch (error) {
    events.emit({ type: 'exportProgress', rows, done: true, error: apiErrorMessage(error, 'exportCsv') });
    throw error;
  }
}
