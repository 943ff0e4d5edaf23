/**
 * The chaos soak engine (bench/soak.ts runs it long, test/e2e/soak.test.ts short): LedgerFlow on
 * local services, users of several sandbox scenarios, the bank's seeded chaos on, many refreshes
 * through the HTTP API over several simulated days plus daily batches, then chaos off, one clean
 * refresh per user and a reconciliation of every user against the bank's truth.
 *
 * The institutions are seeded behind a small pass-through proxy (real HTTP, 127.0.0.1) that reads
 * each institution's circuit when a bank call arrives, so "calls made while the circuit was open"
 * is measured per call, not guessed from timings.
 */
import * as fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCircuit } from '../lambdas/shared/circuit';
import { stableId } from '../lambdas/shared/hash';
import * as store from '../lambdas/shared/store';
import type { ChaosRates, SandboxStats, Truth } from './bank';
import { startLedgerFlow, type LedgerFlow } from './ledgerflow';
import { seedUser } from './seed';
import { apiClient, bankTruth, type ApiClient } from './api-client';
import { executionHistory, listAllExecutions, waitForExecution } from './executions';
import { addReconciliation, emptyReconciliation, reconcileUser, type Reconciliation } from './reconcile';

// ---- options and report ---------------------------------------------------------------------

export type SoakScenario = 'good' | 'flaky' | 'ratelimited' | 'malformed' | 'locked' | 'mfa' | 'down';

export interface SoakOptions {
  /** Refreshes started through the API while chaos is on (daily batches come on top). */
  refreshes: number;
  /** Simulated days; the bank's clock moves forward one day at a time. */
  days: number;
  /** Days (0-based) that end with a daily batch (flow.runDaily()). Default: the last day. */
  dailyOn?: number[];
  /** API refreshes in flight at once. */
  concurrency: number;
  /** Chaos seed (the bank's data seed stays the default). */
  seed: string;
  rates: Required<ChaosRates>;
  /** Stall length; longer than the Lambdas' bank response timeout, so a stall is a timeout. */
  stallMs: number;
  /** How many users of each scenario. */
  users: Partial<Record<SoakScenario, number>>;
  /** Failure percentage of the flaky users (user_flaky<N>). */
  flakyPercent?: number;
  /** First simulated day, YYYY-MM-DD. */
  startDate?: string;
  /** Lambda environment: short circuit cooldowns and bank timeouts (defaults below). */
  lambdaEnv?: Record<string, string>;
  /** A refresh still RUNNING this long after it started is stuck. */
  stuckAfterMs?: number;
  synth?: boolean;
  cdkOut?: string;
  dataDir?: string;
  log?: (line: string) => void;
  /** Lines of the local stack (default: dropped). */
  stackLog?: (line: string) => void;
  /** Called after the reconciliation, before the stack stops (tests cross-check the store here). */
  inspect?: (flow: LedgerFlow, users: ReadonlyArray<{ userId: string; scenario: SoakScenario }>) => Promise<void>;
}

export const DEFAULT_LAMBDA_ENV: Record<string, string> = {
  BANK_CONNECT_TIMEOUT_MS: '1000',
  BANK_RESPONSE_TIMEOUT_MS: '2000',
  CIRCUIT_FAILURE_THRESHOLD: '5',
  CIRCUIT_WINDOW_SECONDS: '10',
  CIRCUIT_COOLDOWN_SECONDS: '2',
  CIRCUIT_PROBE_SECONDS: '5',
  CIRCUIT_PROBE_WAIT_SECONDS: '5',
};

export type Outcome = 'SUCCEEDED' | 'PARTIAL' | 'LOGIN_REQUIRED' | 'LOCKED' | 'MFA_REQUIRED' | 'DEFERRED' | 'FAILED';

/** What a refresh of each scenario may end as while the bank misbehaves (never RUNNING). */
export const CHAOS_OUTCOMES: Record<SoakScenario, Outcome[]> = {
  good: ['SUCCEEDED', 'PARTIAL', 'FAILED', 'DEFERRED'],
  flaky: ['SUCCEEDED', 'PARTIAL', 'FAILED', 'DEFERRED'],
  ratelimited: ['SUCCEEDED', 'PARTIAL', 'FAILED', 'DEFERRED'],
  // One statement per institution is always garbled: never a full success.
  malformed: ['PARTIAL', 'FAILED', 'DEFERRED'],
  locked: ['LOCKED', 'FAILED', 'DEFERRED'],
  mfa: ['MFA_REQUIRED', 'FAILED', 'DEFERRED'],
  down: ['FAILED', 'DEFERRED'],
};

/** What the refresh after chaos must end as (circuits closed, bank answering). */
export const CLEAN_OUTCOMES: Record<SoakScenario, Outcome[]> = {
  good: ['SUCCEEDED'],
  flaky: ['SUCCEEDED'],
  ratelimited: ['SUCCEEDED'],
  malformed: ['PARTIAL'],
  locked: ['LOCKED'],
  mfa: ['MFA_REQUIRED'],
  down: ['FAILED', 'DEFERRED'],
};

/** Scenarios that fail on their own even without chaos: their clean refresh may take a few tries. */
const SELF_FAILING: ReadonlySet<SoakScenario> = new Set(['flaky', 'ratelimited']);
const MAX_CLEAN_TRIES = 4;

export interface RefreshRecord {
  userId: string;
  scenario: SoakScenario;
  refreshId: string;
  trigger: 'api' | 'daily' | 'clean';
  day: number;
  /** Terminal status, or RUNNING when it never left it (stuck). */
  status: string;
  ms: number;
}

export interface SoakReport {
  options: { refreshes: number; days: number; concurrency: number; seed: string; rates: Required<ChaosRates>; stallMs: number; users: number };
  durationMs: number;
  chaos: { bankCalls: number; faulted: number; faultedPercent: number; injected: SandboxStats['injected'] };
  refreshes: { total: number; api: number; daily: number; byOutcome: Record<string, number>; byScenario: Record<string, Record<string, number>> };
  dailyRuns: Array<{ executionArn: string; status: string; refreshes: number }>;
  retries: {
    /** Download attempts beyond the first, per connection of each refresh execution. */
    download: number;
    processStatement: number;
    postProcess: number;
    /** TaskFailed + TaskTimedOut events in those histories. */
    taskFailures: number;
    executions: number;
    /** Refresh executions Step Functions still reports RUNNING. */
    executionsRunning: number;
  };
  circuit: {
    openings: Record<string, number>;
    /** OFX calls that reached the bank while the institution's circuit item said OPEN. */
    callsWhileOpen: number;
    /** ...of which belonged to a download attempt that began before the circuit opened. */
    inFlightWhenOpened: number;
    /** ...of which belonged to an attempt that began after the circuit had opened: breaker bypassed. */
    admittedWhileOpen: number;
    /** Those, by the scenario part of the login (user_<scenario>): who got past the breaker. */
    admittedWhileOpenBy: Record<string, number>;
    /** Half-open periods in which more than one login reached the bank. */
    extraProbes: number;
  };
  terminal: { stuck: number; unexpected: Array<{ userId: string; scenario: string; trigger: string; status: string }> };
  clean: { refreshes: number; byOutcome: Record<string, number>; usersNeedingRetries: number; unexpected: Array<{ userId: string; scenario: string; status: string }> };
  /** Duplicates by (account, externalId) seen in the table at the end of any chaos day. */
  duplicatesDuringChaos: number;
  reconciliation: Reconciliation & { users: number };
  problems: string[];
}

// ---- the run ----------------------------------------------------------------------------------

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const count = (into: Record<string, number>, key: string, by = 1) => (into[key] = (into[key] ?? 0) + by);

interface SoakUser {
  userId: string;
  scenario: SoakScenario;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ledgerflow-soak-'));
  const stuckAfterMs = options.stuckAfterMs ?? 300_000;
  const startDate = options.startDate ?? '2026-12-01';
  const flow = await startLedgerFlow({
    synth: options.synth ?? false,
    cdkOut: options.cdkOut,
    dataDir,
    demoUsers: 0,
    startSchedules: false,
    bank: { date: startDate },
    lambdaEnv: { ...DEFAULT_LAMBDA_ENV, ...options.lambdaEnv },
    log: options.stackLog ?? (() => undefined),
  });
  const lambdaEnv = { ...DEFAULT_LAMBDA_ENV, ...options.lambdaEnv };
  const proxy = await startCircuitProbe(flow.bank.url, flow.institutionIds, Number(lambdaEnv.CIRCUIT_PROBE_SECONDS) * 1000);
  const sfn = new SFNClient({ endpoint: flow.endpoints.stepfunctions, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    // The Lambdas reach the bank through the proxy; the bank itself (and its truth) is unchanged.
    for (const i of flow.bank.institutions()) await store.putInstitution({ institutionId: i.id, name: i.name, org: i.org, fid: i.fid, url: `${proxy.url}/ofx/${i.id}` });
    const users = await seedUsers(flow, options);
    log(`[soak] stack up in ${((Date.now() - started) / 1000).toFixed(1)} s; ${users.length} users; data in ${dataDir}`);
    // The API runs on the same two cores as everything else: a slow answer is retried, not fatal.
    const api = apiClient(flow.endpoints.api, { timeoutMs: 20_000, attempts: 3 });
    const records: RefreshRecord[] = [];
    const dailyRuns: SoakReport['dailyRuns'] = [];
    let duplicatesDuringChaos = 0;

    // Chaos phase ---------------------------------------------------------------------------
    flow.bank.setChaos({ seed: options.seed, rates: options.rates, stallMs: options.stallMs });
    flow.bank.resetStats();
    proxy.reset();
    const dailyOn = new Set(options.dailyOn ?? [options.days - 1]);
    let issued = 0;
    for (let day = 0; day < options.days; day++) {
      const date = addDays(startDate, day);
      flow.bank.setDate(date);
      const today = Math.round((options.refreshes * (day + 1)) / options.days) - issued;
      issued += today;
      const dayStarted = Date.now();
      const done = await runApiRefreshes(api, users, today, options.concurrency, day, stuckAfterMs, 'api');
      records.push(...done);
      let line = `[soak] day ${day + 1}/${options.days} (${date}): ${today} API refreshes in ${((Date.now() - dayStarted) / 1000).toFixed(1)} s ${summarize(done)}`;
      if (dailyOn.has(day)) {
        const run = await runDailyBatch(flow, sfn, api, users, day, stuckAfterMs);
        records.push(...run.records);
        dailyRuns.push({ executionArn: run.executionArn, status: run.status, refreshes: run.records.length });
        line += `; daily batch ${run.status} with ${run.records.length} refreshes ${summarize(run.records)}`;
      }
      const dups = await countStoredDuplicates(users);
      duplicatesDuringChaos += dups;
      log(line + (dups ? `; ${dups} DUPLICATES in the table` : ''));
    }
    const chaosStats = flow.bank.stats();
    const probe = proxy.figures();
    // Openings while chaos was on (the clean pass's down users open the circuits again later).
    const institutions = (await api.call('GET', '/institutions')).body.institutions as Array<{ id: string; circuit: { openings: number } }>;
    flow.bank.setChaos(undefined);

    // Clean phase: circuits closed first, then one refresh per user ----------------------------
    const cleanStarted = Date.now();
    await waitForClosedCircuits(flow, users, api, options, stuckAfterMs);
    const clean = await cleanPass(api, users, options.days - 1, stuckAfterMs, options);
    log(`[soak] clean pass: ${clean.records.length} refreshes in ${((Date.now() - cleanStarted) / 1000).toFixed(1)} s ${summarize(clean.records)}`);

    // Figures -----------------------------------------------------------------------------------
    const retries = await retriesFromHistories(sfn, flow.stateMachines.refresh, new Set(records.map((r) => r.refreshId)));
    const reconciliation = await reconcile(api, flow.endpoints.bank, users);

    const byOutcome: Record<string, number> = {};
    const byScenario: Record<string, Record<string, number>> = {};
    const unexpected: SoakReport['terminal']['unexpected'] = [];
    for (const r of records) {
      count(byOutcome, r.status);
      count((byScenario[r.scenario] ??= {}), r.status);
      if (!(CHAOS_OUTCOMES[r.scenario] as string[]).includes(r.status)) unexpected.push({ userId: r.userId, scenario: r.scenario, trigger: r.trigger, status: r.status });
    }
    const faulted = Object.values(chaosStats.injected).reduce((a, b) => a + b, 0);
    const report: SoakReport = {
      options: { refreshes: options.refreshes, days: options.days, concurrency: options.concurrency, seed: options.seed, rates: options.rates, stallMs: options.stallMs, users: users.length },
      durationMs: Date.now() - started,
      chaos: { bankCalls: chaosStats.requests, faulted, faultedPercent: chaosStats.requests ? (100 * faulted) / chaosStats.requests : 0, injected: chaosStats.injected },
      refreshes: { total: records.length, api: records.filter((r) => r.trigger === 'api').length, daily: records.filter((r) => r.trigger === 'daily').length, byOutcome, byScenario },
      dailyRuns,
      retries,
      circuit: { openings: Object.fromEntries(institutions.map((i) => [i.id, i.circuit.openings])), ...probe },
      terminal: { stuck: records.filter((r) => r.status === 'RUNNING').length + clean.records.filter((r) => r.status === 'RUNNING').length, unexpected },
      clean: { refreshes: clean.records.length, byOutcome: tally(clean.records), usersNeedingRetries: clean.usersNeedingRetries, unexpected: clean.unexpected },
      duplicatesDuringChaos,
      reconciliation,
      problems: [],
    };
    report.problems = problemsOf(report);
    await options.inspect?.(flow, users);
    return report;
  } finally {
    sfn.destroy();
    await proxy.close();
    await flow.stop();
    if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every condition that makes the soak fail; empty when it passes. */
export function problemsOf(r: SoakReport): string[] {
  const p: string[] = [];
  const rec = r.reconciliation;
  if (rec.lostTransactions) p.push(`${rec.lostTransactions} transactions lost`);
  if (rec.duplicatedTransactions) p.push(`${rec.duplicatedTransactions} transactions duplicated`);
  if (r.duplicatesDuringChaos) p.push(`${r.duplicatesDuringChaos} duplicates seen in the table during chaos`);
  if (rec.extraTransactions) p.push(`${rec.extraTransactions} transactions the bank does not have`);
  if (rec.fieldMismatches) p.push(`${rec.fieldMismatches} transactions with a wrong amount, date or status`);
  if (rec.balanceMismatches) p.push(`${rec.balanceMismatches} balance mismatches`);
  if (rec.missingAccounts || rec.extraAccounts) p.push(`${rec.missingAccounts} accounts missing, ${rec.extraAccounts} unexpected`);
  if (r.terminal.stuck) p.push(`${r.terminal.stuck} refreshes stuck RUNNING`);
  if (r.retries.executionsRunning) p.push(`${r.retries.executionsRunning} refresh executions still RUNNING`);
  if (r.terminal.unexpected.length) p.push(`${r.terminal.unexpected.length} refreshes ended in a state their scenario cannot reach`);
  if (r.clean.unexpected.length) p.push(`${r.clean.unexpected.length} users did not reach their scenario's outcome after chaos`);
  if (r.circuit.admittedWhileOpen) p.push(`${r.circuit.admittedWhileOpen} bank calls from attempts admitted while the circuit was open`);
  if (r.circuit.extraProbes) p.push(`${r.circuit.extraProbes} half-open periods let more than one attempt through`);
  for (const d of r.dailyRuns) if (d.status !== 'SUCCEEDED') p.push(`daily batch ${d.executionArn} ${d.status}`);
  return p;
}

export function formatReport(r: SoakReport): string {
  const o = r.options;
  const kv = (x: Record<string, number>) => Object.entries(x).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const rec = r.reconciliation;
  const lines = [
    `LedgerFlow chaos soak: seed ${o.seed}, ${o.users} users, ${o.days} days, concurrency ${o.concurrency}, ${(r.durationMs / 1000).toFixed(0)} s`,
    `chaos rates: ${kv(o.rates)} (stall ${o.stallMs} ms)`,
    `bank calls under chaos: ${r.chaos.bankCalls}, faulted ${r.chaos.faulted} (${r.chaos.faultedPercent.toFixed(1)} %): ${kv(r.chaos.injected)}`,
    `refreshes: ${r.refreshes.total} (${r.refreshes.api} API, ${r.refreshes.daily} daily in ${r.dailyRuns.length} batch(es): ${r.dailyRuns.map((d) => d.status).join(', ') || 'none'})`,
    `refreshes by outcome: ${kv(r.refreshes.byOutcome)}`,
    ...Object.entries(r.refreshes.byScenario).map(([s, x]) => `  ${s.padEnd(12)} ${kv(x)}`),
    `retries (from ${r.retries.executions} execution histories): download ${r.retries.download}, process-statement ${r.retries.processStatement}, post-process ${r.retries.postProcess}; failed task attempts ${r.retries.taskFailures}`,
    `circuit openings: ${kv(r.circuit.openings)}`,
    `bank calls while a circuit was OPEN: ${r.circuit.callsWhileOpen} (in flight when it opened ${r.circuit.inFlightWhenOpened}, admitted while open ${r.circuit.admittedWhileOpen}${r.circuit.admittedWhileOpen ? `: ${kv(r.circuit.admittedWhileOpenBy)}` : ''}); half-open periods with more than one attempt: ${r.circuit.extraProbes}`,
    `terminal states: ${r.terminal.stuck} stuck RUNNING, ${r.retries.executionsRunning} executions RUNNING, ${r.terminal.unexpected.length} outside their scenario's outcomes`,
    `clean pass: ${r.clean.refreshes} refreshes (${kv(r.clean.byOutcome)}), ${r.clean.usersNeedingRetries} self-failing users needed more than one, ${r.clean.unexpected.length} users off their scenario's outcome`,
    `reconciliation: ${rec.users} users, ${rec.accounts} accounts, ${rec.transactions} transactions: lost ${rec.lostTransactions}, duplicated ${rec.duplicatedTransactions}, extra ${rec.extraTransactions}, field mismatches ${rec.fieldMismatches}, balance mismatches ${rec.balanceMismatches}, accounts missing ${rec.missingAccounts}, unexpected ${rec.extraAccounts}`,
    `duplicates seen during chaos: ${r.duplicatesDuringChaos}`,
    ...rec.examples.map((e) => `  e.g. ${e}`),
    ...r.terminal.unexpected.slice(0, 5).map((u) => `  unexpected: ${u.userId} (${u.scenario}, ${u.trigger}) ended ${u.status}`),
    ...r.clean.unexpected.slice(0, 5).map((u) => `  clean: ${u.userId} (${u.scenario}) ended ${u.status}`),
    r.problems.length ? `RESULT: FAIL: ${r.problems.join('; ')}` : 'RESULT: PASS',
  ];
  return lines.join('\n');
}

// ---- users --------------------------------------------------------------------------------------

async function seedUsers(flow: LedgerFlow, options: SoakOptions): Promise<SoakUser[]> {
  const users: SoakUser[] = [];
  for (const [scenario, n] of Object.entries(options.users) as Array<[SoakScenario, number]>) {
    for (let i = 1; i <= n; i++) users.push({ userId: `soak-${scenario}-${String(i).padStart(3, '0')}`, scenario });
  }
  // Interleave scenarios so concurrent refreshes mix them.
  users.sort((a, b) => (a.userId.slice(-3) + a.scenario < b.userId.slice(-3) + b.scenario ? -1 : 1));
  for (const u of users) {
    const login = u.scenario === 'flaky' ? `flaky${options.flakyPercent ?? 20}` : u.scenario;
    await seedUser(u.userId, flow.institutionIds, { scenario: login, reset: true });
  }
  return users;
}

// ---- API ----------------------------------------------------------------------------------------

/** Waits out a refresh until `stuckAfterMs` after it started; a refresh still RUNNING then is stuck. */
async function finalStatus(api: ApiClient, userId: string, refreshId: string, startedAt: number, stuckAfterMs: number): Promise<string> {
  const record = await api.waitForRefresh(userId, refreshId, { timeoutMs: Math.max(0, stuckAfterMs - (Date.now() - startedAt)), pollMs: 400 });
  return record.status;
}

async function refreshOnce(api: ApiClient, user: SoakUser, day: number, stuckAfterMs: number, trigger: RefreshRecord['trigger']): Promise<RefreshRecord> {
  const t0 = Date.now();
  const refreshId = await api.startRefresh(user.userId);
  const status = await finalStatus(api, user.userId, refreshId, t0, stuckAfterMs);
  return { userId: user.userId, scenario: user.scenario, refreshId, trigger, day, status, ms: Date.now() - t0 };
}

/** `total` refreshes, `concurrency` at a time, users taken round-robin and never twice at once. */
async function runApiRefreshes(api: ApiClient, users: SoakUser[], total: number, concurrency: number, day: number, stuckAfterMs: number, trigger: RefreshRecord['trigger']): Promise<RefreshRecord[]> {
  const out: RefreshRecord[] = [];
  const busy = new Set<string>();
  let next = day * 7; // a different first user every day
  let remaining = total;
  const worker = async () => {
    while (remaining > 0) {
      remaining--;
      let user = users[next++ % users.length];
      while (busy.has(user.userId)) user = users[next++ % users.length];
      busy.add(user.userId);
      try {
        out.push(await refreshOnce(api, user, day, stuckAfterMs, trigger));
      } finally {
        busy.delete(user.userId);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, users.length - 1, total) }, worker));
  return out;
}

// ---- daily batch --------------------------------------------------------------------------------

async function runDailyBatch(flow: LedgerFlow, sfn: SFNClient, api: ApiClient, users: SoakUser[], day: number, stuckAfterMs: number) {
  const t0 = Date.now();
  const executionArn = await flow.runDaily();
  const status = (await waitForExecution(sfn, executionArn, { timeoutMs: stuckAfterMs * 2, pollMs: 500 })).status!;
  // The manifest names each child refresh stableId('ref_', runId, userId); users it skipped have none.
  const runId = executionArn.split(':').at(-1)!;
  const records: RefreshRecord[] = [];
  for (const user of users) {
    const refreshId = stableId('ref_', runId, user.userId);
    const { status: code, body } = await api.call('GET', `/users/${user.userId}/refreshes/${refreshId}`);
    if (code === 404) continue;
    const final = body.status === 'RUNNING' ? await finalStatus(api, user.userId, refreshId, t0, stuckAfterMs) : body.status;
    records.push({ userId: user.userId, scenario: user.scenario, refreshId, trigger: 'daily', day, status: final, ms: Date.now() - t0 });
  }
  return { executionArn, status, records };
}

// ---- clean phase ------------------------------------------------------------------------------

/** After chaos the circuits may still be open: wait out the cooldown and let one good refresh probe. */
async function waitForClosedCircuits(flow: LedgerFlow, users: SoakUser[], api: ApiClient, options: SoakOptions, stuckAfterMs: number): Promise<void> {
  const cooldownMs = Number({ ...DEFAULT_LAMBDA_ENV, ...options.lambdaEnv }.CIRCUIT_COOLDOWN_SECONDS) * 1000;
  const probeMs = Number({ ...DEFAULT_LAMBDA_ENV, ...options.lambdaEnv }.CIRCUIT_PROBE_SECONDS) * 1000;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const states = await Promise.all(flow.institutionIds.map((i) => readCircuit(i)));
    if (states.every((c) => c.state === 'CLOSED')) return;
    if (Date.now() > deadline) throw new Error(`circuits still ${states.map((c) => c.state).join('/')} a minute after chaos`);
    await sleep(Math.max(cooldownMs, states.some((c) => c.state === 'HALF_OPEN') ? probeMs : 0) + 100);
    // The probe is an ordinary refresh of a user the bank answers; it is not counted in the figures.
    const prober = users.find((u) => u.scenario === 'good') ?? users[0];
    await refreshOnce(api, prober, -1, stuckAfterMs, 'clean');
  }
}

/**
 * One refresh per user, in an order that keeps the circuits closed for the next one: users the
 * bank answers first, self-failing ones (flaky, rate limited) next, the down users last.
 */
async function cleanPass(api: ApiClient, users: SoakUser[], day: number, stuckAfterMs: number, options: SoakOptions) {
  const rank = (u: SoakUser) => (u.scenario === 'down' ? 2 : SELF_FAILING.has(u.scenario) ? 1 : 0);
  const records: RefreshRecord[] = [];
  const unexpected: SoakReport['clean']['unexpected'] = [];
  let usersNeedingRetries = 0;
  const cooldownMs = Number({ ...DEFAULT_LAMBDA_ENV, ...options.lambdaEnv }.CIRCUIT_COOLDOWN_SECONDS) * 1000;
  for (const group of [0, 1, 2]) {
    const members = users.filter((u) => rank(u) === group);
    let next = 0;
    const worker = async () => {
      while (next < members.length) {
        const user = members[next++];
        const tries = SELF_FAILING.has(user.scenario) ? MAX_CLEAN_TRIES : 1;
        let last: RefreshRecord | undefined;
        for (let t = 1; t <= tries; t++) {
          last = await refreshOnce(api, user, day, stuckAfterMs, 'clean');
          records.push(last);
          if ((CLEAN_OUTCOMES[user.scenario] as string[]).includes(last.status)) break;
          if (t === 1 && tries > 1) usersNeedingRetries++;
          if (last.status === 'DEFERRED') await sleep(cooldownMs + 200);
        }
        if (!(CLEAN_OUTCOMES[user.scenario] as string[]).includes(last!.status)) unexpected.push({ userId: user.userId, scenario: user.scenario, status: last!.status });
      }
    };
    await Promise.all(Array.from({ length: Math.min(group === 0 ? options.concurrency : 2, members.length) }, worker));
  }
  return { records, unexpected, usersNeedingRetries };
}

// ---- retries from execution histories ----------------------------------------------------------

async function retriesFromHistories(sfn: SFNClient, refreshMachine: string, refreshIds: Set<string>): Promise<SoakReport['retries']> {
  const figures = { download: 0, processStatement: 0, postProcess: 0, taskFailures: 0, executions: 0, executionsRunning: 0 };
  for (const { executionArn, status } of await listAllExecutions(sfn, refreshMachine)) {
    const events = await executionHistory(sfn, executionArn!);
    const input = JSON.parse((events[0]?.executionStartedEventDetails?.input as string) ?? '{}');
    if (!refreshIds.has(input.refreshId)) continue; // clean-phase and probe refreshes are not chaos figures
    figures.executions++;
    if (status === 'RUNNING') figures.executionsRunning++;
    // Attempts per (task, item): every attempt beyond the first of the same item is a retry.
    const attempts = new Map<string, number>();
    for (const e of events) {
      if (e.type === 'TaskFailed' || e.type === 'TaskTimedOut') figures.taskFailures++;
      if (e.type !== 'TaskScheduled' || e.taskScheduledEventDetails?.resourceType !== 'lambda') continue;
      const payload = JSON.parse(e.taskScheduledEventDetails.parameters ?? '{}').Payload ?? {};
      const key = payload.downloads ? 'postProcess' : payload.rawKey ? `process:${payload.rawKey}` : `download:${payload.connectionId}`;
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of attempts) {
      const kind = key.startsWith('download:') ? 'download' : key.startsWith('process:') ? 'processStatement' : 'postProcess';
      figures[kind] += n - 1;
    }
  }
  return figures;
}

// ---- reconciliation -----------------------------------------------------------------------------

/** The accounts a user of this scenario must hold: all, all but the garbled ones, or none. */
export function expectedAccounts(truth: Truth, scenario: SoakScenario): Truth['accounts'] {
  if (scenario === 'locked' || scenario === 'mfa' || scenario === 'down') return [];
  if (scenario !== 'malformed') return truth.accounts;
  // The malformed scenario garbles the last account each institution lists.
  const lastOf = new Map<string, Truth['accounts'][number]>();
  for (const a of truth.accounts) lastOf.set(a.institutionId, a);
  return truth.accounts.filter((a) => lastOf.get(a.institutionId) !== a);
}

async function reconcile(api: ApiClient, bankUrl: string, users: SoakUser[]): Promise<SoakReport['reconciliation']> {
  const total = emptyReconciliation();
  for (const user of users) {
    const expected = expectedAccounts(await bankTruth(bankUrl, user.userId), user.scenario);
    addReconciliation(total, await reconcileUser(api, user.userId, expected));
  }
  return { users: users.length, ...total };
}

/** Duplicates by (account, externalId) straight from the table (what the API would list). */
async function countStoredDuplicates(users: SoakUser[]): Promise<number> {
  let dups = 0;
  for (const user of users) {
    for (const account of await store.listAccounts(user.userId)) {
      const seen = new Set<string>();
      for (const t of await store.listAccountTransactions(user.userId, account.accountId)) {
        const key = t.externalId ?? `id:${t.id}`;
        if (seen.has(key)) dups++;
        seen.add(key);
      }
    }
  }
  return dups;
}

function tally(records: RefreshRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) count(out, r.status);
  return out;
}

function summarize(records: RefreshRecord[]): string {
  return `(${Object.entries(tally(records)).map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

// ---- the circuit probe proxy --------------------------------------------------------------------

export interface CircuitProbe {
  url: string;
  reset(): void;
  figures(): Omit<SoakReport['circuit'], 'openings'>;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of the bank's OFX endpoints. For every call it reads the
 * institution's circuit (consistent read) as the call arrives, and answers the client only once
 * that read is back, so the read never sees what the client does with the answer. Then:
 *   - circuit OPEN: the call belongs to a download attempt (one keep-alive socket per attempt: the
 *     OFX client makes one agent per fetch) that began either before openedAt + grace (it was in
 *     flight when the circuit opened) or after (a call the breaker should have stopped). The grace
 *     (1 s) covers the time between a Lambda's admission read and its first call reaching us on
 *     two busy cores; a breaker that lets callers through shows up well beyond it;
 *   - circuit HALF_OPEN: the logins calling in one half-open period (its probeUntil) are counted;
 *     a second login in the same period got past the single probe.
 * Faults pass through unchanged: a reset resets, a truncated body stays truncated, a stall stalls
 * until the client gives up (which is passed on to the bank).
 */
export async function startCircuitProbe(bankUrl: string, institutionIds: string[], probeMs: number, graceMs = 1000): Promise<CircuitProbe> {
  const upstream = new URL(bankUrl);
  const empty = () => ({ callsWhileOpen: 0, inFlightWhenOpened: 0, admittedWhileOpen: 0, extraProbes: 0, admittedWhileOpenBy: {} as Record<string, number> });
  let figures = empty();
  let loginsPerProbe = new Map<string, Set<string>>();
  const attemptStart = new WeakMap<Socket, number>();
  const sockets = new Set<Socket>();

  const classify = async (institutionId: string, attemptAt: number, login: string) => {
    if (!institutionIds.includes(institutionId)) return;
    const c = await readCircuit(institutionId);
    if (c.state === 'OPEN') {
      figures.callsWhileOpen++;
      if (attemptAt <= (c.openedAt ?? 0) + graceMs) figures.inFlightWhenOpened++;
      else {
        figures.admittedWhileOpen++;
        // The scenario part of the login only (user_<scenario>+<customer>): never a password.
        count(figures.admittedWhileOpenBy, login.replace(/\+.*$/, ''));
      }
    } else if (c.state === 'HALF_OPEN' && attemptAt >= (c.probeUntil ?? 0) - probeMs - graceMs) {
      const period = `${institutionId}|${c.probeUntil}`;
      const logins = loginsPerProbe.get(period) ?? new Set<string>();
      logins.add(login);
      loginsPerProbe.set(period, logins);
      if (logins.size === 2) figures.extraProbes++;
    }
  };

  const server = http.createServer((req, res) => {
    const socket = req.socket;
    if (!attemptStart.has(socket)) attemptStart.set(socket, Date.now());
    const attemptAt = attemptStart.get(socket)!;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = /^\/ofx\/([^/?]+)/.exec(req.url ?? '');
      const login = /<USERID>([^<\r\n]*)/.exec(body.toString('utf8'))?.[1] ?? '';
      const checked = m ? classify(decodeURIComponent(m[1]), attemptAt, login).catch(() => undefined) : Promise.resolve();
      const headers = { ...req.headers, host: upstream.host, connection: 'close' };
      const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers });
      let answered = false;
      up.on('response', (upRes) => {
        answered = true;
        // Hop-by-hop: our upstream leg is one connection per call, the client's leg keeps alive.
        delete upRes.headers.connection;
        delete upRes.headers['keep-alive'];
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.on('end', () =>
          void checked.then(() => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(parts));
          }),
        );
        upRes.on('close', () => {
          if (upRes.complete) return;
          // The bank cut the body short: send what came, then cut ours too (same truncation).
          void checked.then(() => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.write(Buffer.concat(parts), () => socket.destroy());
          });
        });
      });
      up.on('error', () => {
        // The bank reset the connection before answering: reset the client's connection.
        if (!answered) void checked.then(() => socket.destroy());
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy(); // the client gave up (its timeout): tell the bank
      });
      up.end(body);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    reset: () => {
      figures = empty();
      loginsPerProbe = new Map();
    },
    figures: () => structuredClone(figures),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
