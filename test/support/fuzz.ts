// Property-based checks of the data path with fast-check, shared by the short run in `npm test`
// (test/fuzz.test.ts) and the long one in `npm run test:stress` (test/stress/fuzz.test.ts):
// - random well-formed payloads go callback → store → export and come back exactly;
// - mutated payloads (truncated, bytes flipped, nesting up to 1,000,000 deep, huge attributes,
//   entity tricks, invalid UTF-8, wrong declared encodings, control bytes) never crash or hang the
//   receiver: each ends stored or quarantined with a reason;
// - over HTTP they are posted every way a sender does (urlencoded, multipart as a plain field or a
//   file part with any charset parameter, not urlencoded at all, xmlData twice): every 200 names
//   deliveries whose raw payloads are the bytes sent, and nothing is answered 5xx but a 503;
// - search text of any kind is never an SQL error: a result, or a message for the moderator.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { writeEntries } from '../../main/export/entryExport.js';
import { parseDelivery } from '../../main/parser/deliveryPayload.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { storeDelivery } from '../../main/store/deliveries.js';
import { searchEntries } from '../../main/store/entrySearch.js';
import { SearchSyntaxError } from '../../shared/ftsQuery.js';
import { parseSearch } from '../../shared/searchQuery.js';
import { deliveriesNamed, multipartBody, notUrlencodedBody, postBody, repeatedFieldBody } from './formBodies.js';
import { callbackUrl, postForm, urlencodedBody } from './http.js';
import { ABUSE_XML, CLASSIC_ARCHIVE_XML, messagesXml, SEED_XML, type EntrySpec } from './payloads.js';
import { startTestReceiver } from './receiver.js';
import { tempDir } from './tmp.js';

/** Text XML can carry exactly: no control characters (CR would become LF), no U+FFFE/U+FFFF. */
const xmlText = (maxLength: number) =>
  fc.string({ unit: 'grapheme', maxLength }).map((text) => text.replace(/[\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]/g, ''));

interface GeneratedEntry {
  type: string;
  ts: number;
  user: string;
  invisible: boolean;
  content: string | null;
}

const entryArbitrary: fc.Arbitrary<GeneratedEntry> = fc.record({
  type: fc.constantFrom('msg', 'join', 'leave', 'kick', 'whisper'),
  ts: fc.integer({ min: 0, max: 8_640_000_000_000_000 }),
  user: fc.stringMatching(/^[A-Za-z0-9_]{1,16}$/),
  invisible: fc.boolean(),
  content: fc.option(xmlText(200), { nil: null }),
});

const payloadArbitrary = fc.dictionary(
  xmlText(30).map((name) => name.replaceAll(']]>', ']] >')),
  fc.array(entryArbitrary, { minLength: 0, maxLength: 12 }),
  {
    minKeys: 1,
    maxKeys: 3,
  },
);

/** A Writable that keeps what is written, as one string. */
function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return Object.assign(out, { text: () => chunks.join('') });
}

/** Every charset parameter a multipart part may declare: none, the usual, other encodings, nonsense. */
const CHARSETS = [
  null,
  'utf-8',
  'UTF-8',
  'utf8',
  'latin1',
  'iso-8859-1',
  'us-ascii',
  'utf-16',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'windows-1251',
  'shift_jis',
  'x-bogus',
  '"utf-8"',
  '',
];

/** How a sender puts the payload into the form. */
type Posting =
  | { kind: 'urlencoded' }
  | { kind: 'multipart'; asFile: boolean; charset: string | null }
  | { kind: 'not urlencoded' }
  | { kind: 'xmlData twice'; same: boolean };
const postingArbitrary: fc.Arbitrary<Posting> = fc.oneof(
  fc.constant({ kind: 'urlencoded' as const }),
  fc.record({ kind: fc.constant('multipart' as const), asFile: fc.boolean(), charset: fc.constantFrom(...CHARSETS) }),
  fc.constant({ kind: 'not urlencoded' as const }),
  fc.record({ kind: fc.constant('xmlData twice' as const), same: fc.boolean() }),
);

/** Bytes the receiver takes as a raw value: a `<` or byte-order mark first, after any white space (formField.ts). */
function startsRaw(bytes: Buffer): boolean {
  const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
  return first === 0x3c || first === 0xef || first === 0xfe || first === 0xff;
}

/** Posts the payload as `posting` says (with `other` as the second value of a different xmlData twice); returns the answer and the distinct values sent, in order. */
async function post(url: string, posting: Posting, bytes: Buffer, other: Buffer) {
  const urlencoded = 'application/x-www-form-urlencoded';
  switch (posting.kind) {
    case 'multipart': {
      const { body, contentType } = multipartBody([
        {
          name: 'xmlData',
          bytes,
          filename: posting.asFile ? 'payload.xml' : undefined,
          contentType: posting.charset === null ? undefined : `text/xml; charset=${posting.charset}`,
        },
      ]);
      return { answer: await postBody(url, body, contentType), sent: [bytes] };
    }
    case 'not urlencoded':
      // Only a value that starts like XML can be told from an urlencoded one; any other is sent encoded.
      return {
        answer: await postBody(url, startsRaw(bytes) ? notUrlencodedBody(bytes) : urlencodedBody(bytes), urlencoded),
        sent: [bytes],
      };
    case 'xmlData twice': {
      const second = posting.same ? bytes : other;
      return {
        answer: await postBody(url, repeatedFieldBody([bytes, second]), urlencoded),
        sent: bytes.equals(second) ? [bytes] : [bytes, second],
      };
    }
    case 'urlencoded':
      return { answer: await postBody(url, urlencodedBody(bytes), urlencoded), sent: [bytes] };
  }
}

export interface FuzzFigures {
  roundTrips: number;
  entriesCompared: number;
  mutations: number;
  outcomes: Record<string, number>;
  httpMutations: number;
  httpAnswers: Record<string, number>;
  /** How the payloads over HTTP were posted. */
  httpPostings: Record<string, number>;
  slowestParseMs: number;
  /** Of payloads of 4 KB and more (below that, the fixed cost of a parse is all there is). */
  slowestMicrosPerKb: number;
  searches: number;
  searchOutcomes: Record<string, number>;
}

export async function roundTrips(runs: number, seed: number, figures: FuzzFigures): Promise<void> {
  const r = await startTestReceiver();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(payloadArbitrary, async (rooms) => {
      run += 1;
      // Room names of this run only, entries unique by (room, time): each is expected back once.
      const specs: Record<string, EntrySpec[]> = {};
      const expected: string[] = [];
      for (const [name, entries] of Object.entries(rooms)) {
        const room = `run${run}·${name}`;
        const seen = new Set<number>();
        specs[room] = entries
          .filter((e) => !seen.has(e.ts) && seen.add(e.ts))
          .map((e) => ({ type: e.type, ts: e.ts, user: e.user, invisible: String(e.invisible), content: e.content ?? undefined }));
        for (const e of specs[room]) expected.push(JSON.stringify([room, e.ts, e.type, e.user, e.invisible === 'true', e.content ?? null]));
      }
      const answer = await postForm(
        callbackUrl(r.callbackUrl, { function: 'sendOfflineMessages', domainID: 'fuzz', callID: `rt${run}` }),
        messagesXml(specs),
      );
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.text, /^stored as delivery/);
      const back: string[] = [];
      for (const room of Object.keys(specs)) {
        const out = collector();
        await writeEntries(r.db, { room }, out, { format: 'jsonl' });
        for (const line of out.text().split('\n').filter(Boolean)) {
          const row = JSON.parse(line) as {
            room: string;
            timestamp_ms: number;
            type: string;
            user_id: string;
            invisible: boolean;
            content: string | null;
          };
          back.push(JSON.stringify([row.room, row.timestamp_ms, row.type, row.user_id, row.invisible, row.content]));
        }
      }
      assert.deepEqual(back.sort(), expected.sort());
      figures.entriesCompared += expected.length;
    }),
    { numRuns: runs, seed },
  );
  figures.roundTrips += runs;
}

const BASES = [
  SEED_XML,
  CLASSIC_ARCHIVE_XML,
  ABUSE_XML,
  messagesXml({
    lobby: [
      { ts: 5, user: 'a', content: 'émoji 😀 ]]> and <b>markup</b>' },
      { ts: 6, user: 'b', type: 'join' },
    ],
  }),
].map((xml) => Buffer.from(xml, xml.includes('iso-8859-1') ? 'latin1' : 'utf8'));

type Mutation = (bytes: Buffer, at: number, n: number) => Buffer;
/** Around the parser's limit of 1,000 mostly, now and then 300,000 or 1,000,000 levels (2–7 MB). */
const nestingDepth = (n: number) => (n % 256 === 0 ? 1_000_000 : n % 256 === 1 ? 300_000 : 990 + (n % 20_000));
const splice = (bytes: Buffer, at: number, insert: Buffer | string, remove = 0) =>
  Buffer.concat([bytes.subarray(0, at), Buffer.from(insert), bytes.subarray(at + remove)]);
const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, at) => b.subarray(0, at),
  flipByte: (b, at, n) => {
    const c = Buffer.from(b);
    if (c.length) c[at % c.length] = n & 0xff;
    return c;
  },
  deepNesting: (b, at, n) => splice(b, at, '<a>'.repeat(nestingDepth(n))),
  deepBalancedNesting: (b, at, n) => splice(b, at, `${'<a>'.repeat(nestingDepth(n))}${'</a>'.repeat(nestingDepth(n))}`),
  hugeAttribute: (b) => Buffer.from(b.toString('latin1').replace(/<entry /, `<entry x="${'y'.repeat(200_000)}" `), 'latin1'),
  manyAttributes: (b) =>
    Buffer.from(
      b.toString('latin1').replace(/<entry /, `<entry ${Array.from({ length: 5000 }, (_, i) => `a${i}="1"`).join(' ')} `),
      'latin1',
    ),
  entityBomb: (b) =>
    splice(b, b.indexOf('<', 5) === -1 ? 0 : b.indexOf('<', 5), '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'),
  undefinedEntity: (b, at) => splice(b, at, '&lol;'),
  characterReferences: (b, at, n) => splice(b, at, ['&#0;', '&#xD800;', '&#x110000;', '&#27;', '&#65535;'][n % 5]!),
  invalidUtf8: (b, at, n) => splice(b, at, Buffer.from([0xc0 | (n & 0x3f), 0xff, 0xfe, 0x80])),
  wrongDeclaration: (b, _at, n) =>
    Buffer.from(
      b.toString('latin1').replace(/encoding='[^']*'/, `encoding='${['iso-8859-1', 'utf-16', 'shift_jis', 'nonsense', 'utf-8'][n % 5]}'`),
      'latin1',
    ),
  controlBytes: (b, at, n) => splice(b, at, Buffer.from([n % 32, 0x1b, 0x00, 0x7f])),
  byteOrderMark: (b, _at, n) =>
    Buffer.concat([
      Buffer.from(
        [
          [0xff, 0xfe],
          [0xfe, 0xff],
          [0xef, 0xbb, 0xbf],
        ][n % 3]!,
      ).subarray(0),
      b,
    ]),
  magicQuotes: (b) => Buffer.from(b.toString('latin1').replace(/(["'\\])/g, '\\$1'), 'latin1'),
  duplicateRoot: (b) => Buffer.concat([b, b]),
};
const mutationArbitrary = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  steps: fc.array(fc.record({ kind: fc.constantFrom(...Object.keys(MUTATIONS)), at: fc.nat(), n: fc.nat() }), {
    minLength: 1,
    maxLength: 3,
  }),
});

function mutate({ base, steps }: { base: number; steps: Array<{ kind: string; at: number; n: number }> }): Buffer {
  let bytes: Buffer = BASES[base]!;
  for (const step of steps) bytes = MUTATIONS[step.kind]!(bytes, bytes.length ? step.at % (bytes.length + 1) : 0, step.n);
  return bytes;
}

const FUNCTIONS = ['sendOfflineMessages', 'sendArchive', 'reportAbuse', 'sendConnectionList'];

/** Mutated payloads through the parser and the store, in-process: each is stored or quarantined with a reason. */
export function mutations(runs: number, seed: number, figures: FuzzFigures): void {
  const db: Db = openDatabase(join(tempDir(), 'fuzz.sqlite'));
  let n = 0;
  try {
    fc.assert(
      fc.property(mutationArbitrary, fc.constantFrom(...FUNCTIONS), (mutation, fn) => {
        const bytes = mutate(mutation);
        const started = performance.now();
        const parsed = parseDelivery(fn, bytes);
        const took = performance.now() - started;
        figures.slowestParseMs = Math.max(figures.slowestParseMs, took);
        if (bytes.length >= 4096) figures.slowestMicrosPerKb = Math.max(figures.slowestMicrosPerKb, (took * 1000) / (bytes.length / 1024));
        const meta = {
          source: 'callback' as const,
          function: fn,
          domainId: 'm',
          type: null,
          callId: `m${n++}`,
          receivedAt: n,
          payload: bytes,
          payloadSize: bytes.length,
          sha256: `${n}`,
        };
        const outcome = storeDelivery(db, meta, parsed);
        if (outcome.status === 'quarantined') assert.ok(outcome.reason.length > 0);
        const key = outcome.status === 'stored' && outcome.repairs.length > 0 ? 'stored, repaired' : outcome.status;
        figures.outcomes[key] = (figures.outcomes[key] ?? 0) + 1;
      }),
      { numRuns: runs, seed },
    );
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
  figures.mutations += runs;
}

/**
 * Mutated payloads through a live receiver over HTTP, posted every way a sender does: always
 * answered, never a 5xx but a 503 (the store could not commit); every 200 names the deliveries
 * that hold the bytes sent, exactly; and it keeps receiving.
 */
export async function httpMutations(runs: number, seed: number, figures: FuzzFigures): Promise<void> {
  const r = await startTestReceiver({ maxBodyBytes: 64 << 20 });
  const keptPayload = r.db.prepare<[number], Buffer | null>('SELECT payload FROM deliveries WHERE id = ?').pluck();
  let n = 0;
  const check = async (fn: string, posting: Posting, bytes: Buffer, other: Buffer) => {
    const { answer, sent } = await post(
      callbackUrl(r.callbackUrl, { function: fn, domainID: 'h', callID: `h${n++}` }),
      posting,
      bytes,
      other,
    );
    figures.httpAnswers[answer.status] = (figures.httpAnswers[answer.status] ?? 0) + 1;
    const how = posting.kind === 'multipart' ? `multipart ${posting.asFile ? 'file part' : 'field'}` : posting.kind;
    figures.httpPostings[how] = (figures.httpPostings[how] ?? 0) + 1;
    assert.ok(answer.status < 500 || answer.status === 503, `${answer.status}: ${answer.text}`);
    assert.ok(answer.status === 200 || answer.status === 413 || answer.status === 503, `${answer.status}: ${answer.text}`);
    if (answer.status !== 200) return;
    const named = deliveriesNamed(answer.text);
    assert.equal(named.length, sent.length, answer.text);
    named.forEach((id, i) =>
      assert.deepEqual(Buffer.from(keptPayload.get(id) ?? []), sent[i], `delivery ${id} holds the bytes sent (${how})`),
    );
  };
  // The deepest nesting, every way, whatever the random runs reach.
  const deepest = MUTATIONS['deepBalancedNesting']!(BASES[0]!, BASES[0]!.indexOf('<room>'), 0);
  for (const posting of [
    { kind: 'urlencoded' },
    { kind: 'multipart', asFile: false, charset: 'UTF-8' },
    { kind: 'not urlencoded' },
  ] as const)
    await check('sendOfflineMessages', posting, deepest, deepest);
  await fc.assert(
    fc.asyncProperty(
      mutationArbitrary,
      mutationArbitrary,
      fc.constantFrom(...FUNCTIONS),
      postingArbitrary,
      async (mutation, another, fn, posting) => check(fn, posting, mutate(mutation), mutate(another)),
    ),
    { numRuns: runs, seed },
  );
  assert.match(
    (await postForm(callbackUrl(r.callbackUrl, { function: 'sendOfflineMessages', domainID: 'h', callID: 'last' }), SEED_XML)).text,
    /^(stored|already)/,
  );
  figures.httpMutations += runs;
}

const searchText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom(
        '"',
        '*',
        '-',
        '(',
        ')',
        'AND',
        'OR',
        'NOT',
        'NEAR',
        ':',
        '^',
        'from:',
        'in:',
        'type:',
        'before:',
        'after:',
        'x',
        'hello',
        ' ',
        '\u0000',
        '😀',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
);

/** Search text of any kind: parsed without throwing, and run as a result or a syntax message, never an SQL error. */
export function searches(runs: number, seed: number, figures: FuzzFigures): void {
  const db = openDatabase(join(tempDir(), 'search-fuzz.sqlite'));
  try {
    const xml = Buffer.from(
      messagesXml({
        lobby: Array.from({ length: 300 }, (_, i) => ({ ts: i, user: `u${i % 7}`, content: `hello ${i} world x^y "quoted" NOT near` })),
      }),
    );
    storeDelivery(
      db,
      {
        source: 'callback',
        function: 'sendOfflineMessages',
        domainId: 's',
        type: null,
        callId: 's',
        receivedAt: 0,
        payload: xml,
        payloadSize: xml.length,
        sha256: 's',
      },
      parseDelivery('sendOfflineMessages', xml),
    );
    fc.assert(
      fc.property(searchText, (text) => {
        const { filter } = parseSearch(text);
        let outcome = 'no text to search';
        if (filter.text !== undefined) {
          try {
            searchEntries(db, filter, 20, ['[', ']']);
            outcome = 'answered';
          } catch (error) {
            assert.ok(error instanceof SearchSyntaxError, `"${text}": ${String(error)}`);
            outcome = 'syntax message';
          }
        }
        figures.searchOutcomes[outcome] = (figures.searchOutcomes[outcome] ?? 0) + 1;
      }),
      { numRuns: runs, seed },
    );
  } finally {
    db.close();
  }
  figures.searches += runs;
}

export function emptyFigures(): FuzzFigures {
  return {
    roundTrips: 0,
    entriesCompared: 0,
    mutations: 0,
    outcomes: {},
    httpMutations: 0,
    httpAnswers: {},
    httpPostings: {},
    slowestParseMs: 0,
    slowestMicrosPerKb: 0,
    searches: 0,
    searchOutcomes: {},
  };
}

export const describeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${n.toLocaleString('en-US')} ${key}`)
    .join(', ');
