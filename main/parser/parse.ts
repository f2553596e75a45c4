// Bytes in, payload events out. Decodes (see encoding.ts), undoes magic quotes (magicQuotes.ts)
// and feeds the streaming normaliser (payloadParser.ts). Two entry points over one pipeline:
// parseBytes for a callback body in memory, parseStream for a file of any size.
import { isUtf8 } from 'node:buffer';
import type { PayloadEvent } from '../../shared/payload.js';
import { encodingCandidates, encodingNote } from './encoding.js';
import { looksMagicQuoted, Unslasher } from './magicQuotes.js';
import { PayloadParser } from './payloadParser.js';

export { PayloadError } from './payloadParser.js';

export interface ParseInfo {
  encoding: string;
  /** Set when the bytes were not in the encoding the document declared. */
  encodingNote: string | null;
  magicQuotes: boolean;
}

/** How much decoded text to look at before deciding about magic quotes. */
const SNIFF_CHARS = 4096;

/** One document's decoding pipeline: bytes → text → (unslashed) text → events. */
class Pipeline {
  private readonly decoder: TextDecoder;
  private readonly parser: PayloadParser;
  private head: string | null = '';
  private unslasher: Unslasher | null = null;

  constructor(
    readonly encoding: string,
    strict: boolean,
    emit: (event: PayloadEvent) => void,
  ) {
    this.decoder = new TextDecoder(encoding, { fatal: strict });
    this.parser = new PayloadParser(emit);
  }

  get magicQuotes(): boolean {
    return this.unslasher !== null;
  }

  push(bytes: Uint8Array): void {
    this.text(this.decoder.decode(bytes, { stream: true }));
  }

  end(): void {
    this.text(this.decoder.decode());
    this.flushHead();
    this.parser.close();
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
    this.parser.write(this.unslasher ? this.unslasher.push(text) : text);
  }
}

function info(head: Uint8Array, pipeline: Pipeline): ParseInfo {
  return { encoding: pipeline.encoding, encodingNote: encodingNote(head, pipeline.encoding), magicQuotes: pipeline.magicQuotes };
}

/** Parses a whole payload held in memory. Throws PayloadError on a malformed document. */
export function parseBytes(bytes: Uint8Array): { events: PayloadEvent[]; info: ParseInfo } {
  const candidates = encodingCandidates(bytes);
  const encoding = candidates.length > 1 && !isUtf8(bytes) ? candidates[1]! : candidates[0]!;
  const events: PayloadEvent[] = [];
  const pipeline = new Pipeline(encoding, false, (event) => events.push(event));
  pipeline.push(bytes);
  pipeline.end();
  return { events, info: info(bytes, pipeline) };
}

/**
 * Parses a document read in chunks (a file of any size), handing each event to `onEvent` as it
 * is read. UTF-8 is tried first; when the bytes turn out not to be UTF-8, the document is read
 * again from the start in the fallback encoding, after `onRestart` — so a consumer that stored
 * events already must tolerate seeing them twice (the store deduplicates entries anyway).
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
    try {
      for await (const chunk of open()) {
        if (!pipeline) {
          head ??= chunk.subarray(0, 512);
          if (attempt === 0) candidates = encodingCandidates(head);
          pipeline = new Pipeline(candidates[attempt]!, attempt < candidates.length - 1, onEvent);
        }
        pipeline.push(chunk);
      }
      pipeline ??= new Pipeline('utf-8', false, onEvent);
      pipeline.end();
      return info(head ?? new Uint8Array(), pipeline);
    } catch (error) {
      const undecodable = error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
      if (!undecodable || attempt + 1 >= candidates.length) throw error;
      onRestart();
    }
  }
}
