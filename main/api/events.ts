// Events for the UI (new entries, deliveries, import progress): main emits, transports forward.
import type { ApiEvent } from '../../shared/api.js';
import { apiErrorMessage } from './apiError.js';
import type { ExportManifest } from '../../shared/review.js';

/**
 * Who hears an event: every desk, or (`audience`) the desks of the one moderator it is for — the
 * progress of their own export, import or tag-all is no one else's business on a team server.
 * `relayed`: it happened on another server over the same store (api/neighbours.ts), for the desks
 * to hear; this process has nothing to do about it.
 */
export type EventListener = (event: ApiEvent, audience: string | undefined, relayed: boolean) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApiEvent, audience?: string): void {
    for (const listener of this.listeners) listener(event, audience, false);
  }

  /** What another server over the same store told its desks (`audience`: one moderator's): the desks here hear it too. */
  emitRelayed(event: ApiEvent, audience?: string): void {
    for (const listener of this.listeners) listener(event, audience, true);
  }
}

/**
 * Runs an export, telling the UI how many rows it has written and when it has finished (with its
 * manifest, which `finish` records) or failed.
 */
export async function reportedExport(
  events: EventHub,
  /** Whose export it is: only their desks hear of it. */
  audience: string,
  run: (onProgress: (rows: number) => void, onTotal: (rows: number) => void) => Promise<number>,
  finish: (rows: number) => Promise<ExportManifest> | ExportManifest,
): Promise<ExportManifest> {
  let rows = 0;
  let total: number | undefined;
  try {
    rows = await run(
      (sofar) => {
        rows = sofar;
        events.emit({ type: 'exportProgress', rows, total, done: false }, audience);
      },
      (all) => {
        total = all;
        events.emit({ type: 'exportProgress', rows, total, done: false }, audience);
      },
    );
    const manifest = await finish(rows);
    events.emit({ type: 'exportProgress', rows, total, done: true, manifest }, audience);
    return manifest;
  } catch (error) {
    events.emit({ type: 'exportProgress', rows, total, done: true, error: apiErrorMessage(error, 'exportCsv') }, audience);
    throw error;
  }
}
