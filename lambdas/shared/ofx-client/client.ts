/**
 * OFX Direct Connect client: sign on, list the accounts (ACCTINFORQ), then download one statement
 * per account, so each account's raw OFX response can be stored and processed as one statement.
 *
 * Errors: HTTP and network failures are TransientErrors (http.ts); a refused SIGNON surfaces as
 * what parseOfx throws (NeedsUserError / InstitutionError). A statement body that does not parse
 * is still returned raw: processing quarantines it and the other accounts go through.
 */
import http from 'node:http';
import https from 'node:https';
import { InstitutionError, NeedsUserError, TransientError } from '../errors';
import type { AccountType } from '../model';
import { parseOfx } from '../statements/ofx/parse';
import { readAccountList, signonCode, type ListedAccount } from './accounts';
import { postOfx, type FetchLike, type Timeouts } from './http';
import { accountListRequest, statementRequest, type SignOn } from './request';

export interface FetchStatementsInput {
  /** The institution's OFX Direct Connect URL. */
  url: string;
  org: string;
  fid: string;
  username: string;
  password: string;
  mfaCode?: string;
  mfaPhraseId?: string;
  appId?: string;
  appVer?: string;
  /** ISO timestamp: only transactions posted since then (pending ones always come). */
  since?: string;
  /** Account ids to download, or a predicate; default all. */
  accountFilter?: string[] | ((account: DownloadedAccount) => boolean);
  timeouts: Timeouts;
  fetchImpl?: FetchLike;
  /** Statement requests in flight at once (default 1: Direct Connect servers throttle). */
  concurrency?: number;
  /** Ask card closings (CCSTMTENDRQ, OFX 2.x) with each card statement (default true). */
  includeClosings?: boolean;
  /** How an HTTP 429 with a short Retry-After is waited out and the same request resent. */
  rateLimit?: RateLimitPolicy;
  /** Aborts the download (the request in flight and the ones not yet sent) with the signal's reason. */
  signal?: AbortSignal;
}

export interface RateLimitPolicy {
  /** Longest Retry-After (seconds) waited out here; a longer one (or none) fails the download. Default 5. */
  maxWaitSeconds: number;
  /** Resends of one request (default 3). */
  maxRetriesPerRequest: number;
  /** Total seconds waited over the whole download (default 20: well inside the Lambda timeout). */
  maxTotalWaitSeconds: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { maxWaitSeconds: 5, maxRetriesPerRequest: 3, maxTotalWaitSeconds: 20 };

export interface DownloadedAccount {
  id: string;
  type: AccountType;
  /** OFX ACCTTYPE for bank accounts. */
  ofxType?: string;
  bankId?: string;
  description?: string;
}

export interface DownloadedStatement {
  account: DownloadedAccount;
  /** The raw OFX response for this one account. */
  body: string;
}

export async function fetchStatements(input: FetchStatementsInput): Promise<DownloadedStatement[]> {
  const sinceMs = input.since === undefined ? undefined : Date.parse(input.since);
  if (sinceMs !== undefined && Number.isNaN(sinceMs)) throw new TypeError(`since is not an ISO timestamp: ${input.since}`);
  const signOn: SignOn = {
    org: input.org,
    fid: input.fid,
    username: input.username,
    password: input.password,
    mfaCode: input.mfaCode,
    mfaPhraseId: input.mfaPhraseId,
    appId: input.appId,
    appVer: input.appVer,
  };
  const concurrency = Math.max(1, input.concurrency ?? 1);
  // One keep-alive connection pool per download: the statement calls reuse the sign-on's socket.
  const agent = input.fetchImpl ? undefined : new (input.url.startsWith('https:') ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: concurrency });
  const send = (body: string) => postOfx(input.url, body, { timeouts: input.timeouts, agent, fetchImpl: input.fetchImpl, signal: input.signal });
  const post = honouringRetryAfter(send, { ...DEFAULT_RATE_LIMIT, ...input.rateLimit });
  try {
    const listing = await post(accountListRequest(signOn));
    throwIfRefused(listing);
    let accounts: ListedAccount[];
    try {
      accounts = readAccountList(listing);
    } catch {
      throw new TransientError('INSTITUTION_ERROR', `unreadable account list from ${new URL(input.url).host}`);
    }
    const wanted = accounts.filter((a) => keep(publicAccount(a), input.accountFilter));

    const results: DownloadedStatement[] = new Array(wanted.length);
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        const i = next++;
        const body = await post(statementRequest(signOn, wanted[i], { sinceMs, includeClosings: input.includeClosings ?? true }));
        throwIfRefused(body);
        results[i] = { account: publicAccount(wanted[i]), body };
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, wanted.length) }, worker));
    return results;
  } finally {
    agent?.destroy();
  }
}

/**
 * A Direct Connect server that rate-limits answers 429 + Retry-After to one request: that request
 * is resent after the delay (when short, and within the download's bounds), so the calls already
 * answered are not repeated. Anything else, or a wait past the bounds, is the caller's to handle.
 */
export function honouringRetryAfter(send: (body: string) => Promise<string>, policy: RateLimitPolicy): (body: string) => Promise<string> {
  let waitedSeconds = 0;
  return async (body) => {
    for (let retries = 0; ; retries++) {
      try {
        return await send(body);
      } catch (e) {
        const after = e instanceof TransientError && e.code === 'RATE_LIMITED' ? e.retryAfterSeconds : undefined;
        const allowed =
          after !== undefined && after <= policy.maxWaitSeconds && retries < policy.maxRetriesPerRequest && waitedSeconds + after <= policy.maxTotalWaitSeconds;
        if (!allowed) throw e;
        waitedSeconds += after;
        await new Promise((resolve) => setTimeout(resolve, after * 1000));
      }
    }
  };
}

function publicAccount(a: ListedAccount): DownloadedAccount {
  return {
    id: a.id,
    type: a.type,
    ...(a.ofxType ? { ofxType: a.ofxType } : {}),
    ...(a.bankId ? { bankId: a.bankId } : {}),
    ...(a.description ? { description: a.description } : {}),
  };
}

function keep(a: DownloadedAccount, filter: FetchStatementsInput['accountFilter']): boolean {
  if (!filter) return true;
  return Array.isArray(filter) ? filter.includes(a.id) : filter(a);
}

/**
 * Rethrows what parseOfx says about a refused SIGNON or request (NeedsUserError, InstitutionError).
 * Any other parse failure is left to processing. A non-zero SIGNON code parseOfx did not type
 * (an unreadable file around it) still stops the download: nothing behind a failed sign-on is data.
 */
function throwIfRefused(body: string): void {
  try {
    parseOfx(body);
  } catch (e) {
    if (e instanceof NeedsUserError || e instanceof InstitutionError) throw e;
    const code = signonCode(body);
    if (code !== undefined && code !== 0) throw new InstitutionError(`OFX SIGNON STATUS ${code}`, code);
  }
}
