// A thread of the parser pool (parserPool.ts): parses each payload it is given as parseDelivery
// does, and answers with its events packed (moved, not copied) or the reason it could not be read.
import { parentPort } from 'node:worker_threads';
import type { PayloadEvent } from '../../shared/payload.js';
import { parseDelivery } from './deliveryPayload.js';
import { packEvents, transferables } from './eventBatch.js';
import type { ParseAnswer, ParseRequest } from './parserPool.js';

const port = parentPort!;
port.on('message', ({ id, fn, bytes }: ParseRequest) => {
  const parsed = parseDelivery(fn, bytes);
  if (!parsed.ok) return port.postMessage({ id, ok: false, reason: parsed.reason } satisfies ParseAnswer);
  const batch = packEvents(parsed.events as PayloadEvent[]);
  port.postMessage({ id, ok: true, batch, repairs: parsed.repairs } satisfies ParseAnswer, transferables(batch));
});
