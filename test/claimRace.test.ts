// Fifty moderators on one queue: 25 moderators and 25 leads race, over real HTTP through the real
// service, to claim and decide 200 reports with claims required. Moderators claim a report, start
// its review and decide it; leads (who may decide any report) decide what they read. Everyone
// picks from the top of the same queue, so they collide. Each report must be decided exactly once,
// each decision on the state its moderator saw, a moderator's only on a report they held; every
// answer is a success or a 409 conflict (never a 5xx); the audit chain holds every change once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyAudit } from '../main/store/audit.js';
import { startTeamApi, type Answer } from './support/teamApi.js';

const REPORTS = 200;
const ACTORS = 50;

interface Seen {
  id: number;
  status: string;
  version: number;
  claim: { by: string } | null;
}

interface Decision {
  id: number;
  by: string;
  to: string;
  /** The status the decider saw when they chose to decide. */
  seen: string;
  claimed: boolean;
}

test(
  '50 moderators race to claim and decide 200 reports: each decided once, on the state its decider saw, no 5xx, the audit chain intact',
  { timeout: 10 * 60_000 },
  async (t) => {
    const api = await startTeamApi();
    try {
      await api.reportAbuse(REPORTS);
      await api.value('ada:admin', 'setClaimsMode', { mode: 'required' });
      const statuses = new Map<number, number>();
      const decisions: Decision[] = [];
      let writes = 0;
      const call = async <T>(who: string, method: string, args: object): Promise<Answer<T>> => {
        const answer = await api.call<T>(who, method, args);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        assert.ok(answer.status < 500, `${who} ${method}: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (answer.status === 200) assert.ok(answer.body.ok, `${who} ${method} ${JSON.stringify(args)}: ${JSON.stringify(answer.body)}`);
        else assert.equal(answer.status, 409, `${who} ${method}: only a conflict may refuse here, not ${JSON.stringify(answer.body)}`);
        if (answer.body.ok && method !== 'reports' && method !== 'report') writes += 1;
        return answer;
      };

      const moderator = async (who: string, name: string, turn: number): Promise<boolean> => {
        const queue = await call<Seen[]>(who, 'reports', {});
        const open = queue.body.ok ? queue.body.value.filter((r) => r.status === 'open' || r.status === 'in review') : [];
        if (open.length === 0) return false;
        // Everyone works the top of the queue: collisions are the point.
        const pick = open[(turn + name.length) % Math.min(open.length, 6)]!;
        const lead = who.endsWith(':lead');
        const to = pick.id % 2 === 0 ? 'actioned' : 'dismissed';
        if (lead) {
          const decided = await call(who, 'setReportStatus', {
            id: pick.id,
            status: to,
            reason: `decided by ${name}`,
            version: pick.version,
          });
          if (decided.body.ok) decisions.push({ id: pick.id, by: name, to, seen: pick.status, claimed: false });
          return true;
        }
        if (pick.claim !== null && pick.claim.by !== name) {
          await new Promise((resolve) => setTimeout(resolve, 2)); // someone else's: look again shortly
          return true;
        }
        const claimed = await call<Seen>(who, 'claimReport', { id: pick.id, version: pick.version });
        if (!claimed.body.ok) return true;
        let state = claimed.body.value;
        if (state.status === 'open') {
          const started = await call<{ version: number }>(who, 'setReportStatus', {
            id: pick.id,
            status: 'in review',
            version: state.version,
          });
          if (!started.body.ok) return true;
          state = { ...state, status: 'in review', version: started.body.value.version };
        }
        const decided = await call(who, 'setReportStatus', {
          id: pick.id,
          status: to,
          reason: `decided by ${name}`,
          version: state.version,
        });
        if (decided.body.ok) decisions.push({ id: pick.id, by: name, to, seen: state.status, claimed: true });
        return true;
      };

      await Promise.all(
        Array.from({ length: ACTORS }, async (_, i) => {
          const name = i % 2 === 0 ? `mod-${i}` : `lead-${i}`;
          const who = `${name}:${i % 2 === 0 ? 'moderator' : 'lead'}`;
          for (let turn = 0; await moderator(who, name, turn); turn++);
        }),
      );

      // Each report decided exactly once, as its decider was told.
      const recorded = api.db
        .prepare<[], { report_id: number; moderator: string; from_status: string; to_status: string; audit_id: number }>(
          "SELECT report_id, moderator, from_status, to_status, audit_id FROM report_status_changes WHERE to_status IN ('actioned', 'dismissed') ORDER BY report_id",
        )
        .all();
      assert.equal(recorded.length, REPORTS, 'as many decisions as reports');
      assert.equal(new Set(recorded.map((r) => r.report_id)).size, REPORTS, 'no report decided twice');
      assert.equal(api.db.prepare("SELECT count(*) FROM abuse_reports WHERE status IN ('open', 'in review')").pluck().get(), 0);
      assert.equal(decisions.length, REPORTS, 'every decision that succeeded was told so, and no other');
      const byReport = new Map(recorded.map((r) => [r.report_id, r]));
      for (const d of decisions) {
        const row = byReport.get(d.id)!;
        assert.deepEqual([row.moderator, row.to_status], [d.by, d.to], `report ${d.id} was decided as its decider was told`);
        assert.equal(row.from_status, d.seen, `report ${d.id} was decided on the status ${d.by} saw`);
        if (d.claimed) {
          const details = JSON.parse(
            api.db.prepare<[number], string>('SELECT details FROM audit_log WHERE id = ?').pluck().get(row.audit_id)!,
          );
          assert.equal(details.released, d.by, `${d.by} held report ${d.id} when deciding it`);
        }
      }
      const byModerators = decisions.filter((d) => d.claimed).length;
      t.diagnostic(
        `decided by moderators holding the claim: ${byModerators}, by leads: ${REPORTS - byModerators}; answers by status: ${JSON.stringify([...statuses])}`,
      );
      // The race raced: moderators collided, and were told so.
      assert.ok((statuses.get(409) ?? 0) > 0, `some calls collided (${JSON.stringify([...statuses])})`);
      // One audit row per change that went through, one chain.
      const verdict = verifyAudit(api.db);
      const accountRows = api.db
        .prepare<[], number>(
          "SELECT count(*) FROM audit_log WHERE action IN ('account added', 'enrolled', 'signed in', 'signed out', 'sign-in failed')",
        )
        .pluck()
        .get()!;
      assert.deepEqual(verdict, { intact: true, rows: writes + 1 + accountRows }, 'every change once (and the mode set), the chain intact');
    } finally {
      await api.close();
    }
  },
);
