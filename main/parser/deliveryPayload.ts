// A delivery's payload → what the store needs: its events and repairs, or why it could not be
// read. Never throws: a reason is what quarantine keeps beside the raw bytes — for a malformed
// document, and for anything that goes wrong in the parser too (a payload we were handed is kept
// and answered 200 either way, never lost to a 500 the vendor would retry forever).
import { errorMessage } from '../../shared/errorMessage.js';
import { DELIVERY_FUNCTIONS, NOTIFICATION_FUNCTIONS, type ParsedPayload, type PayloadEvent } from '../../shared/payload.js';
import { parseBytes, PayloadError } from './parse.js';
import { parseInWorker } from './parseFile.js';

/** Payloads at least this large are parsed on a worker thread (an 11 MB one took ~1.2 s here). */
export const WORKER_PARSE_BYTES = 1 << 20;

/** Why a parse ended without the document's events. */
function failure(error: unknown): ParsedPayload {
  if (error instanceof PayloadError) return { ok: false, reason: `malformed payload at ${error.message}` };
  return { ok: false, reason: `the parser failed: ${errorMessage(error)}` };
}

/** Any payload kind, recognised by its root element (saved files carry no function name). */
export function parsePayload(payload: Uint8Array): ParsedPayload {
  try {
    const { events, info } = parseBytes(payload);
    return { ok: true, events, repairs: info.repairs };
  } catch (error) {
    return failure(error);
  }
}

/** Why a callback's function cannot be parsed, or null when it is one of the vendor's deliveries. */
function functionProblem(fn: string | null): string | null {
  if (fn === null) return 'the callback named no function (function= or action= in the query string)';
  if (!Object.hasOwn(DELIVERY_FUNCTIONS, fn)) return `unknown function "${fn}": kept unparsed`;
  return null;
}

/** A callback's payload: only the vendor's data-delivery functions are parsed. */
export function parseDelivery(fn: string | null, payload: Uint8Array): ParsedPayload {
  const problem = functionProblem(fn);
  if (problem) return { ok: false, reason: problem };
  // A notification with no data (no xmlData, or an empty one) has nothing to read.
  if (payload.length === 0 && NOTIFICATION_FUNCTIONS.has(fn!)) return { ok: true, events: [], repairs: [] };
  return parsePayload(payload);
}

/**
 * parseDelivery on a worker thread, for a payload large enough to hold up the event loop (and
 * every other callback with it). The events stay packed until they are written, so memory is
 * about the payload's size, not its objects'.
 */
export async function parseDeliveryInWorker(fn: string | null, payload: Uint8Array): Promise<ParsedPayload> {
  const problem = functionProblem(fn);
  if (problem) return { ok: false, reason: problem };
  const batches: Iterable<PayloadEvent>[] = [];
  let repairs: string[] = [];
  try {
    for await (const step of parseInWorker({ bytes: payload }, { batchSize: 20_000, chunkBytes: 1 << 20 })) {
      if (step.kind === 'events') batches.push(step.events);
      else if (step.kind === 'restart') batches.length = 0;
      else repairs = step.info.repairs;
    }
  } catch (error) {
    return failure(error);
  }
  return {
    ok: true,
    events: (function* () {
      for (const batch of batches) yield* batch;
    })(),
    repairs,
  };
}
