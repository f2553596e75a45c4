// Synthetic chat payloads, deterministic from a seed: rooms of very different sizes, joins,
// leaves, announcements and messages, a vocabulary with a long tail, some invisible users, and
// unicode (accents, emoji, right-to-left). Tests and benchmarks use it; nothing is downloaded.

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dor', 'bel', 'gan', 'fes', 'hul'];
const COMMON = [
  'the',
  'a',
  'to',
  'and',
  'you',
  'is',
  'hello',
  'ok',
  'lol',
  'what',
  'yes',
  'no',
  'thanks',
  'here',
  'now',
  'game',
  'chat',
  'room',
];
const EXTRAS = ['café', 'naïve', 'über', 'señor', '😀', '🎉', '👍', 'שלום', 'مرحبا', '日本語', '<b>bold?</b>', 'a&b', '"quoted"'];

export interface SyntheticOptions {
  entries: number;
  rooms: number;
  seed?: number;
  users?: number;
  /** First timestamp (epoch ms). */
  start?: number;
  /** Entries of the first room (the rest shared by the others as usual): a room of a given size. */
  firstRoom?: number;
}

export class SyntheticChat {
  private readonly next: () => number;
  private readonly vocabulary: string[];
  private readonly users: number;
  private clock: number;

  constructor(private readonly options: SyntheticOptions) {
    this.next = random(options.seed ?? 1);
    this.users = options.users ?? Math.max(10, Math.min(50_000, Math.ceil(options.entries / 50)));
    this.clock = options.start ?? Date.UTC(2024, 0, 1);
    const tail = Array.from({ length: 20_000 }, (_, i) => {
      let word = '';
      for (let n = i; ; n = Math.floor(n / SYLLABLES.length) - 1) {
        word = SYLLABLES[n % SYLLABLES.length]! + word;
        if (n < SYLLABLES.length) break;
      }
      return word;
    });
    this.vocabulary = [...COMMON, ...tail];
  }

  /** A word from a Zipf-like distribution: a few very common, a long tail of rare ones. */
  private word(): string {
    if (this.next() < 0.01) return EXTRAS[Math.floor(this.next() * EXTRAS.length)]!;
    const rank = Math.floor(Math.pow(this.vocabulary.length, this.next())) - 1;
    return this.vocabulary[rank]!;
  }

  private message(): string {
    const length = 2 + Math.floor(this.next() * 14);
    return Array.from({ length }, () => this.word()).join(' ');
  }

  /** Room sizes: a few big rooms and many small ones, summing to the entry count. */
  roomSizes(): number[] {
    const { rooms, entries, firstRoom } = this.options;
    if (firstRoom !== undefined && rooms > 1) {
      const rest = new SyntheticChat({ ...this.options, entries: entries - firstRoom, rooms: rooms - 1, firstRoom: undefined }).roomSizes();
      return [firstRoom, ...rest];
    }
    const weights = Array.from({ length: rooms }, (_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const sizes = weights.map((w) => Math.floor((w / total) * entries));
    sizes[0]! += entries - sizes.reduce((a, b) => a + b, 0);
    return sizes;
  }

  roomName(index: number): string {
    return index % 10 === 9 ? `salle-${index} ✨` : `room-${index}`;
  }

  /** The XML of `count` entries of one room (the inside of its <messages>). */
  entriesXml(count: number): string {
    let xml = '';
    for (let i = 0; i < count; i++) {
      this.clock += 1 + Math.floor(this.next() * 2000);
      const user = Math.floor(Math.pow(this.users, this.next()));
      const invisible = user % 97 === 0 ? 'true' : 'false';
      const roll = this.next();
      if (roll < 0.005) {
        xml += `<entry type="announcement"><timestamp>${this.clock}</timestamp></entry>\n`;
        continue;
      }
      const type = roll < 0.07 ? 'join' : roll < 0.14 ? 'leave' : 'msg';
      const content = type === 'msg' ? `<content><![CDATA[${this.message()}]]></content>` : '';
      xml += `<entry type="${type}"><timestamp>${this.clock}</timestamp><userID invisible="${invisible}">user_${user}</userID>${content}</entry>\n`;
    }
    return xml;
  }

  /** The whole document, in pieces of about `chunkChars` characters, for streaming to a file. */
  *document(root = 'messageArchive', attributes = ' type="muc" callID="synthetic"', chunkChars = 1 << 20): Generator<string> {
    yield `<?xml version='1.0' encoding='utf-8'?>\n<${root}${attributes}>\n`;
    const sizes = this.roomSizes();
    for (let r = 0; r < sizes.length; r++) {
      yield `<room><name><![CDATA[${this.roomName(r)}]]></name><messages>\n`;
      const perChunk = Math.max(1, Math.floor(chunkChars / 160));
      for (let left = sizes[r]!; left > 0; left -= perChunk) yield this.entriesXml(Math.min(left, perChunk));
      yield `</messages></room>\n`;
    }
    yield `</${root}>\n`;
  }
}

/** One small payload as a string, e.g. a 100-entry callback. */
export function syntheticPayload(options: SyntheticOptions & { root?: string; attributes?: string }): string {
  return [...new SyntheticChat(options).document(options.root, options.attributes)].join('');
}
