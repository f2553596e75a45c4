// One round of a loss test (the crash rounds, the failover rounds): concurrent senders deliver
// numbered payloads until the server is lost after a random number of acknowledgements, while
// other deliveries are on their way. What a round answers is what the vendor would know: which
// deliveries got their 200, and which must be sent again (refused, cut off, or never sent).

export interface LossRound {
  /** The delivery numbers to send, in order (those left from the last round first). */
  queue: number[];
  senders: number;
  /** Acknowledgements in this round before the loss begins. */
  target: number;
  /** Sends delivery `n`; answers the HTTP status (a delivery cut off by the loss throws). */
  send: (n: number) => Promise<number>;
  /**
   * Brings the loss about: calls `lost()` at the moment the server is gone (the senders then stop,
   * and what was in flight just then is counted), and resolves once it is over.
   */
  lose: (lost: () => void) => void | Promise<void>;
}

export interface LossRoundResult {
  acknowledged: number[];
  /** Not answered 200: to be sent again. */
  unanswered: number[];
  sent: number;
  /** Deliveries on their way at the moment of the loss. */
  cutInFlight: number;
  /** Deliveries answered with a status other than 200 after the loss (a 503, say). */
  refusedAfterLoss: number;
}

/** A round that gets nowhere in this long loses its server anyway (and the test then fails on its counts). */
const STUCK_MS = 60_000;

export async function lossRound({ queue, senders, target, send, lose }: LossRound): Promise<LossRoundResult> {
  const result: LossRoundResult = { acknowledged: [], unanswered: [], sent: 0, cutInFlight: 0, refusedAfterLoss: 0 };
  let gone = false;
  let inFlight = 0;
  let losing: Promise<void> | null = null;
  const loss = () =>
    (losing ??= Promise.resolve(
      lose(() => {
        gone = true;
        result.cutInFlight = inFlight;
      }),
    ));
  const stuck = setTimeout(() => void loss(), STUCK_MS);
  const sender = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      if (gone) {
        result.unanswered.push(n);
        continue;
      }
      result.sent += 1;
      inFlight += 1;
      try {
        const status = await send(n);
        if (status === 200) {
          result.acknowledged.push(n);
          // The loss comes while the other senders' deliveries are on their way.
          if (result.acknowledged.length >= target) setImmediate(() => void loss());
        } else {
          if (gone) result.refusedAfterLoss += 1;
          result.unanswered.push(n);
        }
      } catch {
        result.unanswered.push(n); // cut off by the loss: the vendor sends it again
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
  await loss(); // a round whose queue ran dry before its target
  clearTimeout(stuck);
  return result;
}
