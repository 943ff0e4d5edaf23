/** Starts LedgerFlow locally for a test file and gives it typed access to the API and the bank. */
import { SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLedgerFlow, type LedgerFlow, type LedgerFlowOptions } from '../../local/ledgerflow';
import { DEFAULT_SEED, INSTITUTIONS, type Truth } from '../../local/bank';
import { accountsAt } from '../../local/bank/ledger';
import { apiClient, bankTruth, type ApiClient } from '../../local/api-client';
import { differences, reconcileUser } from '../../local/reconcile';
import { executionHistory, listAllExecutions } from '../../local/executions';
export { until } from '../poll';

export interface Harness {
  flow: LedgerFlow;
  sfn: SFNClient;
  client: ApiClient;
  api: ApiClient['call'];
  truth(userId: string): Promise<Truth>;
  refreshAndWait(userId: string, timeoutMs?: number): Promise<any>;
  waitForRefresh(userId: string, refreshId: string, timeoutMs?: number): Promise<any>;
  allTransactions(userId: string): Promise<any[]>;
  stop(): Promise<void>;
}

export async function startHarness(options: LedgerFlowOptions = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledgerflow-e2e-'));
  const log = process.env.LEDGERFLOW_TEST_LOG ? (line: string) => fs.appendFileSync(process.env.LEDGERFLOW_TEST_LOG!, line + '\n') : () => undefined;
  const flow = await startLedgerFlow({ synth: false, dataDir, demoUsers: 3, startSchedules: false, log, ...options });
  return harnessFor(flow, async () => {
    await flow.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
}

/** A harness around a LedgerFlow someone else started (stop() is theirs to pass). */
export function harnessFor(flow: LedgerFlow, stop: () => Promise<void> = async () => undefined): Harness {
  const sfn = new SFNClient({ endpoint: flow.endpoints.stepfunctions, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const client = apiClient(flow.endpoints.api);
  const waitForRefresh: Harness['waitForRefresh'] = async (userId, refreshId, timeoutMs = 30_000) => {
    const record = await client.waitForRefresh(userId, refreshId, { timeoutMs, pollMs: 100 });
    if (record.status === 'RUNNING') throw new Error(`refresh ${refreshId} still RUNNING after ${timeoutMs} ms`);
    return record;
  };
  return {
    flow,
    sfn,
    client,
    api: client.call,
    truth: (userId) => bankTruth(flow.endpoints.bank, userId),
    waitForRefresh,
    refreshAndWait: async (userId, timeoutMs) => waitForRefresh(userId, await client.startRefresh(userId), timeoutMs),
    allTransactions: (userId) => client.allTransactions(userId, 50),
    stop,
  };
}

/**
 * Asserts that what the API holds for a user equals the sandbox truth (local/reconcile.ts:
 * accounts by (mask, type), transactions by externalId, every amount, date, status and balance).
 */
export async function expectMatchesTruth(
  h: Harness,
  userId: string,
  opts: { skipInstitutions?: string[]; /** masks of accounts that must not be held */ skipAccounts?: string[] } = {},
): Promise<{ accounts: number; transactions: number }> {
  const truth = await h.truth(userId);
  const expected = truth.accounts.filter((a) => !opts.skipInstitutions?.includes(a.institutionId) && !opts.skipAccounts?.includes(a.mask));
  const r = await reconcileUser(h.client, userId, expected, 20);
  expect({ differences: differences(r), examples: r.examples }).toEqual({ differences: 0, examples: [] });
  return { accounts: r.accounts, transactions: r.transactions };
}

/** The history of a refresh's execution (its name is the refreshId). */
export async function refreshHistory(h: Harness, refreshId: string): Promise<HistoryEvent[]> {
  return executionHistory(h.sfn, await refreshExecutionArn(h, refreshId));
}

export interface DownloadAttempts {
  /** Download Task attempts (TaskScheduled events) of the connection: 1 + retries. */
  attempts: number;
  /** Its failed attempts (TaskFailed / LambdaFunctionFailed / TaskTimedOut), error name and message. */
  failures: Array<{ error: string; message: string }>;
}

/**
 * Download attempts per connection from a refresh's history. A scheduled attempt is the Download's
 * by its payload (a connectionId, no rawKey); a failure belongs to the connection its message
 * names (the Download handler leads error messages with the connection id).
 */
export function downloadAttempts(events: HistoryEvent[]): Record<string, DownloadAttempts> {
  const out: Record<string, DownloadAttempts> = {};
  const entry = (connectionId: string) => (out[connectionId] ??= { attempts: 0, failures: [] });
  for (const e of events) {
    if (e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled') {
      const raw = e.taskScheduledEventDetails?.parameters ?? e.lambdaFunctionScheduledEventDetails?.input ?? 'null';
      const payload = (JSON.parse(raw) as { Payload?: Record<string, unknown> } | null)?.Payload ?? JSON.parse(raw);
      if (payload && typeof payload.connectionId === 'string' && payload.rawKey === undefined && payload.downloads === undefined) entry(payload.connectionId).attempts++;
    }
    const failed = e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails ?? e.taskTimedOutEventDetails;
    if (failed) {
      let message = '';
      try {
        message = String(JSON.parse(failed.cause ?? '{}').errorMessage ?? '');
      } catch {
        message = failed.cause ?? '';
      }
      const connectionId = /^([^:\s]+): /.exec(message)?.[1];
      if (connectionId) entry(connectionId).failures.push({ error: failed.error ?? '', message });
    }
  }
  return out;
}

/** The first attempt of a Task state in an execution history: how it ended and how long it took. */
/** OFX requests of one complete download of a customer at an institution (the bank's default data): the account list, then one per account. */
export function requestsPerDownload(institutionId: string, customerId: string): number {
  return 1 + accountsAt(DEFAULT_SEED, INSTITUTIONS.find((i) => i.id === institutionId)!, customerId).length;
}

export function firstTaskAttempt(history: HistoryEvent[], stateName: string): { end: string; error?: string; ms: number } {
  const entered = history.find((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === stateName);
  const scheduled = history.find((e) => e.type === 'TaskScheduled' && e.id! > entered!.id!)!;
  const ended = history.find((e) => e.id! > scheduled.id! && ['TaskSucceeded', 'TaskFailed', 'TaskTimedOut'].includes(e.type!))!;
  return {
    end: ended.type!,
    error: ended.taskTimedOutEventDetails?.error ?? ended.taskFailedEventDetails?.error,
    ms: ended.timestamp!.getTime() - scheduled.timestamp!.getTime(),
  };
}

/** The execution of a refresh (named after its refreshId). */
export async function refreshExecutionArn(h: Harness, refreshId: string): Promise<string> {
  const execution = (await listAllExecutions(h.sfn, h.flow.stateMachines.refresh)).find((e) => e.name === refreshId);
  if (!execution) throw new Error(`no refresh execution named ${refreshId}`);
  return execution.executionArn!;
}
