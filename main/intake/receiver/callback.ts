// One vendor callback: the form's xmlData → parser → store, answered only once the outcome is
// committed. The answer is 200 whenever the payload is ours (stored, a repeat, or kept in
// quarantine), 503 when it could not be committed, so the vendor tries again. A request that
// carries xmlData more than once with different values makes a delivery of each (a line each in
// the answer): nothing it carried is dropped.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../../../shared/errorMessage.js';
import { forTerminal } from '../../../shared/visibleText.js';
import { NOTIFICATION_FUNCTIONS, type ParsedPayload } from '../../../shared/payload.js';
import { parseDeliveryInWorker, WORKER_PARSE_BYTES } from '../../parser/deliveryPayload.js';
import type { ParserPool } from '../../parser/parserPool.js';
import type { DeliveryMeta, StoreOutcome } from '../../store/deliveries.js';
import type { DeliveryStore } from './deliveryStore.js';
import { FormError, readFormField, type FormFieldValue } from './formField.js';

export interface CallbackContext {
  store: DeliveryStore;
  /** Where payloads are parsed (threads of their own: this one answers callbacks and writes them). */
  parsers: ParserPool;
  maxBodyBytes: number;
  /** The whole body must arrive within this time. */
  bodyTimeoutMs: number;
  /**
   * A delivery the store has not confirmed by then is answered 503 (send it again), before the
   * connection's idle limit cuts the sender off with no answer at all: a commit can wait that long
   * (PostgreSQL waiting for a synchronous standby that is away). What commits later is kept, and
   * the sender's retry finds it already received.
   */
  answerWithinMs: number;
  log: (line: string) => void;
  /** Told of every committed outcome (the viewer's live updates listen here). */
  onStored: (outcome: StoreOutcome) => void;
}

/**
 * What became of a delivery, on one line of the answer (and of the log): what a reason or a repair
 * quotes from the payload has its line breaks and controls shown as escapes, so a payload cannot
 * add a line ("stored as delivery 9") to the answer.
 */
export function describeOutcome(outcome: StoreOutcome): string {
  return forTerminal(outcomeText(outcome));
}

function outcomeText(outcome: StoreOutcome): string {
  switch (outcome.status) {
    case 'stored': {
      const repaired = outcome.repairs.length ? `; repaired: ${outcome.repairs.join('; ')}` : '';
      return `stored as delivery ${outcome.deliveryId}: ${outcome.counts.entries} entries (${outcome.counts.newEntries} new)${repaired}`;
    }
    case 'duplicate':
      return `already received as delivery ${outcome.deliveryId}: nothing added`;
    case 'quarantined':
      return `kept in quarantine as delivery ${outcome.deliveryId}: ${outcome.reason}`;
  }
}

/** Why a delivery could not be committed, and what the operator can do: said once in the log line and the 503. */
export function describeStoreFailure(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  const message = errorMessage(error);
  if (code === 'SQLITE_FULL' || /ENOSPC/.test(message))
    return `the disk is full (${message}): free space; until then deliveries are refused and the vendor retries`;
  if (code.startsWith('SQLITE_READONLY') || /EROFS|read-?only/i.test(message))
    return `the database cannot be written (${message}): check the file's permissions and that its file system is mounted read-write`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return `the database is locked by another program (${message})`;
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN')
    return `the database file could not be written (${message}): check the disk, and the file's permissions and attributes`;
  return message;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${text}\n`);
}

export async function handleCallback(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  context: CallbackContext,
): Promise<void> {
  const fn = query.get('function') ?? query.get('action');
  if (req.method === 'GET' || req.method === 'HEAD') {
    return answer(res, 501, `omv receives the vendor's data deliveries (POST with xmlData); "${fn ?? '(no function)'}" is not implemented`);
  }
  if (req.method !== 'POST') return answer(res, 405, 'use POST', { allow: 'POST' });

  let values: FormFieldValue[];
  try {
    values = await readFormField(req, 'xmlData', context.maxBodyBytes, context.bodyTimeoutMs);
  } catch (error) {
    if (!(error instanceof FormError)) throw error;
    // A notification without data is still a delivery: kept (empty), answered 200.
    if (error.fieldMissing && fn !== null && NOTIFICATION_FUNCTIONS.has(fn)) values = [{ bytes: Buffer.alloc(0), notes: [] }];
    else {
      context.log(`${error.status} ${fn ?? '-'}: ${error.message}`);
      if (req.socket.destroyed) return; // cut off: there is no one left to answer
      return answer(res, error.status, error.message, error.status === 413 ? { connection: 'close' } : {});
    }
  }

  const receivedAt = Date.now();
  // The body is in: from here the answer's own deadline (answerWithinMs, after the store is asked)
  // is the limit, not the connection's idle one, which a long parse of a large payload would pass
  // with no answer at all. Node sets the idle limit between requests again once this one is answered.
  req.socket.setTimeout(0);
  // From here on this delivery is on its way to the store: the group being formed waits for it.
  const submitted = context.store.expect?.() ?? (() => {});
  try {
    return await parseAndStore(res, query, context, fn, values, receivedAt, submitted);
  } finally {
    submitted(); // a second call does nothing
  }
}

async function parseAndStore(
  res: ServerResponse,
  query: URLSearchParams,
  context: CallbackContext,
  fn: string | null,
  values: FormFieldValue[],
  receivedAt: number,
  submitted: () => void,
): Promise<void> {
  const deliveries: { meta: DeliveryMeta; parsed: ParsedPayload }[] = [];
  for (const { bytes: payload, notes } of documentsOf(values, 'xmlData')) {
    const meta: DeliveryMeta = {
      source: 'callback',
      function: fn,
      domainId: query.get('domainID') ?? '',
      type: query.get('type'),
      callId: query.get('callID') || null, // an empty callID= names nothing
      memberId: query.get('memberID'),
      targetMemberId: query.get('targetMemberID'),
      receivedAt,
      payload,
      payloadSize: payload.length,
      sha256: createHash('sha256').update(payload).digest('hex'),
    };
    // Parsed on another thread: this one answers the other callbacks and writes meanwhile. A large
    // payload gets a thread of its own that hands its events over in batches.
    const parsed =
      payload.length >= WORKER_PARSE_BYTES ? await parseDeliveryInWorker(fn, payload) : await context.parsers.parse(fn, payload);
    deliveries.push({ meta, parsed: withIntakeNotes(parsed, notes) });
  }
  /** A delivery as the log names it: function, domain, call. */
  const callOf = (meta: DeliveryMeta) => `${fn ?? '-'} ${meta.domainId || '-'} call ${meta.callId ?? '-'}`;
  const call = callOf(deliveries[0]!.meta);
  // The request's deliveries commit together, or none does (and the vendor's retry brings them all).
  const stored = context.store.receiveAll(deliveries);
  submitted();
  let late: NodeJS.Timeout | undefined;
  const unconfirmed = new Promise<'unconfirmed'>((resolve) => (late = setTimeout(() => resolve('unconfirmed'), context.answerWithinMs)));
  let outcomes: StoreOutcome[] | 'unconfirmed';
  try {
    outcomes = await Promise.race([stored, unconfirmed]);
  } catch (error) {
    const reason = describeStoreFailure(error);
    context.log(`503 ${call}: not committed (${reason})`);
    return answer(res, 503, `not stored, try again: ${reason}`, { 'retry-after': '5' });
  } finally {
    clearTimeout(late);
  }
  if (outcomes === 'unconfirmed') {
    const waited = `${Math.round(context.answerWithinMs / 1000)} s`;
    context.log(`503 ${call}: the store has not confirmed the commit after ${waited}; still waiting for it`);
    answer(res, 503, `not confirmed yet after ${waited}, try again: the store is still committing it`, { 'retry-after': '5' });
    stored.then(
      (confirmed) => {
        try {
          for (const outcome of confirmed) context.onStored(outcome);
          context.log(
            `${call}: committed after its 503 (${confirmed.map(describeOutcome).join('; ')}): the sender's retry finds it received`,
          );
        } catch (error) {
          context.log(`${call}: committed after its 503; telling the desk failed: ${describeStoreFailure(error)}`);
        }
      },
      // A session cut off while it waited for the standby may have committed on the primary all the same.
      (error: unknown) =>
        context.log(`${call}: still not confirmed after its 503 (${describeStoreFailure(error)}); the sender's retry will tell`),
    );
    return;
  }
  const lines = outcomes.map((outcome, i) => {
    context.onStored(outcome);
    const description = describeOutcome(outcome);
    context.log(`200 ${callOf(deliveries[i]!.meta)}: ${description}`);
    return description;
  });
  // The sender may be gone meanwhile (it gave up waiting): the log says the 200 reached no one.
  if (res.socket === null || res.socket.destroyed) context.log(`${call}: the sender had gone before its 200 (its retry finds it received)`);
  answer(res, 200, lines.join('\n'));
}

/**
 * The documents a request's values of the field make, none dropped: a value sent twice is one
 * document, each different value a document (a delivery) of its own; each says so in its notes.
 */
export function documentsOf(values: FormFieldValue[], field: string): FormFieldValue[] {
  const documents: FormFieldValue[] = [];
  for (const value of values) if (!documents.some((document) => document.bytes.equals(value.bytes))) documents.push(value);
  if (values.length === 1) return documents;
  if (documents.length === 1)
    return [{ ...documents[0]!, notes: [...documents[0]!.notes, `${field} came ${values.length} times with the same bytes: stored once`] }];
  return documents.map((document, i) => ({
    ...document,
    notes: [
      ...document.notes,
      `${field} came ${values.length} times in one request with ${documents.length} different values: this is value ${i + 1} of ${documents.length}, each stored as a delivery of its own`,
    ],
  }));
}

/** What the intake had to do to read the payload goes with the parser's repairs (or its reason for quarantine). */
function withIntakeNotes(parsed: ParsedPayload, notes: string[]): ParsedPayload {
  if (notes.length === 0) return parsed;
  if (parsed.ok) return { ...parsed, repairs: [...notes, ...parsed.repairs] };
  return { ok: false, reason: `${parsed.reason}; ${notes.join('; ')}` };
}
