// A group's abuse reports, roster snapshots and connection lists into PostgreSQL, set-wise as
// payloadWriter.ts writes its rooms, users and entries (it calls these once those are written):
// each table by one statement, rows in the order the payloads carry them, so their ids are SQLite's.
import { pgText, type WriteSession } from './connection.js';
import type { PayloadJob } from './payloadWriter.js';

/** Inserts rows in the order given and answers their ids in that order (an identity column draws them as the rows come). */
async function insertOrdered(session: WriteSession, sql: string, values: unknown[]): Promise<number[]> {
  const made = await session.query<{ id: number }>(sql, values);
  return made.rows.map((row) => row.id).sort((a, b) => a - b);
}

/** Each abuse report, linked to the entries its payload carried before it. */
export async function writeAbuseReports(
  session: WriteSession,
  jobs: readonly PayloadJob[],
  states: ReadonlyArray<ReadonlyArray<{ id: number | null }>>,
): Promise<void> {
  const reports = jobs.flatMap((job, payload) => job.rows.abuse.map((abuse) => ({ job, payload, ...abuse })));
  if (reports.length === 0) return;
  const text = (pick: (r: (typeof reports)[number]) => string | null) => reports.map((r) => pgText(pick(r)));
  const ids = await insertOrdered(
    session,
    `INSERT INTO abuse_reports (delivery_id, domain_id, reporting_user_id, abuser_user_id, abuser_ip_address, recording_name, recording_url,
       description, reason, received_at)
     SELECT delivery_id, domain_id, reporting_user_id, abuser_user_id, abuser_ip_address, recording_name, recording_url, description, reason,
       received_at
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
       WITH ORDINALITY AS r (delivery_id, domain_id, reporting_user_id, abuser_user_id, abuser_ip_address, recording_name, recording_url,
         description, reason, received_at, n)
     ORDER BY n RETURNING id`,
    [
      reports.map((r) => r.job.deliveryId),
      reports.map((r) => r.job.domainId),
      text((r) => r.report.reportingUserId),
      text((r) => r.report.abuserUserId),
      text((r) => r.report.abuserIpAddress),
      text((r) => r.report.recordingName),
      text((r) => r.report.recordingUrl),
      text((r) => r.report.description),
      text((r) => r.report.reason),
      reports.map((r) => r.job.receivedAt),
    ],
  );
  const links: Array<[number, number]> = [];
  reports.forEach((r, i) => {
    for (const state of states[r.payload]!.slice(0, r.entriesBefore)) links.push([ids[i]!, state.id!]);
  });
  if (links.length)
    await session.query(
      'INSERT INTO abuse_report_entries (report_id, entry_id) SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING',
      [links.map(([report]) => report), links.map(([, entry]) => entry)],
    );
}

/** A roster payload's connection snapshot: its rooms with their user counts, and who was in each. */
export async function writeSnapshots(
  session: WriteSession,
  jobs: readonly PayloadJob[],
  roomId: (job: PayloadJob, name: string) => number,
  userId: (job: PayloadJob, id: string | null) => number | null,
): Promise<void> {
  const taking = jobs.filter((job) => job.rows.snapshot);
  if (taking.length === 0) return;
  const ids = await insertOrdered(
    session,
    `INSERT INTO connection_snapshots (delivery_id, domain_id, taken_at)
     SELECT delivery_id, domain_id, taken_at FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS s (delivery_id, domain_id, taken_at, n)
     ORDER BY n RETURNING id`,
    [taking.map((job) => job.deliveryId), taking.map((job) => job.domainId), taking.map((job) => job.receivedAt)],
  );
  // A room listed twice in one snapshot keeps its last count (SQLite's INSERT OR REPLACE).
  const counts = new Map<string, [snapshot: number, room: number, users: number]>();
  const present = new Map<string, [snapshot: number, room: number, user: number]>();
  taking.forEach((job, i) => {
    for (const { room, userIds, userCount } of job.rows.roster) {
      const id = roomId(job, room);
      counts.set(`${ids[i]}:${id}`, [ids[i]!, id, userCount]);
      for (const user of userIds) {
        const uid = userId(job, user)!;
        present.set(`${ids[i]}:${id}:${uid}`, [ids[i]!, id, uid]);
      }
    }
  });
  if (counts.size) {
    const rows = [...counts.values()];
    await session.query(
      `INSERT INTO connection_snapshot_rooms (snapshot_id, room_id, user_count) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
       ON CONFLICT (snapshot_id, room_id) DO UPDATE SET user_count = excluded.user_count`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
  }
  if (present.size) {
    const rows = [...present.values()];
    await session.query(
      `INSERT INTO connection_snapshot_users (snapshot_id, room_id, user_id) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
       ON CONFLICT DO NOTHING`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
  }
}

/** An instant messenger's connection list: one snapshot per payload (the server its first connection names), its connections in order. */
export async function writeConnections(session: WriteSession, jobs: readonly PayloadJob[]): Promise<void> {
  const listing = jobs.filter((job) => job.rows.connections.length > 0);
  if (listing.length === 0) return;
  const ids = await insertOrdered(
    session,
    `INSERT INTO im_connection_snapshots (delivery_id, domain_id, server, taken_at)
     SELECT delivery_id, domain_id, server, taken_at FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
       WITH ORDINALITY AS s (delivery_id, domain_id, server, taken_at, n)
     ORDER BY n RETURNING id`,
    [
      listing.map((job) => job.deliveryId),
      listing.map((job) => job.domainId),
      listing.map((job) => job.rows.connections[0]!.server),
      listing.map((job) => job.receivedAt),
    ],
  );
  const rows = listing.flatMap((job, i) => job.rows.connections.map((c) => ({ snapshot: ids[i]!, ...c })));
  await session.query(
    `INSERT INTO im_connections (snapshot_id, from_kind, from_id, to_id)
     SELECT snapshot_id, from_kind, from_id, to_id FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS c (snapshot_id, from_kind, from_id, to_id, n)
     ORDER BY n`,
    [rows.map((r) => r.snapshot), rows.map((r) => r.fromKind), rows.map((r) => r.from), rows.map((r) => r.to)],
  );
}
