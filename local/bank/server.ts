/**
 * The sandbox bank: an OFX Direct Connect server on 127.0.0.1 with deterministic data, scenario
 * logins (scenarios.ts), bank-wide seeded chaos (chaos.ts) and a JSON side door for tests
 * (/sandbox/...): the truth a correct aggregator must end up with, the simulated clock, counters.
 *
 *   POST /ofx/{institutionId}                 OFX request -> OFX response (application/x-ofx)
 *   GET  /healthz
 *   GET  /sandbox/institutions                [{ id, name, org, fid, url }]
 *   GET  /sandbox/scenarios                   the scenario table
 *   GET  /sandbox/users/{customerId}/truth    ?date=YYYY-MM-DD (default: the simulated date)
 *   GET|POST /sandbox/clock                   { "date": "YYYY-MM-DD" }
 *   GET  /sandbox/stats    POST /sandbox/stats/reset
 *   POST /sandbox/institutions/{id}/down      { "down": true }
 *   POST /sandbox/chaos                       ChaosConfig, or null to turn chaos off
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { agg, detectDialect, type OfxDialect, type OfxElement } from '../../lambdas/shared/ofx-client/tree';
import { find, findAll, readOfx, textAt, type OfxNode } from '../../lambdas/shared/statements/ofx/tree';
import { fromMinorUnits, parseAmount } from '../../lambdas/shared/money';
import { formatDay, parseDay, parseOfxDateTime } from './dates';
import { INSTITUTIONS, findInstitution, type Institution } from './institutions';
import { accountBook, accountsAt, allAccounts, type AccountBook, type SandboxAccount } from './ledger';
import { GOOD_PASSWORD, MFA_ANSWER, MFA_PHRASE_ID, SCENARIOS, parseLogin, type Login } from './scenarios';
import { FAULTS, faultFor, validateChaos, type ChaosConfig, type Fault } from './chaos';
import { readBody } from '../http-body';
import { unit } from './prng';
import * as rs from './ofx-response';

export type { ChaosConfig } from './chaos';

export interface SandboxBankOptions {
  port?: number;
  /** Seed of all generated data (default "ledgerflow"). */
  seed?: string;
  /** Simulated today, YYYY-MM-DD (default 2026-12-01). */
  date?: string;
  /** First day of every account's history (default 2026-10-01). */
  historyStart?: string;
  chaos?: ChaosConfig;
  /** Delay of the `slow` scenario (default 15 000 ms, at most 60 000). */
  slowMs?: number;
  /** Retry-After of the `ratelimited` scenario, in seconds (default 2). */
  retryAfterSeconds?: number;
}

export interface SandboxStats {
  requests: number;
  byInstitution: Record<string, number>;
  /** Calls per USERID (the login; never the password). */
  byUser: Record<string, number>;
  injected: Record<Fault, number>;
  scenarios: { institutionDown: number; down: number; ratelimited: number; slow: number; flaky: number; malformed: number; signonRefused: number };
}

export interface TruthTransaction {
  id: string;
  amount: string;
  postedAt: string;
  status: 'posted' | 'pending';
}

export interface TruthAccount {
  institutionId: string;
  mask: string;
  type: SandboxAccount['type'];
  currency: string;
  balances: { current: string; available: string };
  transactions: TruthTransaction[];
}

export interface Truth {
  date: string;
  accounts: TruthAccount[];
}

export interface InstitutionInfo {
  id: string;
  name: string;
  org: string;
  fid: string;
  url: string;
}

export interface SandboxBank {
  url: string;
  port: number;
  close(): Promise<void>;
  setDate(date: string): void;
  getDate(): string;
  setInstitutionDown(institutionId: string, down: boolean): void;
  setChaos(chaos: ChaosConfig | undefined): void;
  stats(): SandboxStats;
  resetStats(): void;
  truth(customerId: string, date?: string): Truth;
  institutions(): InstitutionInfo[];
}

const MAX_BODY = 1_000_000;
const MAX_DELAY_MS = 60_000;

function emptyStats(): SandboxStats {
  return {
    requests: 0,
    byInstitution: {},
    byUser: {},
    injected: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
    scenarios: { institutionDown: 0, down: 0, ratelimited: 0, slow: 0, flaky: 0, malformed: 0, signonRefused: 0 },
  };
}

/** The truth for a customer: what a correct aggregator holds after downloading as of `day`. */
export function computeTruth(seed: string, historyStartDay: number, customerId: string, day: number): Truth {
  const accounts = allAccounts(seed, customerId).map((account): TruthAccount => {
    const book = accountBook(seed, customerId, account, historyStartDay, day);
    const card = account.type === 'credit_card';
    const cents = (c: number) => parseAmount(fromMinorUnits(BigInt(c)));
    return {
      institutionId: account.institution.id,
      mask: account.id.slice(-4),
      type: account.type,
      currency: account.currency,
      balances: card
        ? { current: cents(-book.ledgerCents), available: cents(book.availableCents) }
        : { current: cents(book.ledgerCents), available: cents(book.availableCents) },
      transactions: [
        ...book.posted.map((t) => ({ id: t.fitId, amount: cents(t.amountCents), postedAt: new Date(t.postedMs).toISOString(), status: 'posted' as const })),
        ...book.pending.map((p) => ({ id: p.fitId, amount: cents(p.amountCents), postedAt: new Date(p.tranMs).toISOString(), status: 'pending' as const })),
      ],
    };
  });
  return { date: new Date(day * 86_400_000).toISOString().slice(0, 10), accounts };
}

/** The data seed when none is given: the local stack's and the tests' bank. */
export const DEFAULT_SEED = 'ledgerflow';

export async function startSandboxBank(options: SandboxBankOptions = {}): Promise<SandboxBank> {
  const seed = options.seed ?? DEFAULT_SEED;
  const historyStartDay = parseDay(options.historyStart ?? '2026-10-01');
  let today = parseDay(options.date ?? '2026-12-01');
  const slowMs = Math.min(Math.max(options.slowMs ?? 15_000, 0), MAX_DELAY_MS);
  const retryAfterSeconds = options.retryAfterSeconds ?? 2;
  let chaos = options.chaos ? validateChaos(options.chaos) : undefined;
  let chaosCalls = 0;
  const down = new Set<string>();
  const callsPerLogin = new Map<string, number>();
  let stats = emptyStats();
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  let baseUrl = '';

  const institutions = (): InstitutionInfo[] =>
    INSTITUTIONS.map((i) => ({ id: i.id, name: i.name, org: i.org, fid: i.fid, url: `${baseUrl}/ofx/${i.id}` }));

  const setDate = (date: string) => {
    today = parseDay(date);
  };

  const setChaos = (c: ChaosConfig | undefined) => {
    chaos = c ? validateChaos(c) : undefined;
    chaosCalls = 0;
  };

  /** Waits, but gives up when the bank closes or the client hangs up. */
  const delay = (ms: number, res: http.ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const done = (completed: boolean) => {
        clearTimeout(timer);
        closing.signal.removeEventListener('abort', onAbort);
        res.off('close', onAbort);
        resolve(completed);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), Math.min(ms, MAX_DELAY_MS));
      closing.signal.addEventListener('abort', onAbort);
      res.on('close', onAbort);
    });

  const sendOfx = (res: http.ServerResponse, body: string, truncate = false) => {
    const bytes = Buffer.from(body, 'utf8');
    res.writeHead(200, { 'content-type': 'application/x-ofx', 'content-length': bytes.length });
    if (!truncate) return void res.end(bytes);
    // Announce everything, deliver part, then cut the connection: what a dropped link looks like.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
  };

  const sendStatus = (res: http.ServerResponse, code: number, headers: Record<string, string> = {}, text = http.STATUS_CODES[code] ?? '') => {
    res.writeHead(code, { 'content-type': 'text/plain', ...headers });
    res.end(text);
  };

  const sendJson = (res: http.ServerResponse, code: number, value: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  async function handleOfx(req: http.IncomingMessage, res: http.ServerResponse, inst: Institution): Promise<void> {
    stats.requests++;
    stats.byInstitution[inst.id] = (stats.byInstitution[inst.id] ?? 0) + 1;
    const body = await readText(req, MAX_BODY);
    if (body === null) return sendStatus(res, 413);
    let tree: OfxNode;
    try {
      tree = readOfx(body);
    } catch {
      stats.byUser['(unreadable)'] = (stats.byUser['(unreadable)'] ?? 0) + 1;
      return sendStatus(res, 400, {}, 'not an OFX request');
    }
    const dialect = detectDialect(body);
    const sonrq = find(tree, 'SIGNONMSGSRQV1', 'SONRQ');
    const userId = textAt(sonrq, 'USERID') ?? '';
    stats.byUser[userId || '(none)'] = (stats.byUser[userId || '(none)'] ?? 0) + 1;

    let truncate = false;
    if (chaos) {
      const k = chaosCalls++;
      const fault = faultFor(chaos, k);
      if (fault) stats.injected[fault]++;
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'error5xx') return sendStatus(res, [500, 502, 503][Math.floor(unit(chaos.seed, 'status', k) * 3)]);
      if (fault === 'stall' && !(await delay(chaos.stallMs ?? 5_000, res))) return;
      truncate = fault === 'truncate';
    }

    if (down.has(inst.id)) {
      stats.scenarios.institutionDown++;
      return sendStatus(res, 503, { 'retry-after': '60' });
    }
    const login = parseLogin(userId);
    if (login) {
      const key = `${inst.id}|${userId}`;
      const call = (callsPerLogin.get(key) ?? 0) + 1;
      callsPerLogin.set(key, call);
      if (login.scenario === 'down') {
        stats.scenarios.down++;
        return sendStatus(res, 503, { 'retry-after': '60' });
      }
      if (login.scenario === 'ratelimited' && call % 2 === 1) {
        stats.scenarios.ratelimited++;
        return sendStatus(res, 429, { 'retry-after': String(retryAfterSeconds) });
      }
      if (login.scenario === 'slow') {
        stats.scenarios.slow++;
        if (!(await delay(slowMs, res))) return;
      }
      if (login.scenario === 'flaky' && unit(seed, 'flaky', inst.id, userId, call) < (login.failPercent ?? 0) / 100) {
        stats.scenarios.flaky++;
        return sendStatus(res, 500);
      }
    }
    if (!sonrq) return sendStatus(res, 400, {}, 'no SIGNONMSGSRQV1/SONRQ');

    const refusal = signonRefusal(sonrq, login, inst);
    if (refusal) {
      stats.scenarios.signonRefused++;
      const parts = [rs.signonResponse(inst, today, refusal)];
      const mfaRq = find(tree, 'SIGNUPMSGSRQV1', 'MFACHALLENGETRNRQ');
      if (refusal.code === 3000 && mfaRq) parts.push(agg('SIGNUPMSGSRSV1', rs.mfaChallengeResponse(trnUid(mfaRq), MFA_PHRASE_ID)));
      return sendOfx(res, rs.document(parts, dialect), truncate);
    }

    const customerId = login!.customerId;
    const accounts = accountsAt(seed, inst, customerId);
    const malformedAccount = login!.scenario === 'malformed' ? accounts[accounts.length - 1] : undefined;
    let garble = false;
    const bookOf = (acctId: string | undefined, card: boolean): AccountBook | rs.OfxStatus => {
      const account = accounts.find((a) => a.id === acctId && (a.type === 'credit_card') === card);
      if (!account) return { code: 2003, severity: 'ERROR', message: 'Account not found' };
      if (account === malformedAccount) garble = true;
      return accountBook(seed, customerId, account, historyStartDay, today);
    };

    const parts: OfxElement[] = [rs.signonResponse(inst, today, rs.OK)];
    const signup = find(tree, 'SIGNUPMSGSRQV1');
    if (signup) {
      const out: OfxElement[] = [];
      for (const rq of findAll(signup, 'ACCTINFOTRNRQ')) out.push(rs.accountInfoResponse(trnUid(rq), inst, today, accounts));
      for (const rq of findAll(signup, 'MFACHALLENGETRNRQ')) out.push(rs.mfaChallengeResponse(trnUid(rq), MFA_PHRASE_ID));
      parts.push(agg('SIGNUPMSGSRSV1', ...out));
    }
    const bank = find(tree, 'BANKMSGSRQV1');
    if (bank) {
      const out = findAll(bank, 'STMTTRNRQ').map((rq) => {
        const window = statementWindow(find(rq, 'STMTRQ'), dialect);
        return rs.statementResponse(trnUid(rq), window ? bookOf(textAt(rq, 'BANKACCTFROM', 'ACCTID'), false) : bad, dialect, window ?? noWindow, false);
      });
      parts.push(agg('BANKMSGSRSV1', ...out));
    }
    const cc = find(tree, 'CREDITCARDMSGSRQV1');
    if (cc) {
      const out: OfxElement[] = [];
      for (const rq of findAll(cc, 'CCSTMTTRNRQ')) {
        const window = statementWindow(find(rq, 'CCSTMTRQ'), dialect);
        out.push(rs.statementResponse(trnUid(rq), window ? bookOf(textAt(rq, 'CCACCTFROM', 'ACCTID'), true) : bad, dialect, window ?? noWindow, true));
      }
      for (const rq of findAll(cc, 'CCSTMTENDTRNRQ')) {
        const end = find(rq, 'CCSTMTENDRQ');
        const startMs = optionalDate(textAt(end, 'DTSTART'));
        const endMs = optionalDate(textAt(end, 'DTEND'));
        const ok = dialect === 'xml' && startMs !== null && endMs !== null;
        const unsupported: rs.OfxStatus = { code: 2000, severity: 'ERROR', message: dialect === 'xml' ? 'Invalid date' : 'Closing statements need OFX 2.x' };
        out.push(rs.closingResponse(trnUid(rq), ok ? bookOf(textAt(rq, 'CCACCTFROM', 'ACCTID'), true) : unsupported, { startMs: startMs ?? undefined, endMs: endMs ?? undefined }));
      }
      parts.push(agg('CREDITCARDMSGSRSV1', ...out));
    }

    let doc = rs.document(parts, dialect);
    if (garble) {
      stats.scenarios.malformed++;
      doc = garbleStatement(doc);
    }
    sendOfx(res, doc, truncate);
  }

  function signonRefusal(sonrq: OfxNode, login: Login | null, inst: Institution): rs.OfxStatus | null {
    if (!login || textAt(sonrq, 'USERPASS') !== GOOD_PASSWORD) return { code: 15500, severity: 'ERROR', message: 'Signon invalid' };
    const org = textAt(sonrq, 'FI', 'ORG');
    const fid = textAt(sonrq, 'FI', 'FID');
    if ((org && org !== inst.org) || (fid && fid !== inst.fid)) return { code: 2000, severity: 'ERROR', message: 'Unknown FI' };
    if (login.scenario === 'locked') return { code: 15502, severity: 'ERROR', message: 'Account locked; contact your bank' };
    if (login.scenario === 'mfa') {
      const answers = findAll(sonrq, 'MFACHALLENGEANSWER');
      if (answers.length === 0) return { code: 3000, severity: 'ERROR', message: 'MFA challenge authentication is required' };
      const ok = answers.some((a) => textAt(a, 'MFAPHRASEID') === MFA_PHRASE_ID && textAt(a, 'MFAPHRASEA') === MFA_ANSWER);
      if (!ok) return { code: 3001, severity: 'ERROR', message: 'MFA challenge answer is incorrect' };
    }
    return null;
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) sendStatus(res, 500);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if ((m = /^\/ofx\/([^/]+)$/.exec(path))) {
      const inst = findInstitution(decodeURIComponent(m[1]));
      if (!inst) return sendStatus(res, 404);
      if (method !== 'POST') return sendStatus(res, 405, { allow: 'POST' });
      return handleOfx(req, res, inst);
    }
    if (path === '/healthz') return sendJson(res, 200, { ok: true, date: formatDay(today) });
    if (path === '/sandbox/institutions' && method === 'GET') return sendJson(res, 200, institutions());
    if (path === '/sandbox/scenarios' && method === 'GET') return sendJson(res, 200, SCENARIOS);
    if (path === '/sandbox/stats' && method === 'GET') return sendJson(res, 200, stats);
    if (path === '/sandbox/stats/reset' && method === 'POST') {
      stats = emptyStats();
      return sendJson(res, 200, stats);
    }
    if (path === '/sandbox/clock') {
      if (method === 'POST') {
        try {
          setDate(String(JSON.parse((await readText(req, 10_000)) || '{}').date));
        } catch (e) {
          return sendJson(res, 400, { error: (e as Error).message });
        }
      }
      return sendJson(res, 200, { date: formatDay(today) });
    }
    if (path === '/sandbox/chaos' && method === 'POST') {
      try {
        setChaos(JSON.parse((await readText(req, 10_000)) || 'null') ?? undefined);
      } catch (e) {
        return sendJson(res, 400, { error: (e as Error).message });
      }
      return sendJson(res, 200, { chaos: chaos ?? null });
    }
    if ((m = /^\/sandbox\/institutions\/([^/]+)\/down$/.exec(path)) && method === 'POST') {
      const id = decodeURIComponent(m[1]);
      if (!findInstitution(id)) return sendStatus(res, 404);
      let body: { down?: unknown };
      try {
        body = JSON.parse((await readText(req, 10_000)) || '{}');
      } catch {
        return sendJson(res, 400, { error: 'body must be JSON' });
      }
      setInstitutionDown(id, body.down !== false);
      return sendJson(res, 200, { id, down: down.has(id) });
    }
    if ((m = /^\/sandbox\/users\/([^/]+)\/truth$/.exec(path)) && method === 'GET') {
      try {
        return sendJson(res, 200, truth(decodeURIComponent(m[1]), url.searchParams.get('date') ?? undefined));
      } catch (e) {
        return sendJson(res, 400, { error: (e as Error).message });
      }
    }
    sendStatus(res, 404);
  }

  const setInstitutionDown = (id: string, isDown: boolean) => {
    if (!findInstitution(id)) throw new Error(`unknown institution ${id}`);
    if (isDown) down.add(id);
    else down.delete(id);
  };

  const truth = (customerId: string, date?: string) => computeTruth(seed, historyStartDay, customerId, date ? parseDay(date) : today);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    setDate,
    getDate: () => formatDay(today),
    setInstitutionDown,
    setChaos,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    truth,
    institutions,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

// ---- request helpers ----

const noWindow: rs.StatementWindow = { includePending: true };
const bad: rs.OfxStatus = { code: 2000, severity: 'ERROR', message: 'Invalid date in request' };

function trnUid(rq: OfxNode): string {
  return textAt(rq, 'TRNUID') || '0';
}

/** undefined when absent, null when unreadable. */
function optionalDate(text: string | undefined): number | undefined | null {
  if (!text) return undefined; // absent or empty
  return parseOfxDateTime(text);
}

/** The INCTRAN window of a STMTRQ/CCSTMTRQ; null when a date is unreadable. */
function statementWindow(stmtRq: OfxNode | undefined, dialect: OfxDialect): rs.StatementWindow | null {
  const inc = find(stmtRq, 'INCTRAN');
  const startMs = optionalDate(textAt(inc, 'DTSTART'));
  const endMs = optionalDate(textAt(inc, 'DTEND'));
  if (startMs === null || endMs === null) return null;
  return { startMs, endMs, includePending: dialect === 'xml' && textAt(stmtRq, 'INCLUDEPENDING') !== 'N' };
}


async function readText(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return (await readBody(req, limit))?.toString('utf8') ?? null;
}

/**
 * The `malformed` scenario: the first amount is garbled and the document stops right after it,
 * the way a statement looks when a bank's export job dies half way.
 */
function garbleStatement(doc: string): string {
  const at = doc.search(/<(TRNAMT|BALAMT)>/);
  if (at < 0) return doc.slice(0, Math.floor(doc.length / 2));
  const valueStart = doc.indexOf('>', at) + 1;
  const valueEnd = doc.indexOf('<', valueStart);
  return doc.slice(0, valueStart) + '1O4.2X' + doc.slice(valueEnd, doc.indexOf('\n', valueEnd) + 1) + '    <DTPOS';
}
