/**
 * PostProcess: merges every normalized statement of the user into accounts and transactions,
 * writes only the changes, records each connection's status and the refresh outcome, and returns
 * the summary the workflow publishes. Re-running it converges on the same stored state: the
 * merge is recomputed from the statements in S3 and the writes are the diff against the table.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3 } from '../shared/aws';
import { bucketName } from '../shared/config';
import { TransientError } from '../shared/errors';
import { stableId } from '../shared/hash';
import { s3Keys } from '../shared/keys';
import { diffTransactions, mergeAccount } from '../shared/ledger';
import type { LedgerTransaction } from '../shared/ledger/types';
import { logger } from '../shared/logger';
import type { NormalizedStatement } from '../shared/model';
import * as store from '../shared/store';
import type { StoredStatement } from '../process-statement';
import { refreshOutcome, type DownloadResult, type ProcessResult } from './outcome';

export interface PostProcessInput {
  userId: string;
  refreshId: string;
  trigger: string;
  downloads: DownloadResult[];
  /** One array per download, one entry per statement. */
  processed: ProcessResult[][];
}

/**
 * The merge lease is short and renewed while the merge runs, so a merge that died (a crashed or
 * timed-out Lambda) blocks the user's next refresh for seconds, not minutes.
 */
const LEASE_SECONDS = 15;
const LEASE_RENEW_MS = 5_000;

export async function handler(event: PostProcessInput) {
  const { userId, refreshId } = event;
  const trigger = event.trigger ?? 'api';
  logger.appendKeys({ userId, refreshId });
  if (!(await store.acquireLease(userId, refreshId, LEASE_SECONDS))) {
    // Another refresh of this user is merging; the workflow retries with backoff.
    throw new TransientError('CONCURRENT_UPDATE', `another refresh of user ${userId} is merging`);
  }
  const renewal = setInterval(() => {
    store.acquireLease(userId, refreshId, LEASE_SECONDS).catch((error) => logger.warn('lease renewal failed', { error }));
  }, LEASE_RENEW_MS);
  try {
    const connections = await store.listConnections(userId);
    const byConnection = new Map(connections.map((c) => [c.connectionId, c]));
    const statements = await loadStatements(userId);

    const groups = new Map<string, { connectionId: string; statements: NormalizedStatement[] }>();
    for (const { connectionId, statement } of statements) {
      if (!byConnection.has(connectionId)) continue; // a removed connection's data is not merged
      const accountId = stableId('acc_', userId, connectionId, statement.account.type, statement.account.id);
      const group = groups.get(accountId) ?? { connectionId, statements: [] };
      group.statements.push(statement);
      groups.set(accountId, group);
    }

    const changes = { added: 0, modified: 0, removed: 0 };
    const reconciliationIssues: string[] = [];
    const syncedThrough = new Map<string, string>();
    const now = new Date().toISOString();
    for (const [accountId, group] of groups) {
      const first = group.statements[0];
      const ledger = mergeAccount({ accountKey: accountId, type: first.account.type, currency: first.account.currency, statements: group.statements });
      const stored = await store.listAccountTransactions(userId, accountId);
      const diff = diffTransactions(stored.map(toLedger), ledger.transactions);
      const item = (t: LedgerTransaction): store.TransactionItem => ({ userId, accountId, ...t });
      await store.applyTransactionChanges([...diff.added, ...diff.modified].map(item), diff.removed.map(item));
      changes.added += diff.added.length;
      changes.modified += diff.modified.length;
      changes.removed += diff.removed.length;
      const connection = byConnection.get(group.connectionId)!;
      await store.putAccount({
        userId,
        accountId,
        connectionId: group.connectionId,
        institutionId: connection.institutionId,
        type: ledger.type,
        mask: first.account.id.slice(-4),
        currency: ledger.currency,
        balances: { current: ledger.balances.current, available: ledger.balances.available, asOf: ledger.balances.asOf },
        reconciliation: ledger.reconciliation,
        updatedAt: now,
      });
      if (!ledger.reconciliation.ok) reconciliationIssues.push(accountId);
      const newest = newestStatementDate(group.statements);
      if (newest) {
        const seen = syncedThrough.get(group.connectionId);
        if (!seen || newest < seen) syncedThrough.set(group.connectionId, newest);
      }
    }

    // Connections that downloaded this time are healthy again; their sync point moves forward.
    for (const download of event.downloads ?? []) {
      if (download.outcome === 'DOWNLOADED' && byConnection.has(download.connectionId)) {
        await store.setConnectionStatus(userId, download.connectionId, 'OK', undefined, syncedThrough.get(download.connectionId));
      }
    }

    const refreshed = await store.listConnections(userId);
    const outcome = refreshOutcome(event.downloads ?? [], (event.processed ?? []).flat(), refreshed);
    const summary = {
      userId,
      refreshId,
      trigger,
      outcome: outcome.status,
      connections: outcome.connections,
      statements: outcome.statements,
      changes,
      accounts: groups.size,
      reconciliationIssues,
    };
    await store.finishRefresh(userId, refreshId, trigger, outcome.status, summary);
    logger.info('refresh merged', { outcome: outcome.status, changes });
    return summary;
  } finally {
    clearInterval(renewal);
    await store.releaseLease(userId, refreshId);
  }
}

async function loadStatements(userId: string): Promise<StoredStatement[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(new ListObjectsV2Command({ Bucket: bucketName(), Prefix: s3Keys.normalizedPrefix(userId), ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const out: StoredStatement[] = [];
  // Bounded parallelism: fast, without opening hundreds of sockets at once.
  for (let i = 0; i < keys.length; i += 16) {
    const batch = await Promise.all(
      keys.slice(i, i + 16).map(async (Key) => {
        const object = await s3().send(new GetObjectCommand({ Bucket: bucketName(), Key }));
        return JSON.parse(await object.Body!.transformToString()) as StoredStatement;
      }),
    );
    out.push(...batch);
  }
  return out;
}

function newestStatementDate(statements: NormalizedStatement[]): string | undefined {
  let newest: string | undefined;
  for (const s of statements) {
    const d = s.period?.end ?? s.balances.ledger?.asOf;
    if (d && (!newest || d > newest)) newest = d;
  }
  return newest;
}

function toLedger(t: store.TransactionItem): LedgerTransaction {
  const { userId: _u, accountId: _a, ...rest } = t;
  return rest;
}
