/** How a refresh ended, from what each connection's download and each statement's processing did. */
import type { Connection, RefreshOutcome } from '../shared/store';

export interface DownloadResult {
  connectionId: string;
  outcome: 'DOWNLOADED' | 'DEFERRED' | 'FAILED';
  /** Step Functions error name when the download failed (TransientError, NeedsUserError, ...). */
  error?: string;
  statements: Array<{ rawKey: string }>;
}

export interface ProcessResult {
  rawKey: string;
  outcome: 'NORMALIZED' | 'QUARANTINED' | 'FAILED';
  normalizedKeys: string[];
  reason?: { code: string; message: string };
}

export interface RefreshOutcomeSummary {
  status: Exclude<RefreshOutcome, 'RUNNING'>;
  connections: Record<string, string>;
  statements: { total: number; normalized: number; quarantined: number; failed: number };
}

const NEEDS_USER: Record<string, Exclude<RefreshOutcome, 'RUNNING'>> = {
  LOGIN_REQUIRED: 'LOGIN_REQUIRED',
  LOCKED: 'LOCKED',
  MFA_REQUIRED: 'MFA_REQUIRED',
};

/**
 * SUCCEEDED: every connection downloaded and every statement landed.
 * PARTIAL: some data landed, but a connection failed or a statement was quarantined.
 * LOGIN_REQUIRED / LOCKED / MFA_REQUIRED: nothing landed because the user must act (first such status).
 * DEFERRED: nothing landed because the institutions' circuits are open.
 * FAILED: nothing landed for any other reason.
 */
export function refreshOutcome(downloads: DownloadResult[], processed: ProcessResult[], connections: Connection[]): RefreshOutcomeSummary {
  const status = new Map(connections.map((c) => [c.connectionId, c.status]));
  const perConnection: Record<string, string> = {};
  for (const d of downloads) {
    perConnection[d.connectionId] =
      d.outcome === 'FAILED' && d.error === 'NeedsUserError' ? (status.get(d.connectionId) ?? 'LOGIN_REQUIRED') : d.outcome === 'FAILED' ? `FAILED:${d.error ?? 'unknown'}` : d.outcome;
  }
  const statements = {
    total: processed.length,
    normalized: processed.filter((p) => p.outcome === 'NORMALIZED').length,
    quarantined: processed.filter((p) => p.outcome === 'QUARANTINED').length,
    failed: processed.filter((p) => p.outcome === 'FAILED').length,
  };
  const downloaded = downloads.filter((d) => d.outcome === 'DOWNLOADED').length;
  const allGood = downloaded === downloads.length && statements.quarantined === 0 && statements.failed === 0;
  let result: RefreshOutcomeSummary['status'];
  if (allGood) result = 'SUCCEEDED';
  else if (statements.normalized > 0 || (downloaded > 0 && statements.quarantined + statements.failed === 0)) result = 'PARTIAL';
  else {
    const needsUser = Object.values(perConnection).find((s) => s in NEEDS_USER);
    if (needsUser) result = NEEDS_USER[needsUser];
    else if (downloads.length > 0 && downloads.every((d) => d.outcome === 'DEFERRED')) result = 'DEFERRED';
    else result = 'FAILED';
  }
  return { status: result, connections: perConnection, statements };
}
