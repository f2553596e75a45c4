// The review workflow's shared words: where an abuse report stands, and where it may go next.

export const REPORT_STATUSES = ['open', 'in review', 'actioned', 'dismissed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Where a report may go from each status: decided ones are reopened, never silently redecided. */
export const NEXT_STATUSES: Readonly<Record<ReportStatus, readonly ReportStatus[]>> = {
  open: ['in review', 'actioned', 'dismissed'],
  'in review': ['open', 'actioned', 'dismissed'],
  actioned: ['open'],
  dismissed: ['open'],
};

/** Changes that must say why: a decision, and undoing one. */
export function needsReason(from: ReportStatus, to: ReportStatus): boolean {
  return to === 'actioned' || to === 'dismissed' || from === 'actioned' || from === 'dismissed';
}

export function isReportStatus(text: string): text is ReportStatus {
  return (REPORT_STATUSES as readonly string[]).includes(text);
}

export interface AbuseReportSummary {
  id: number;
  status: ReportStatus;
  receivedAt: number;
  domainId: string;
  reporter: string | null;
  accused: string | null;
  reason: string | null;
  description: string | null;
  /** The room of the reported messages (the first, if several). */
  room: string | null;
  /** How many reported messages it quotes. */
  entries: number;
}

export interface AuditRecord {
  id: number;
  at: number;
  moderator: string;
  action: string;
  details: Record<string, unknown>;
}
