// A delivery's payload → what the store needs: its events, or why it could not be read. Never
// throws for bad input: a reason is what quarantine keeps beside the raw bytes.
import { DELIVERY_FUNCTIONS } from '../../shared/payload.js';
import type { ParsedPayload } from '../store/deliveries.js';
import { parseBytes, PayloadError } from './parse.js';

/** Any payload kind, recognised by its root element (saved files carry no function name). */
export function parsePayload(payload: Uint8Array): ParsedPayload {
  try {
    return { ok: true, events: parseBytes(payload).events };
  } catch (error) {
    if (error instanceof PayloadError) return { ok: false, reason: `malformed payload at ${error.message}` };
    throw error;
  }
}

/** A callback's payload: only the vendor's data-delivery functions are parsed. */
export function parseDelivery(fn: string | null, payload: Uint8Array): ParsedPayload {
  if (fn === null) return { ok: false, reason: 'the callback named no function (function= or action= in the query string)' };
  if (!Object.hasOwn(DELIVERY_FUNCTIONS, fn)) return { ok: false, reason: `unknown function "${fn}": kept unparsed` };
  return parsePayload(payload);
}
