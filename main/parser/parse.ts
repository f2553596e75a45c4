// Bytes in, payload events out. Decodes (see encoding.ts), undoes magic quotes (magicQuotes.ts),
// replaces control characters XML forbids, and feeds the streaming normaliser (payloadParser.ts).
// Two entry points over one pipeline: parseBytes for a callback body in memory, parseStream for a
// file of any size. What had to be repaired to read a document is reported with it (ParseInfo),
// never silently: the delivery records it, and its raw bytes stay as they came.
import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { PayloadEvent } from '../../shared/payload.js';
import { encodingCandidates, encodingNote, UTF8_LENIENT } from './encoding.js';
import { looksMagicQuoted, Unslasher } from './magicQuotes.js';
import { PayloadParser } from './payloadParser.js';
import { Utf8Evidence } from './utf8Evidence.js';

export { PayloadError } from './payloadParser.js';

export interface ParseInfo {
  encoding: string;
  /** Set when the bytes were not in the encoding the document declared. */
  encodingNote: string | null;
  magicQuotes: boolean;
  /** What was changed to read the document, for people ("2 control characters replaced …"). */
  repairs: string[];
}

/** For a reader that needs more than the events: the text as the parser read it, and where each entry lies in it. */
export interface ParseWatch {
  onText?: (text: string) => void;
  onEntrySpan?: (openedAt: number, closedAt: number) => void;
}

/** How much decoded text to look at before deciding about magic quotes. */
const SNIFF_CHARS = 4096;
/** Characters XML 1.0 does not allow anywhere (C0 controls but tab, LF and CR; U+FFFE, U+FFFF). */
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** One document's decoding pipeline: bytes → text → (unslashed, cleaned) text → events. */
class Pipeline {
  private readonly decoder: TextDecoder;
  private readonly parser: PayloadParser;
  private readonly notYetUtf8 = new Utf8Evidence();
  private head: string | null = '';
  private unslasher: Unslasher | null = null;
  private controlCharacters = 0;
  /** Every byte so far was ASCII (which any declared single-byte encoding reads the same). */
  private allAscii = true;

  constructor(
    readonly encoding: string,
    strict: boolean,
    emit: (event: PayloadEvent) => void,
    private readonly watch: ParseWatch = {},
  ) {
    this.decoder = encoding === UTF8_LENIENT ? new TextDecoder('utf-8') : new TextDecoder(encoding, { fatal: strict });
    this.parser = new PayloadParser(emit, watch.onEntrySpan);
  }

  push(bytes: Uint8Array): void {
    if (this.allAscii && !isAscii(bytes)) this.allAscii = false;
    if (this.encoding === UTF8_LENIENT && !isUtf8(bytes)) this.notYetUtf8.push(bytes);
    this.text(this.decoder.decode(bytes, { stream: true }));
  }

  end(): void {
    this.text(this.decoder.decode());
    this.flushHead();
    this.parser.close();
  }

  info(head: Uint8Array): ParseInfo {
    const encoding = this.encoding === UTF8_LENIENT ? 'utf-8' : this.encoding;
    const note = encodingNote(head, encoding, this.allAscii);
    // Reading it in another encoding than it declared is a repair like the others: recorded, and said.
    const repairs: string[] = note ? [note] : [];
    const invalid = this.notYetUtf8.end().invalid;
    if (invalid > 0)
      repairs.push(`${plural(invalid, 'byte')} that ${invalid === 1 ? 'is' : 'are'} not UTF-8 replaced with U+FFFD (the rest is UTF-8)`);
    if (this.unslasher) repairs.push('magic quotes undone (backslashes before quotes and backslashes removed)');
    if (this.controlCharacters > 0)
      repairs.push(`${plural(this.controlCharacters, 'control character')} XML does not allow replaced with U+FFFD`);
    repairs.push(...this.parser.repairs);
    return { encoding, encodingNote: note, magicQuotes: this.unslasher !== null, repairs };
  }

  private text(text: string): void {
    if (this.head === null) return this.feed(text);
    this.head += text;
    if (this.head.length >= SNIFF_CHARS) this.flushHead();
  }

  private flushHead(): void {
    if (this.head === null) return;
    const head = this.head;
    this.head = null;
    if (looksMagicQuoted(head)) this.unslasher = new Unslasher();
    this.feed(head);
  }

  private feed(text: string): void {
    const clean = text.replace(FORBIDDEN_CHARACTERS, () => {
      this.controlCharacters += 1;
      return '\uFFFD';
    });
    const fed = this.unslasher ? this.unslasher.push(clean) : clean;
    this.watch.onText?.(fed);
    this.parser.write(fed);
  }
}

/** The encoding to read bytes that are not valid UTF-8 in: UTF-8 still, if they are mostly that. */
function encodingForInvalidUtf8(fallback: string, evidence: Utf8Evidence): string {
  return evidence.mostlyUtf8 ? UTF8_LENIENT : fallback;
}

/**
 * Parses a whole payload held in memory, into `events` (a caller that passes its own array keeps
 * the events before a fault). Throws PayloadError on a malformed document.
 */
export function parseBytes(
  bytes: Uint8Array,
  events: PayloadEvent[] = [],
  watch: ParseWatch = {},
): { events: PayloadEvent[]; info: ParseInfo } {
  const candidates = encodingCandidates(bytes);
  const encoding =
    candidates.length > 1 && !isUtf8(bytes) ? encodingForInvalidUtf8(candidates[1]!, new Utf8Evidence().push(bytes).end()) : candidates[0]!;
  const pipeline = new Pipeline(encoding, false, (event) => events.push(event), watch);
  pipeline.push(bytes);
  pipeline.end();
  return { events, info: pipeline.info(bytes) };
}

/**
 * Parses a document read in chunks (a file of any size), handing each event to `onEvent` as it
 * is read. UTF-8 is tried first; when the bytes turn out not to be UTF-8, the document is read
 * again from the start — as UTF-8 with the bad bytes replaced if what came before was UTF-8 text,
 * else in the fallback encoding — after `onRestart`: a consumer that stored events already must
 * tolerate seeing them twice (the store deduplicates entries anyway).
 */
export async function parseStream(
  open: () => AsyncIterable<Uint8Array>,
  onEvent: (event: PayloadEvent) => void,
  onRestart: () => void = () => {},
): Promise<ParseInfo> {
  let head: Uint8Array | null = null;
  let candidates: string[] = [];
  for (let attempt = 0; ; attempt++) {
    let pipeline: Pipeline | null = null;
    // A chunk the strict first pass read whole was valid UTF-8: one that is not ASCII holds UTF-8
    // text, evidence enough that a bad byte later is a stray one, not another encoding.
    const evidence = new Utf8Evidence();
    let current: Uint8Array | null = null;
    try {
      for await (const chunk of open()) {
        if (!pipeline) {
          head ??= chunk.subarray(0, 512);
          if (attempt === 0) candidates = encodingCandidates(head);
          pipeline = new Pipeline(candidates[attempt]!, attempt < candidates.length - 1, onEvent);
        }
        current = chunk;
        pipeline.push(chunk);
        if (attempt === 0 && evidence.multibyte === 0 && !isAscii(chunk)) evidence.multibyte = Number.MAX_SAFE_INTEGER;
      }
      pipeline ??= new Pipeline('utf-8', false, onEvent);
      pipeline.end();
      return pipeline.info(head ?? new Uint8Array());
    } catch (error) {
      const undecodable = error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
      if (!undecodable || attempt + 1 >= candidates.length) throw error;
      if (attempt === 0 && current) candidates[1] = encodingForInvalidUtf8(candidates[1]!, evidence.push(current));
      onRestart();
    }
  }
}
