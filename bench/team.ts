// The team server under a team's load: 20 desks signed in, each holding its live events, while
// callbacks arrive at 200/s. Two figures: how long a callback waits for its 200, and how long
// after the commit the news reaches a desk — beside the same callbacks' answer times with no desk
// connected (the baseline of the same run).
import { eventData } from '../shared/eventStream.js';
import { callbackUrl, postForm } from '../test/support/http.js';
import { messagesXml } from '../test/support/payloads.js';
import { startTeam, teamDatabase, type Signed, type TeamServerProcess } from '../test/support/teamServer.js';
import { stop } from '../test/support/cli.js';

export type Report = (what: string, figure: string, baseline?: string) => void;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** A desk's live events, as its page reads them: the time each arrived, with the commit time it names. */
function listen(team: TeamServerProcess, who: Signed, delays: number[]): () => void {
  const controller = new AbortController();
  void (async () => {
    const response = await fetch(`${team.base}/api/events`, { headers: { cookie: who.cookie }, signal: controller.signal });
    try {
      for await (const data of eventData(response.body!)) {
        const event = JSON.parse(data) as { type: string; at?: number };
        if (event.type === 'deliveryReceived' && event.at) delays.push(Date.now() - event.at);
      }
    } catch {
      // the bench ended the stream
    }
  })();
  return () => controller.abort();
}

/** Callbacks at `rate` a second for `seconds`; their answer times. */
async function send(team: TeamServerProcess, rate: number, seconds: number, tag: string): Promise<number[]> {
  const times: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let n = 0; n < rate * seconds; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(
      postForm(
        callbackUrl(team.callbackUrl, { function: 'sendOfflineMessages', domainID: 'bench', callID: `${tag}${n}` }),
        messagesXml({ [`room-${n % 20}`]: [{ ts: Date.UTC(2030, 0, 1) + n, user: `u${n % 50}`, content: `${tag} delivery ${n}` }] }),
      ).then((answer) => {
        if (answer.status === 200) times.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(pending);
  return times;
}

export async function teamBench(dir: string, report: Report, { desks = 20, rate = 200, seconds = 10 } = {}): Promise<void> {
  const names = Object.fromEntries(Array.from({ length: desks }, (_, i) => [`desk${i}`, 'moderator' as const]));
  const team = await startTeam(await teamDatabase(names, { dir }), { killAfterTest: false });
  try {
    await send(team, rate, 2, 'warm'); // the server's first seconds (query hosts starting, code warming) are no baseline
    const alone = await send(team, rate, seconds, 'alone');
    const signed = await Promise.all(Object.keys(names).map((name) => team.signIn(name)));
    const delays: number[] = [];
    const stops = signed.map((who) => listen(team, who, delays));
    // Every desk is listening before the load starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const watched = await send(team, rate, seconds, 'watched');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stops.forEach((end) => end());
    report(
      `team server: callbacks at ${rate}/s with ${desks} desks listening`,
      `${watched.length} answered, p50 ${percentile(watched, 50).toFixed(0)} ms, p99 ${percentile(watched, 99).toFixed(0)} ms`,
      `no desk listening: p50 ${percentile(alone, 50).toFixed(0)} ms, p99 ${percentile(alone, 99).toFixed(0)} ms`,
    );
    report(
      `team server: the news of a callback reaching a desk (${desks} desks)`,
      `${delays.length} events, p50 ${percentile(delays, 50).toFixed(0)} ms, p99 ${percentile(delays, 99).toFixed(0)} ms after the commit`,
      `expected ${watched.length * desks} (every delivery to every desk)`,
    );
  } finally {
    stop(team.serve.child);
  }
}
