// Callbacks at a steady rate beside a moderator's heavy work, with the answer times per phase:
// the stress suite (test/stress/writerFree.test.ts) and `npm run bench` both run it. A phase is
// one piece of work (10,000 watch terms, 200 saved searches, a tag-all, a purge) done on a running
// `omv serve` while callbacks keep arriving; what it shows is whether the work holds receipt up.
import { join } from 'node:path';
import { openDatabase } from '../../main/store/db.js';
import { omv, omvServe, stop, type ServeProcess } from './cli.js';
import { callbackUrl, postForm } from './http.js';
import { messagesXml } from './payloads.js';
import { writeSyntheticFile } from './syntheticFile.js';

export interface PhaseFigures {
  phase: string;
  callbacks: number;
  p50: number;
  p99: number;
  max: number;
  /** Callbacks not answered 200. */
  refused: number;
  /** How long the work itself took (ms). */
  workMs: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** The desk's API on a running server, as the page calls it (the printed key in its header). */
export function deskApi(viewerUrl: string) {
  const key = new URL(viewerUrl).searchParams.get('key')!;
  return async <T>(method: string, args: object = {}): Promise<T> => {
    const response = await fetch(`${new URL(viewerUrl).origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-omv-key': key },
      body: JSON.stringify(args),
    });
    const answer = (await response.json()) as { ok: boolean; value: T; error?: string };
    if (!answer.ok) throw new Error(`${method}: ${answer.error}`);
    return answer.value;
  };
}

export class WriterLoad {
  private sent = 0;

  private constructor(
    readonly server: ServeProcess,
    readonly dbPath: string,
    readonly viewerUrl: string,
    private readonly ratePerSecond: number,
    /** The median entry time: the purge removes what came before it. */
    private readonly middle: number,
  ) {}

  /** A database of `entries` generated entries, imported, and `omv serve` on it. */
  static async start(dir: string, { entries, ratePerSecond = 20 }: { entries: number; ratePerSecond?: number }): Promise<WriterLoad> {
    const dbPath = join(dir, 'omv.sqlite');
    const file = join(dir, 'chat.xml');
    await writeSyntheticFile(file, { entries, rooms: 200, seed: 16, start: Date.UTC(2024, 0, 1) });
    const imported = await omv(['import', '--db', dbPath, file]);
    if (imported.code !== 0) throw new Error(`the import failed: ${imported.stderr}`);
    const server = await omvServe(['--db', dbPath, '--quiet'], { killAfterTest: false, env: { ...process.env, OMV_MODERATOR: 'load' } });
    for (let waited = 0; !/viewer at /.test(server.output()) && waited < 100; waited++) await new Promise((r) => setTimeout(r, 50));
    const viewerUrl = /viewer at (\S+)/.exec(server.output())![1]!;
    const db = openDatabase(dbPath, { readOnly: true });
    const middle = db
      .prepare<[number], number>('SELECT ts FROM entries ORDER BY ts LIMIT 1 OFFSET ?')
      .pluck()
      .get(Math.floor(entries / 2))!;
    db.close();
    return new WriterLoad(server, dbPath, viewerUrl, ratePerSecond, middle);
  }

  readonly api = <T>(method: string, args: object = {}) => deskApi(this.viewerUrl)<T>(method, args);

  /** Runs `work` while callbacks arrive at the set rate (for at least `minMs`); the answer times of the callbacks meanwhile. */
  async phase(name: string, work: () => Promise<unknown>, minMs = 5000): Promise<PhaseFigures> {
    const times: number[] = [];
    let refused = 0;
    let running = true;
    const interval = 1000 / this.ratePerSecond;
    const inFlight = new Set<Promise<void>>();
    const sender = (async () => {
      for (let next = performance.now(); running; next += interval) {
        const n = this.sent++;
        const started = performance.now();
        const call = postForm(
          callbackUrl(this.server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'load', callID: `l${n}` }),
          messagesXml({
            [`live-${n % 5}`]: [{ ts: Date.UTC(2030, 0, 1) + n, user: `sender${n % 7}`, content: `live delivery ${n} hello` }],
          }),
        ).then(
          (answer) => {
            times.push(performance.now() - started);
            if (answer.status !== 200) refused += 1;
          },
          () => {
            refused += 1;
          },
        );
        inFlight.add(call);
        void call.finally(() => inFlight.delete(call));
        const wait = next + interval - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();
    const started = performance.now();
    await Promise.all([work(), new Promise((resolve) => setTimeout(resolve, minMs))]);
    const workMs = performance.now() - started;
    running = false;
    await sender;
    await Promise.all(inFlight);
    const sorted = times.sort((a, b) => a - b);
    return {
      phase: name,
      callbacks: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
      refused,
      workMs,
    };
  }

  /** The phases of issue #16: idle, then each heavy piece of a moderator's work. */
  async moderatorsDay(): Promise<PhaseFigures[]> {
    // The server's first seconds (query hosts starting, code warming up) are no baseline: not counted.
    await this.phase('warm-up', async () => {}, 3000);
    const figures = [await this.phase('idle', async () => {}, 8000)];
    const terms = Array.from({ length: 10_000 }, (_, i) => `watchword${i}`).join('\n');
    figures.push(
      await this.phase(
        '10,000 watch terms matching every delivery',
        async () => {
          await this.api('addWatchTerms', { text: terms });
        },
        8000,
      ),
    );
    figures.push(
      await this.phase('200 saved searches saved and counted', async () => {
        for (let i = 0; i < 200; i++)
          await this.api('saveSearch', { name: `saved ${i}`, query: `${['the', 'hello', 'chat', 'ok'][i % 4]}*` });
        await this.api('savedSearches');
      }),
    );
    figures.push(
      await this.phase('tag all entries', async () => {
        await this.api('tag', { tag: 'spam', target: 'entry', filter: {} });
      }),
    );
    figures.push(
      await this.phase('purge of the older half (omv purge beside it)', async () => {
        const purged = await omv(['purge', '--db', this.dbPath, '--before', String(this.middle)]);
        if (purged.code !== 0) throw new Error(`the purge failed: ${purged.stderr}`);
      }),
    );
    return figures;
  }

  close(): void {
    stop(this.server.child);
  }
}

/** The figures as table rows: p99 beside the idle p99. */
export function phaseRows(figures: PhaseFigures[]): Array<[string, string]> {
  const idle = figures[0]!.p99;
  return figures.map((f) => [
    `callbacks during: ${f.phase}`,
    `${f.callbacks} answered, ${f.refused} refused; p50 ${f.p50.toFixed(0)} ms, p99 ${f.p99.toFixed(0)} ms (${(f.p99 / Math.max(1, idle)).toFixed(1)}× idle), max ${f.max.toFixed(0)} ms; work ${(f.workMs / 1000).toFixed(1)} s`,
  ]);
}
