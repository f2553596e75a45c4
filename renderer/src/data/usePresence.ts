// Presence (main/api/presence.ts): while a report view is open, this desk says so when it opens,
// every 15 s after, and when it closes; the moderators who have the report open come back in the
// answer and, whenever they change, in a live event, so another desk appears within a second.
import { useEffect, useState } from 'react';
import type { ReportViewer } from '../../../shared/review';
import { api, transport } from '../transport';

const HEARTBEAT_MS = 15_000;

/** This page's own id, so one moderator on two desks (two tabs) is two presences, each closed on its own. */
const DESK_ID = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

/** Everyone who has report `id` open (this desk's moderator included). */
export function usePresence(id: number): ReportViewer[] {
  const [viewers, setViewers] = useState<ReportViewer[]>([]);
  useEffect(() => {
    let open = true;
    // Presence is a courtesy: a desk that cannot say it (a role without reading, a server restarting) still works.
    const beat = () =>
      api.reportPresence({ id, desk: DESK_ID, open: true }).then(
        (now) => open && setViewers(now),
        () => undefined,
      );
    void beat();
    const timer = setInterval(() => void beat(), HEARTBEAT_MS);
    const stop = transport.onEvent((event) => {
      if (event.type === 'presence' && event.report === id) setViewers(event.viewers);
    });
    return () => {
      open = false;
      clearInterval(timer);
      stop();
      void api.reportPresence({ id, desk: DESK_ID, open: false }).catch(() => undefined);
    };
  }, [id]);
  return viewers;
}

/** The time now, again every `everyMs`: for "2 min ago" that stays true while a view stays open. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
