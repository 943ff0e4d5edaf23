/** Starts LedgerFlow locally for a test file and gives it typed access to the API and the bank. */
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, type GetExecutionHistoryCommandOutput, type HistoryEvent, type ListExecutionsCommandOutput } from '@aws-sdk/client-sfn';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLedgerFlow, type LedgerFlow, type LedgerFlowOptions } from '../../local/ledgerflow';
import type { Truth } from '../../local/bank';

export interface Harness {
  flow: LedgerFlow;
  sfn: SFNClient;
  api<T = any>(method: string, pathname: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
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
  const sfn = new SFNClient({ endpoint: flow.endpoints.stepfunctions, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

  const api: Harness['api'] = async (method, pathname, body, headers = {}) => {
    const res = await fetch(flow.endpoints.api + pathname, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const waitForRefresh: Harness['waitForRefresh'] = async (userId, refreshId, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await api('GET', `/users/${userId}/refreshes/${refreshId}`);
      if (status === 200 && body.status !== 'RUNNING') return body;
      if (Date.now() > deadline) throw new Error(`refresh ${refreshId} still ${body.status ?? status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    flow,
    sfn,
    api,
    truth: async (userId) => (await (await fetch(`${flow.endpoints.bank}/sandbox/users/${userId}/truth`)).json()) as Truth,
    waitForRefresh,
    refreshAndWait: async (userId, timeoutMs) => {
      const started = await api('POST', `/users/${userId}/refresh`);
      if (started.status !== 202) throw new Error(`refresh of ${userId} answered ${started.status}: ${JSON.stringify(started.body)}`);
      return waitForRefresh(userId, started.body.refreshId, timeoutMs);
    },
    allTransactions: async (userId) => {
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: any } = await api('GET', `/users/${userId}/transactions?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
        if (page.status !== 200) throw new Error(`transactions answered ${page.status}`);
        all.push(...page.body.transactions);
        cursor = page.body.nextCursor;
      } while (cursor);
      return all;
    },
    stop: async () => {
      await flow.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Compares what the API holds for a user with the sandbox truth: accounts matched by (mask, type),
 * transactions by externalId, every amount, date, status and balance exactly.
 */
export async function expectMatchesTruth(
  h: Harness,
  userId: string,
  opts: { skipInstitutions?: string[]; /** masks of accounts that must not be held */ skipAccounts?: string[] } = {},
): Promise<{ accounts: number; transactions: number }> {
  const truth = await h.truth(userId);
  const accounts = (await h.api('GET', `/users/${userId}/accounts`)).body.accounts as any[];
  const transactions = await h.allTransactions(userId);
  const expectedAccounts = truth.accounts.filter((a) => !opts.skipInstitutions?.includes(a.institutionId) && !opts.skipAccounts?.includes(a.mask));
  expect(accounts.map((a) => `${a.type}:${a.mask}`).sort()).toEqual(expectedAccounts.map((a) => `${a.type}:${a.mask}`).sort());
  let count = 0;
  for (const t of expectedAccounts) {
    const account = accounts.find((a) => a.mask === t.mask && a.type === t.type);
    expect({ mask: t.mask, balances: { current: account.balances.current, available: account.balances.available } }).toEqual({ mask: t.mask, balances: t.balances });
    const held = transactions
      .filter((x) => x.accountId === account.id)
      .map((x) => ({ id: x.externalId, amount: x.amount, postedAt: x.postedAt, status: x.status }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const expected = [...t.transactions].map((x) => ({ id: x.id, amount: x.amount, postedAt: x.postedAt, status: x.status })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(held).toEqual(expected);
    count += expected.length;
  }
  return { accounts: expectedAccounts.length, transactions: count };
}

/** The history of a refresh's execution (its name is the refreshId). */
export async function refreshHistory(h: Harness, refreshId: string): Promise<HistoryEvent[]> {
  let executionArn: string | undefined;
  let token: string | undefined;
  do {
    const page: ListExecutionsCommandOutput = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: h.flow.stateMachines.refresh, maxResults: 1000, nextToken: token }));
    executionArn = page.executions?.find((e) => e.name === refreshId)?.executionArn;
    token = page.nextToken;
  } while (!executionArn && token);
  if (!executionArn) throw new Error(`no refresh execution named ${refreshId}`);
  const events: HistoryEvent[] = [];
  token = undefined;
  do {
    const page: GetExecutionHistoryCommandOutput = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: token }));
    events.push(...(page.events ?? []));
    token = page.nextToken;
  } while (token);
  return events;
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
