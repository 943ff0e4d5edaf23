/**
 * A client of LedgerFlow's HTTP API and the sandbox bank's truth, for the tools and tests that
 * drive a running stack (the soak, the end-to-end harness). One place for polling a refresh and
 * paging through transactions.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Truth } from './bank';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export interface ApiClientOptions {
  /** Per request (default 15 s). */
  timeoutMs?: number;
  /** Attempts per request when the connection fails (default 1: no retry). */
  attempts?: number;
}

export interface WaitOptions {
  /** Give up after this long and return the record as it stands (status RUNNING). Default 30 s. */
  timeoutMs?: number;
  pollMs?: number;
}

export interface ApiClient {
  call<T = any>(method: string, pathname: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** POST /users/{userId}/refresh; throws unless it answers 202. Returns the refreshId. */
  startRefresh(userId: string): Promise<string>;
  /** Polls the refresh until it leaves RUNNING or the wait ends; returns the last record seen. */
  waitForRefresh(userId: string, refreshId: string, wait?: WaitOptions): Promise<any>;
  accounts(userId: string): Promise<any[]>;
  /** Every transaction of the user, following nextCursor. */
  allTransactions(userId: string, pageSize?: number): Promise<any[]>;
}


export function apiClient(baseUrl: string, options: ApiClientOptions = {}): ApiClient {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const attempts = options.attempts ?? 1;

  const call: ApiClient['call'] = async (method, pathname, body, headers = {}) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(baseUrl + pathname, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { status: res.status, body: (await res.json()) as any };
      } catch (e) {
        if (attempt >= attempts) throw e;
        await sleep(500 * attempt);
      }
    }
  };

  const client: ApiClient = {
    call,
    startRefresh: async (userId) => {
      const started = await call('POST', `/users/${userId}/refresh`);
      if (started.status !== 202) throw new Error(`refresh of ${userId} answered ${started.status}: ${JSON.stringify(started.body)}`);
      return started.body.refreshId as string;
    },
    waitForRefresh: async (userId, refreshId, wait = {}) => {
      const deadline = Date.now() + (wait.timeoutMs ?? 30_000);
      for (;;) {
        const { status, body } = await call('GET', `/users/${userId}/refreshes/${refreshId}`);
        if (status === 200 && body.status !== 'RUNNING') return body;
        // 404: the API has not created the record yet (a daily refresh writes it on its first step).
        if (status !== 200 && status !== 404) throw new Error(`GET refresh ${refreshId} answered ${status}: ${JSON.stringify(body)}`);
        if (Date.now() > deadline) return status === 200 ? body : { refreshId, status: 'RUNNING' };
        await sleep(wait.pollMs ?? 200);
      }
    },
    accounts: async (userId) => {
      const res = await call('GET', `/users/${userId}/accounts`);
      if (res.status !== 200) throw new Error(`accounts of ${userId} answered ${res.status}`);
      return res.body.accounts;
    },
    allTransactions: async (userId, pageSize = 500) => {
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const page: ApiResponse = await call('GET', `/users/${userId}/transactions?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
        if (page.status !== 200) throw new Error(`transactions of ${userId} answered ${page.status}`);
        all.push(...page.body.transactions);
        cursor = page.body.nextCursor;
      } while (cursor);
      return all;
    },
  };
  return client;
}

/** GET {bank}/sandbox/users/{userId}/truth: what a correct aggregator must hold. */
export async function bankTruth(bankUrl: string, userId: string): Promise<Truth> {
  const res = await fetch(`${bankUrl}/sandbox/users/${userId}/truth`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`truth of ${userId} answered ${res.status}`);
  return (await res.json()) as Truth;
}
