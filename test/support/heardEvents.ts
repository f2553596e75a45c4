// The live events a desk hears on a stream of them (GET /api/events), as they come, and a wait for
// the first that matches.
import { eventData } from '../../shared/eventStream.js';

export type HeardEvent = Record<string, unknown>;

export interface HeardEvents {
  /** Every event heard so far, oldest first. */
  events: HeardEvent[];
  /** The first event heard that matches (one heard already included); fails the test if none comes in 30 s. */
  next(match: (event: HeardEvent) => boolean): Promise<HeardEvent>;
}

/** Reads `body` until it ends (or its fetch is aborted). */
export function heardEvents(body: ReadableStream<Uint8Array>): HeardEvents {
  const events: HeardEvent[] = [];
  const waiting: Array<{ match: (event: HeardEvent) => boolean; resolve: (event: HeardEvent) => void }> = [];
  const seen = (event: HeardEvent) => {
    events.push(event);
    for (const w of waiting.splice(0))
      if (w.match(event)) w.resolve(event);
      else waiting.push(w);
  };
  void (async () => {
    try {
      for await (const data of eventData(body)) seen(JSON.parse(data) as HeardEvent);
    } catch {
      // the stream was closed
    }
  })();
  return {
    events,
    // An event that never comes fails the test (after a wait no healthy loopback comes near) instead of hanging the run.
    next: (match) =>
      new Promise((resolve, reject) => {
        const found = events.find(match);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`no such event came; heard ${JSON.stringify(events)}`)), 30_000);
        waiting.push({
          match,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
      }),
  };
}
