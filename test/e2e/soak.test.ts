/**
 * The chaos soak, short: ~50 refreshes through the API over two simulated days with a quarter of
 * the bank's calls faulted (5xx, resets, stalls, truncated bodies), a daily batch, then chaos off
 * and one clean refresh per user. Fails on any lost, duplicated or wrong transaction or balance,
 * any refresh stuck RUNNING or ending outside its scenario, and any call the breaker let through.
 */
import * as store from '../../lambdas/shared/store';
import { expectedAccounts, formatReport, problemsOf, runSoak, type SoakReport } from '../../local/soak';
import type { Truth } from '../../local/bank';

const REFRESHES = 50;
const RATES = { error5xx: 0.08, reset: 0.06, stall: 0.05, truncate: 0.06 };
const USERS = { good: 7, flaky: 1, ratelimited: 1, malformed: 1, locked: 1, mfa: 1, down: 1 };

let report: SoakReport;
let printed: string;
/** Counted straight from the table after the clean pass, independently of the soak's API reading. */
const stored = { transactions: 0, expectedTransactions: 0, accounts: 0, expectedAccounts: 0 };

beforeAll(async () => {
  report = await runSoak({
    refreshes: REFRESHES,
    days: 2,
    dailyOn: [1],
    concurrency: 8,
    seed: 'soak-test',
    rates: RATES,
    stallMs: 3000,
    users: USERS,
    flakyPercent: 20,
    inspect: async (flow, users) => {
      for (const { userId, scenario } of users) {
        const truth = (await (await fetch(`${flow.endpoints.bank}/sandbox/users/${userId}/truth`)).json()) as Truth;
        const expected = expectedAccounts(truth, scenario);
        stored.expectedAccounts += expected.length;
        stored.expectedTransactions += expected.reduce((n, a) => n + a.transactions.length, 0);
        for (const account of await store.listAccounts(userId)) {
          stored.accounts++;
          stored.transactions += (await store.listAccountTransactions(userId, account.accountId)).length;
        }
      }
    },
  });
  printed = formatReport(report);
  console.log(printed);
}, 240_000);

test('chaos really happened: over 20 % of bank calls faulted, every kind of fault injected', () => {
  expect(report.chaos.bankCalls).toBeGreaterThan(REFRESHES);
  expect(report.chaos.faultedPercent).toBeGreaterThanOrEqual(20);
  for (const fault of Object.keys(RATES)) expect(report.chaos.injected[fault as keyof typeof RATES]).toBeGreaterThan(0);
  expect(printed).toContain(`faulted ${report.chaos.faulted} (${report.chaos.faultedPercent.toFixed(1)} %)`);
});

test('every refresh reached a terminal state its scenario allows; none stuck', () => {
  expect(report.refreshes.api).toBe(REFRESHES);
  expect(report.dailyRuns).toHaveLength(1);
  expect(report.dailyRuns[0].status).toBe('SUCCEEDED');
  expect(report.refreshes.daily).toBe(report.dailyRuns[0].refreshes);
  expect(report.refreshes.daily).toBeGreaterThan(0);
  expect(report.refreshes.total).toBe(REFRESHES + report.refreshes.daily);
  expect(Object.values(report.refreshes.byOutcome).reduce((a, b) => a + b, 0)).toBe(report.refreshes.total);
  expect(report.refreshes.byOutcome.RUNNING).toBeUndefined();
  expect(report.terminal).toEqual({ stuck: 0, unexpected: [] });
  // The users who must act never get data, whatever the bank does.
  expect(Object.keys(report.refreshes.byScenario.locked ?? {}).every((s) => ['LOCKED', 'FAILED', 'DEFERRED'].includes(s))).toBe(true);
  expect(report.clean.unexpected).toEqual([]);
  expect(printed).toContain(`terminal states: 0 stuck RUNNING, 0 executions RUNNING, 0 outside`);
});

test('retries and circuit openings are counted from the workflow histories and the table', () => {
  // Every chaos refresh's execution history was read; faults force download retries.
  expect(report.retries.executions).toBe(report.refreshes.total);
  expect(report.retries.executionsRunning).toBe(0);
  expect(report.retries.download).toBeGreaterThan(0);
  expect(report.retries.taskFailures).toBeGreaterThanOrEqual(report.retries.download);
  expect(Object.keys(report.circuit.openings).sort()).toEqual(['sandbox-bank', 'sandbox-card']);
  // A breaker that is open lets no new download attempt reach the bank, and one probe at a time.
  expect(report.circuit.admittedWhileOpen).toBe(0);
  expect(report.circuit.extraProbes).toBe(0);
  expect(report.circuit.callsWhileOpen).toBe(report.circuit.inFlightWhenOpened);
  expect(printed).toContain(`download ${report.retries.download},`);
});

test('after chaos and one clean refresh, nothing is lost, duplicated or wrong', () => {
  const r = report.reconciliation;
  expect({
    lost: r.lostTransactions,
    duplicated: r.duplicatedTransactions,
    extra: r.extraTransactions,
    fields: r.fieldMismatches,
    balances: r.balanceMismatches,
    missingAccounts: r.missingAccounts,
    extraAccounts: r.extraAccounts,
    duplicatesDuringChaos: report.duplicatesDuringChaos,
  }).toEqual({ lost: 0, duplicated: 0, extra: 0, fields: 0, balances: 0, missingAccounts: 0, extraAccounts: 0, duplicatesDuringChaos: 0 });
  expect(r.users).toBe(Object.values(USERS).reduce((a, b) => a + b, 0));
  // The reconciliation covered what the bank has, and the table holds exactly that many.
  expect(r.accounts).toBe(stored.expectedAccounts);
  expect(r.transactions).toBe(stored.expectedTransactions);
  expect(stored.accounts).toBe(stored.expectedAccounts);
  expect(stored.transactions).toBe(stored.expectedTransactions);
  expect(r.transactions).toBeGreaterThan(500);
  expect(printed).toContain(`lost 0, duplicated 0, extra 0, field mismatches 0, balance mismatches 0`);
  expect(report.problems).toEqual([]);
  expect(printed).toMatch(/RESULT: PASS$/);
});

test('the soak fails on a single lost transaction, duplicate or balance mismatch', () => {
  const broken = (patch: Partial<SoakReport['reconciliation']>) => problemsOf({ ...report, reconciliation: { ...report.reconciliation, ...patch } });
  expect(broken({ lostTransactions: 1 })).toContain('1 transactions lost');
  expect(broken({ duplicatedTransactions: 1 })).toContain('1 transactions duplicated');
  expect(broken({ balanceMismatches: 1 })).toContain('1 balance mismatches');
  expect(problemsOf({ ...report, terminal: { stuck: 1, unexpected: [] } })).toContain('1 refreshes stuck RUNNING');
});
