// A raw payload less some of its entries: what a purge keeps of a delivery whose messages it
// removed. The payload is read as the parser reads it (decoded, repaired), the elements of the
// entries not kept are cut out of that text, and the rest is written back as UTF-8 — then read
// again, to be sure what is kept is a payload that parses to exactly the entries kept.
import { entryKey } from '../../shared/entryKey.js';
import type { ChatEntry, PayloadEvent } from '../../shared/payload.js';
import { parseBytes, PayloadError } from './parse.js';

export type CutResult =
  /** Nothing to cut; the span of its entry times (null: no entries). */
  | { kind: 'unchanged'; span: Span | null }
  | { kind: 'rewritten'; payload: Uint8Array; removed: number; span: Span | null }
  /** Nothing of it is left worth keeping (or it can no longer be read): drop it. */
  | { kind: 'dropped'; reason: string };

export interface Span {
  first: number;
  last: number;
}

function spanOf(entries: readonly ChatEntry[]): Span | null {
  if (entries.length === 0) return null;
  return { first: Math.min(...entries.map((e) => e.timestamp)), last: Math.max(...entries.map((e) => e.timestamp)) };
}

/** The XML declaration says what the bytes are: after the rewrite they are UTF-8. */
function declareUtf8(text: string): string {
  return text.replace(/^(\s*<\?xml\b[^?]*?\bencoding\s*=\s*)(["'])[^"']*\2/, '$1$2UTF-8$2');
}

/**
 * Cuts out of `payload` every entry `keep` refuses (given the entry and its identity key). A
 * message document left without entries is dropped; any other document (an abuse report, a
 * roster) keeps its own fields.
 */
export function cutPurgedEntries(payload: Uint8Array, keep: (entry: ChatEntry, key: number) => boolean): CutResult {
  const pieces: string[] = [];
  const spans: Array<{ openedAt: number; closedAt: number }> = [];
  let events: PayloadEvent[];
  try {
    events = parseBytes(payload, [], {
      onText: (text) => pieces.push(text),
      onEntrySpan: (openedAt, closedAt) => spans.push({ openedAt, closedAt }),
    }).events;
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    return { kind: 'dropped', reason: `it no longer reads as a payload (${error.message}), so what it holds cannot be told apart` };
  }
  const entries = events.flatMap((event) => (event.kind === 'entry' ? [event.entry] : []));
  const kept = entries.filter((entry) => keep(entry, entryKey(entry)));
  const keptSet = new Set(kept);
  if (kept.length === entries.length) return { kind: 'unchanged', span: spanOf(entries) };
  const root = events.find((event) => event.kind === 'document')?.root;
  if (kept.length === 0 && (root === 'messageOffline' || root === 'messageArchive'))
    return { kind: 'dropped', reason: `all ${entries.length} of its entries were purged` };

  const text = pieces.join('');
  let out = '';
  let from = 0;
  entries.forEach((entry, i) => {
    if (keptSet.has(entry)) return;
    const { openedAt, closedAt } = spans[i]!;
    const start = text.lastIndexOf('<entry', openedAt);
    out += text.slice(from, start);
    from = closedAt;
  });
  out += text.slice(from);
  const rewritten = Buffer.from(declareUtf8(out), 'utf8');

  // What is kept must read back as exactly the entries kept.
  let reread: ChatEntry[];
  try {
    reread = parseBytes(rewritten).events.flatMap((event) => (event.kind === 'entry' ? [event.entry] : []));
  } catch {
    return { kind: 'dropped', reason: 'its purged entries could not be cut out and leave a payload that reads' };
  }
  const identity = (entry: ChatEntry) => `${entry.room}\n${entry.timestamp}\n${entryKey(entry)}`;
  const same = reread.length === kept.length && reread.every((entry, i) => identity(entry) === identity(kept[i]!));
  if (!same) return { kind: 'dropped', reason: 'its purged entries could not be cut out cleanly' };
  return { kind: 'rewritten', payload: rewritten, removed: entries.length - kept.length, span: spanOf(kept) };
}
