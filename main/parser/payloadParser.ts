// XML text in, typed payload events out: one streaming normaliser shared by the callback path and
// the file import, so both produce the same rows from the same XML. It never builds a tree, so
// memory stays flat whatever the document's size, and it never expands entities: saxes knows
// only XML's five predefined ones and rejects any other reference, which makes entity bombs and
// external entities plain errors.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { PAYLOAD_KINDS, type AbuseReport, type PayloadEvent, type PayloadKind } from '../../shared/payload.js';

/** A document the parser could not accept, with where in it (1-based line and column). */
export class PayloadError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${line}:${column}: ${reason}`);
    this.name = 'PayloadError';
  }
}

/**
 * The longest text one field keeps (1,048,576 characters): a longer one is cut there, and the cut
 * is reported (the delivery's raw bytes keep the whole of it). Memory stays bounded either way.
 */
export const MAX_FIELD_CHARS = 1 << 20;

/**
 * The deepest nesting read (the vendor's payloads go 6 deep). Each open element costs about 280
 * bytes of saxes' tag stack (a tag object and its attribute dictionary) and ours: 300,000 levels,
 * 2 MB of `<a>`, took 85 MB and ran the parser thread out of its heap. A document nested deeper is
 * refused where it crosses the limit, so memory stays bounded whatever the input.
 */
export const MAX_DEPTH = 1000;

const ABUSE_FIELDS: Readonly<Record<string, keyof AbuseReport>> = {
  reportingUserID: 'reportingUserId',
  abuserUserID: 'abuserUserId',
  abuserIPAddress: 'abuserIpAddress',
  recordingName: 'recordingName',
  recordingWebAccessibleURL: 'recordingUrl',
  description: 'description',
  reason: 'reason',
};
/**
 * What holds a room's name and messages: `<room>`, or in the later form of an abuse report,
 * `<conversation>` (the reported messages).
 */
const ROOM_ELEMENTS = new Set(['room', 'conversation']);
const ENTRY_FIELDS: ReadonlySet<string> = new Set<EntryField>(['timestamp', 'userID', 'displayName', 'content']);
const TIMESTAMP = /^\d{1,16}$/;
/** The latest instant a JavaScript Date can hold (year 275760). */
const MAX_TIMESTAMP = 8.64e15;

interface Capture {
  element: string;
  depth: number;
  /** The first piece of text, then (a field in more than one piece: rare) every piece in `parts`. */
  first: string | null;
  firstCdata: boolean;
  parts: string[] | null;
  cdata: boolean[] | null;
  chars: number;
  truncated: boolean;
}

/** An entry's fields as read so far (undefined: not there). Plain fields, not a Map: one fewer object per entry. */
interface EntryDraft {
  type: string | null;
  timestamp: string | undefined;
  userID: string | undefined;
  displayName: string | undefined;
  content: string | undefined;
  invisible: boolean | null;
}
type EntryField = 'timestamp' | 'userID' | 'displayName' | 'content';

function isPayloadKind(name: string): name is PayloadKind {
  return (PAYLOAD_KINDS as readonly string[]).includes(name);
}

function parseBoolean(value: string | undefined): boolean | null {
  switch (value?.trim().toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return null;
  }
}

/** CDATA is kept exactly (pieces of a split `]]>` join up); plain text is trimmed. */
function captured(capture: Capture): string {
  const { parts, cdata } = capture;
  if (parts === null || cdata === null) {
    // Nearly every field: one piece of text or CDATA, or none.
    if (capture.first === null) return '';
    return capture.firstCdata ? capture.first : capture.first.trim();
  }
  if (!cdata.includes(true)) return parts.join('').trim();
  return parts.filter((part, i) => cdata[i] || part.trim() !== '').join('');
}

export class PayloadParser {
  private readonly sax = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  private readonly stack: string[] = [];
  private root: PayloadKind | null = null;
  private capture: Capture | null = null;
  private room: { name: string | null; userIds: string[] } | null = null;
  private entry: EntryDraft | null = null;
  /** The instant messenger's connection list: its server, and the connection being read. */
  private server: string | null = null;
  private connection: { fromKind: string | null; from: string | null; to: string | null } | null = null;
  private entryCount = 0;
  /** Whether the repair "entries directly in the room" has been said (once a document). */
  private entriesOutsideMessages = false;
  /** What was changed to keep the document readable (fields cut at MAX_FIELD_CHARS). */
  readonly repairs: string[] = [];
  private readonly report: AbuseReport = {
    reportingUserId: null,
    abuserUserId: null,
    abuserIpAddress: null,
    recordingName: null,
    recordingUrl: null,
    description: null,
    reason: null,
  };

  /** Where in the text fed the open tag of the entry being read started (saxes' position just after its name). */
  private entryOpenedAt = 0;

  constructor(
    private readonly emit: (event: PayloadEvent) => void,
    /**
     * Told, after each entry event, where the entry's element lies in the text fed: `openedAt` is
     * just past `<entry` and its delimiter, `closedAt` just past its end tag (a purge cuts there).
     */
    private readonly onEntrySpan?: (openedAt: number, closedAt: number) => void,
  ) {
    this.sax.on('error', (error) => {
      throw new PayloadError(this.sax.line, this.sax.column + 1, error.message.replace(/^\d+:\d+: /, '').replace(/\.$/, ''));
    });
    if (onEntrySpan)
      this.sax.on('opentagstart', (tag) => {
        if (tag.name === 'entry') this.entryOpenedAt = this.sax.position;
      });
    this.sax.on('opentag', (tag) => this.openElement(tag));
    this.sax.on('closetag', (tag) => this.closeElement(tag.name));
    this.sax.on('text', (text) => this.text(text, false));
    this.sax.on('cdata', (text) => this.text(text, true));
    this.sax.on('doctype', () => this.fail('a DOCTYPE is not allowed in a payload'));
  }

  /** Feeds the next piece of the document; throws PayloadError at the first problem. */
  write(text: string): void {
    this.sax.write(text);
  }

  /** Ends the document; throws PayloadError if it is incomplete. */
  close(): void {
    this.sax.close();
    if (this.root === null) this.fail('the document has no root element');
  }

  private fail(reason: string): never {
    throw new PayloadError(this.sax.line, this.sax.column + 1, reason);
  }

  private openElement(tag: SaxesTagPlain): void {
    const { name, attributes } = tag;
    const parent = this.stack.at(-1);
    const depth = this.stack.length;
    if (depth >= MAX_DEPTH)
      this.fail(`elements are nested deeper than ${MAX_DEPTH.toLocaleString('en-US')} levels (a payload needs 6): not read further`);
    this.stack.push(name);
    if (this.capture) return; // markup inside a field: its text belongs to the field
    if (depth === 0) return this.openRoot(name, attributes);
    if (depth === 1 && (name === 'room' || (name === 'conversation' && this.root === 'abuse'))) {
      this.room = { name: null, userIds: [] };
    } else if (ROOM_ELEMENTS.has(parent!) && name === 'name' && this.room) {
      this.startCapture(name);
    } else if (name === 'entry' && this.root !== 'rooms' && this.root !== 'connectionList' && !this.entry) {
      // In a room's <messages>, as the vendor sends them; directly in the <room>, read the same
      // (and said); anywhere else it belongs to no room: the payload is kept in quarantine, not
      // answered as stored with the entry left out.
      if (parent !== 'messages' && !ROOM_ELEMENTS.has(parent!)) this.fail(`an <entry> in <${parent}> belongs to no room's <messages>`);
      if (this.room?.name == null) this.fail('an <entry> comes before its room has a <name>');
      if (parent !== 'messages' && !this.entriesOutsideMessages) {
        this.entriesOutsideMessages = true;
        this.repairs.push(`<entry> elements directly in <${parent}>, not in its <messages>: read as its messages`);
      }
      this.entry = {
        type: attributes['type'] ?? null,
        timestamp: undefined,
        userID: undefined,
        displayName: undefined,
        content: undefined,
        invisible: null,
      };
    } else if (this.entry && parent === 'entry' && ENTRY_FIELDS.has(name)) {
      if (name === 'userID') this.entry.invisible = parseBoolean(attributes['invisible']);
      this.startCapture(name);
    } else if (parent === 'users' && name === 'user' && this.root === 'rooms' && this.room) {
      const id = attributes['id'];
      if (id === undefined || id.trim() === '') this.fail('a <user> has no id');
      this.room.userIds.push(id.trim());
    } else if (depth === 1 && this.root === 'abuse' && name in ABUSE_FIELDS) {
      this.startCapture(name);
    } else if (this.root === 'connectionList') {
      if (depth === 1 && name === 'server') this.startCapture(name);
      else if (depth === 1 && name === 'c') this.connection = { fromKind: null, from: null, to: null };
      else if (depth === 2 && this.connection && name === 'f') {
        this.connection.fromKind = attributes['type'] ?? null;
        this.startCapture(name);
      } else if (depth === 2 && this.connection && name === 't') this.startCapture(name);
    }
  }

  private openRoot(name: string, attributes: Record<string, string>): void {
    if (!isPayloadKind(name)) this.fail(`<${name}> is not a payload this receiver knows (expected one of ${PAYLOAD_KINDS.join(', ')})`);
    this.root = name;
    this.emit({ kind: 'document', root: name, type: attributes['type'] ?? null, callId: attributes['callID'] ?? null });
  }

  private startCapture(element: string): void {
    this.capture = {
      element,
      depth: this.stack.length,
      first: null,
      firstCdata: false,
      parts: null,
      cdata: null,
      chars: 0,
      truncated: false,
    };
  }

  private text(text: string, isCdata: boolean): void {
    const capture = this.capture;
    if (!capture || capture.truncated) return;
    const room = MAX_FIELD_CHARS - capture.chars;
    if (text.length > room) {
      capture.truncated = true;
      text = text.slice(0, /[\uD800-\uDBFF]/.test(text[room - 1] ?? '') ? room - 1 : room); // never half a surrogate pair
      const where = this.entry ? `entry ${this.entryCount + 1}` : 'the document';
      this.repairs.push(
        `<${capture.element}> of ${where} (line ${this.sax.line}) was longer than ${MAX_FIELD_CHARS.toLocaleString('en-US')} characters: kept the first ${MAX_FIELD_CHARS.toLocaleString('en-US')}`,
      );
    }
    capture.chars += text.length;
    if (capture.first === null) {
      capture.first = text;
      capture.firstCdata = isCdata;
    } else {
      capture.parts ??= [capture.first];
      capture.cdata ??= [capture.firstCdata];
      capture.parts.push(text);
      capture.cdata.push(isCdata);
    }
  }

  private closeElement(name: string): void {
    const depth = this.stack.length;
    this.stack.pop();
    const capture = this.capture;
    if (capture) {
      if (depth !== capture.depth) return;
      this.capture = null;
      return this.store(capture.element, captured(capture));
    }
    if (name === 'entry' && this.entry && (this.stack.at(-1) === 'messages' || ROOM_ELEMENTS.has(this.stack.at(-1)!))) this.finishEntry();
    else if (ROOM_ELEMENTS.has(name) && depth === 2 && this.room) this.finishRoom();
    else if (depth === 1 && this.root === 'abuse') this.emit({ kind: 'abuse', report: this.report });
    else if (name === 'c' && depth === 2 && this.connection) this.finishConnection();
  }

  private store(element: string, value: string): void {
    if (this.entry && ENTRY_FIELDS.has(element) && this.stack.at(-1) === 'entry') {
      this.entry[element as EntryField] = value;
    } else if (element === 'name' && this.room && ROOM_ELEMENTS.has(this.stack.at(-1)!)) {
      this.room.name = value;
      if (this.root !== 'rooms') this.emit({ kind: 'room', name: value });
    } else if (this.root === 'connectionList') {
      if (element === 'server') this.server = value === '' ? null : value;
      else if (element === 'f' && this.connection) this.connection.from = value;
      else if (element === 't' && this.connection) this.connection.to = value;
    } else if (this.root === 'abuse' && this.stack.length === 1) {
      const field = ABUSE_FIELDS[element];
      if (field) this.report[field] = value === '' ? null : value;
    }
  }

  private finishEntry(): void {
    const draft = this.entry!;
    this.entry = null;
    this.entryCount += 1;
    const which = `entry ${this.entryCount}`;
    if (draft.type === null || draft.type.trim() === '') this.fail(`${which} has no type`);
    const timestampRaw = draft.timestamp;
    if (timestampRaw === undefined) this.fail(`${which} has no <timestamp>`);
    if (!TIMESTAMP.test(timestampRaw) || Number(timestampRaw) > MAX_TIMESTAMP) {
      this.fail(`${which}: timestamp "${timestampRaw.slice(0, 40)}" is not epoch milliseconds`);
    }
    const userId = draft.userID;
    this.emit({
      kind: 'entry',
      entry: {
        room: this.room!.name!,
        type: draft.type.trim(),
        timestamp: Number(timestampRaw),
        timestampRaw,
        userId: userId === undefined || userId === '' ? null : userId,
        invisible: draft.invisible,
        displayName: draft.displayName || null,
        content: draft.content ?? null,
      },
    });
    this.onEntrySpan?.(this.entryOpenedAt, this.sax.position);
  }

  private finishConnection(): void {
    const { fromKind, from, to } = this.connection!;
    this.connection = null;
    if (fromKind !== 'm' && fromKind !== 's') this.fail(`a connection's <f> has type "${fromKind ?? ''}" (expected m or s)`);
    if (!from || !to) this.fail('a connection <c> needs an <f> and a <t>');
    this.emit({ kind: 'connection', server: this.server, fromKind, from, to });
  }

  private finishRoom(): void {
    const room = this.room!;
    this.room = null;
    if (room.name === null) this.fail('a <room> has no <name>');
    if (this.root === 'rooms') this.emit({ kind: 'roster', room: room.name, userIds: room.userIds });
  }
}
