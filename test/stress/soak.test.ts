// Soak: omv serve under a steady load for a long while (OMV_SOAK_SECONDS, default 30 minutes):
// deliveries at a fixed rate, the desk's searches and pages beside them, and an import of a large
// file part way through. Every delivery is answered 200 and stored; the answers stay quick (p99
// per interval in the table) and memory does not creep: RSS stays within 20% of where it was
// once the server had warmed up (its first interval, which includes the import).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSyntheticFile } from '../support/syntheticFile.js';
import { openDatabase } from '../../main/store/db.js';
import { omvServe, stop } from '../support/cli.js';
import { callbackUrl, postForm } from '../support/http.js';
import { messagesXml } from '../support/payloads.js';
import { recordStress, setting } from '../support/stressReport.js';
import { tempDir } from '../support/tmp.js';

const SECONDS = setting('OMV_SOAK_SECONDS', 1800);
const DELIVERIES_PER_SECOND = 20;
const INTERVALS = 6;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;

test(
  `soak: ${SECONDS} s of deliveries at ${DELIVERIES_PER_SECOND}/s with searches and an import beside them`,
  { timeout: (SECONDS + 600) * 1000 },
  async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'omv.sqlite');
    const server = await omvServe(['--db', dbPath, '--quiet']);
    const [, base, key] = /viewer at (http:\/\/[^/]+)\/\?key=(\S+)/.exec(server.output())!;
    const api = async (method: string, args: unknown) => {
      const response = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-omv-key': key! },
        body: JSON.stringify(args),
      });
      const answer = (await response.json()) as { ok: boolean; error?: string };
      assert.ok(answer.ok, `${method}: ${answer.error}`);
    };
    const bigFile = join(dir, 'archive.xml');
    await writeSyntheticFile(bigFile, { entries: 100_000, rooms: 10, seed: 4 });

    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    const intervalMs = (SECONDS * 1000) / INTERVALS;
    const latencies: number[][] = Array.from({ length: INTERVALS }, () => []);
    const rss: number[] = [];
    const errors: string[] = [];
    let sent = 0;
    let acknowledged = 0;
    let searchesRun = 0;

    const deliveries = (async () => {
      for (let n = 0; performance.now() < deadline; n++) {
        const due = started + (n * 1000) / DELIVERIES_PER_SECOND;
        if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
        const xml = messagesXml({
          [`live${n % 12}`]: Array.from({ length: 5 }, (_, i) => ({
            ts: Date.now() * 10 + i,
            user: `u${(n + i) % 40}`,
            content: `soak ${n} hello ${i} world`,
          })),
        });
        const t0 = performance.now();
        sent += 1;
        const answer = await postForm(
          callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'soak', callID: `s${n}` }),
          xml,
        );
        latencies[Math.min(INTERVALS - 1, Math.floor((t0 - started) / intervalMs))]!.push(performance.now() - t0);
        if (answer.status === 200) acknowledged += 1;
        else errors.push(`${answer.status} ${answer.text}`);
      }
    })();
    const desk = (async () => {
      const queries = ['hello', 'world*', '"hello 3"', 'soak -world', 'from:u7 hello', 'in:live3 world'];
      for (let i = 0; performance.now() < deadline; i++) {
        await api('search', { filter: { text: queries[i % queries.length] }, limit: 200 }).catch((error: Error) =>
          errors.push(error.message),
        );
        await api('timeline', { filter: {}, direction: 'before', limit: 200 }).catch((error: Error) => errors.push(error.message));
        searchesRun += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const importer = (async () => {
      await new Promise((resolve) => setTimeout(resolve, intervalMs / 3));
      const response = await fetch(`${base}/api/import?name=archive.xml`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'x-omv-key': key! },
        body: readFileSync(bigFile),
      });
      const answer = (await response.json()) as { ok: boolean; value?: { status: string; newEntries: number }; error?: string };
      if (!answer.ok || answer.value?.newEntries !== 100_000) errors.push(`import: ${JSON.stringify(answer)}`);
    })();
    const sampler = (async () => {
      for (let i = 1; i <= INTERVALS; i++) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + i * intervalMs - performance.now())));
        rss.push(rssMb(server.child.pid!));
      }
    })();
    await Promise.all([deliveries, desk, importer, sampler]);
    stop(server.child);

    const db = openDatabase(dbPath, { readOnly: true });
    const stored = db.prepare<[], number>("SELECT count(*) FROM deliveries WHERE source = 'callback' AND status = 'stored'").pluck().get()!;
    db.close();
    const warm = rss[0]!;
    const drift = Math.max(...rss.slice(1)) / warm - 1;
    const table = latencies.map(
      (values, i) =>
        `${(((i + 1) * intervalMs) / 60_000).toFixed(1)} min: p99 ${percentile(values, 99).toFixed(0)} ms, RSS ${rss[i]!.toFixed(0)} MB`,
    );
    recordStress('4-soak', [
      [
        'soak',
        `${SECONDS} s, ${sent} deliveries at ${DELIVERIES_PER_SECOND}/s (${acknowledged} answered 200, ${stored} stored), ${searchesRun}× a search and a page, one 100k-entry import`,
      ],
      ...table.map((line, i): [string, string] => [`  interval ${i + 1}`, line]),
      [
        'memory drift after warm-up',
        `${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}% (largest RSS after the first interval ${Math.max(...rss.slice(1)).toFixed(0)} MB, at its end ${warm.toFixed(0)} MB)`,
      ],
      ['errors', String(errors.length)],
    ]);
    assert.deepEqual(errors, []);
    assert.equal(acknowledged, sent);
    assert.equal(stored, sent);
    assert.ok(drift <= 0.2, `RSS grew ${(drift * 100).toFixed(1)}% after warm-up`);
  },
);
