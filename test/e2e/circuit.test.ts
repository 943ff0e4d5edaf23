/**
 * The circuit breaker end to end: an institution goes down, refreshes of several users open its
 * circuit, nothing more reaches the bank while it cools down (API refreshes and the daily batch
 * defer), one probe per cooldown tests it, and once it is up the circuit closes by itself and the
 * next daily batch lands the truth for everyone.
 */
import { stableId } from '../../lambdas/shared/hash';
import { waitForExecution } from '../../local/executions';
import { connectionIdFor, seedUser } from '../../local/seed';
import { downloadAttempts, expectMatchesTruth, refreshHistory, requestsPerDownload, startHarness, type Harness } from './harness';

const BANK = 'sandbox-bank';
const CARD = 'sandbox-card';
const THRESHOLD = 3;
const COOLDOWN_S = 20; // the deferral checks must fit in one cooldown: they ended 4-8 s after the opening on a loaded 2-core machine
const BOTH = ['ck-1', 'ck-2', 'ck-3'];
const CARD_ONLY = 'ck-card';
const USERS = [...BOTH, CARD_ONLY];

let h: Harness;
const t0 = Date.now();
const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

beforeAll(async () => {
  h = await startHarness({
    demoUsers: 0,
    bank: { date: '2026-12-01' },
    lambdaEnv: {
      CIRCUIT_FAILURE_THRESHOLD: String(THRESHOLD),
      CIRCUIT_COOLDOWN_SECONDS: String(COOLDOWN_S),
      CIRCUIT_WINDOW_SECONDS: '60',
      CIRCUIT_PROBE_SECONDS: '10',
      CIRCUIT_PROBE_WAIT_SECONDS: '10',
    },
  });
  for (const userId of BOTH) await seedUser(userId, h.flow.institutionIds);
  await seedUser(CARD_ONLY, [CARD]);
}, 120_000);
afterAll(async () => h?.stop());

const cardCalls = () => h.flow.bank.stats().byInstitution[CARD] ?? 0;

async function circuit(institutionId: string) {
  const { body } = await h.api('GET', '/institutions');
  const circuit = body.institutions.find((i: any) => i.id === institutionId).circuit;
  return { ...circuit, openedAtMs: circuit.openedAt ? Date.parse(circuit.openedAt) : undefined };
}

async function refreshAll(userIds: string[]): Promise<Record<string, any>> {
  const ids = await Promise.all(userIds.map(async (u) => [u, (await h.api('POST', `/users/${u}/refresh`)).body.refreshId] as const));
  const out: Record<string, any> = {};
  await Promise.all(ids.map(async ([u, id]) => (out[u] = await h.waitForRefresh(u, id, 60_000))));
  return out;
}

async function runDaily() {
  const executionArn = await h.flow.runDaily();
  const execution = await waitForExecution(h.sfn, executionArn, { timeoutMs: 90_000 });
  expect(execution.status).toBe('SUCCEEDED');
  return { runId: executionArn.split(':').at(-1)!, manifest: JSON.parse(execution.output!).manifest };
}

async function waitForCooldownToPass(): Promise<void> {
  const c = await circuit(CARD);
  const wait = c.openedAtMs + COOLDOWN_S * 1000 + 250 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

test('failures of several users open the circuit (OPEN, openings >= 1) and every bank call is accounted for', async () => {
  h.flow.bank.setInstitutionDown(CARD, true);
  const before = cardCalls();
  const refreshes = await refreshAll(BOTH);
  const calls = cardCalls() - before;
  const c = await circuit(CARD);
  console.log(`[circuit] opened at ${at()}: ${calls} card calls, openings ${c.openings}`);

  expect(c.state).toBe('OPEN');
  expect(c.openings).toBeGreaterThanOrEqual(1);
  expect((await circuit(BANK)).state).toBe('CLOSED');
  // THRESHOLD failures opened it. Beyond those: calls already in flight when it opened (at most
  // one per other user: a connection's attempts are sequential) and failed probes (each re-opened it).
  expect(calls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(calls).toBeLessThanOrEqual(THRESHOLD + (BOTH.length - 1) + (c.openings - 1));
  let cardFailures = 0;
  for (const userId of BOTH) {
    const r = refreshes[userId];
    expect(r.status).toBe('PARTIAL'); // the bank's accounts landed; the card did not
    expect(r.connections[connectionIdFor(BANK)]).toBe('DOWNLOADED');
    expect(['DEFERRED', 'FAILED:TransientError']).toContain(r.connections[connectionIdFor(CARD)]);
    await expectMatchesTruth(h, userId, { skipInstitutions: [CARD] });
    cardFailures += downloadAttempts(await refreshHistory(h, r.refreshId))[connectionIdFor(CARD)]?.failures.length ?? 0;
  }
  // Every failed card attempt was one refused bank call, and no attempt failed without calling.
  expect(cardFailures).toBe(calls);
});

test('while it cools down nothing reaches the bank: the daily batch defers, an API refresh is DEFERRED', async () => {
  const open = await circuit(CARD);
  expect(open.state).toBe('OPEN');
  const before = cardCalls();

  const { runId, manifest } = await runDaily();
  expect(manifest.skipped).toEqual({ waitingForUser: 0, deferred: USERS.length, noConnections: 1 });
  expect(manifest.count).toBe(BOTH.length);
  for (const userId of BOTH) {
    const daily = (await h.api('GET', `/users/${userId}/refreshes/${stableId('ref_', runId, userId)}`)).body;
    expect(daily.status).toBe('SUCCEEDED');
    expect(Object.keys(daily.connections)).toEqual([connectionIdFor(BANK)]);
  }
  expect((await h.api('GET', `/users/${CARD_ONLY}/refreshes/${stableId('ref_', runId, CARD_ONLY)}`)).status).toBe(404);

  const deferred = await h.refreshAndWait(CARD_ONLY);
  expect(deferred.status).toBe('DEFERRED');
  expect(deferred.connections).toEqual({ [connectionIdFor(CARD)]: 'DEFERRED' });
  const mixed = await h.refreshAndWait(BOTH[0]);
  expect(mixed.status).toBe('PARTIAL');
  expect(mixed.connections[connectionIdFor(CARD)]).toBe('DEFERRED');

  expect(cardCalls() - before).toBe(0);
  const still = await circuit(CARD);
  expect({ state: still.state, openings: still.openings }).toEqual({ state: 'OPEN', openings: open.openings });
  console.log(`[circuit] deferral phase done at ${at()}, ${(Date.now() - open.openedAtMs) / 1000} s after opening`);
});

test('after the cooldown exactly one probe reaches the bank (still down) and the circuit re-opens', async () => {
  await waitForCooldownToPass();
  const openings = (await circuit(CARD)).openings;
  const before = cardCalls();
  const refreshes = await refreshAll(USERS);
  expect(cardCalls() - before).toBe(1);
  const c = await circuit(CARD);
  expect({ state: c.state, openings: c.openings }).toEqual({ state: 'OPEN', openings: openings + 1 });
  for (const userId of BOTH) expect(refreshes[userId].status).toBe('PARTIAL');
  expect(['DEFERRED', 'FAILED']).toContain(refreshes[CARD_ONLY].status);
  console.log(`[circuit] failed probe at ${at()}: ${USERS.map((u) => `${u}=${refreshes[u].status}`).join(' ')}`);
});

test('once the institution is up, a probe after the cooldown closes the circuit and the daily batch lands the truth', async () => {
  h.flow.bank.setInstitutionDown(CARD, false);
  const openings = (await circuit(CARD)).openings;
  await waitForCooldownToPass();
  const before = cardCalls();
  const upAt = Date.now();

  const { runId, manifest } = await runDaily();
  expect(manifest.skipped).toEqual({ waitingForUser: 0, deferred: 0, noConnections: 0 });
  expect(manifest.count).toBe(USERS.length);
  for (const userId of USERS) {
    const daily = (await h.api('GET', `/users/${userId}/refreshes/${stableId('ref_', runId, userId)}`)).body;
    expect({ userId, status: daily.status }).toEqual({ userId, status: 'SUCCEEDED' });
    const conns = (await h.api('GET', `/users/${userId}/connections`)).body.connections;
    for (const conn of conns) expect(conn.status).toBe('OK');
    await expectMatchesTruth(h, userId, userId === CARD_ONLY ? { skipInstitutions: [BANK] } : {});
  }
  const c = await circuit(CARD);
  expect({ state: c.state, openings: c.openings }).toEqual({ state: 'CLOSED', openings });
  // One clean download per user: the probe was the first of them, and nothing failed or repeated.
  expect(cardCalls() - before).toBe(USERS.reduce((n, u) => n + requestsPerDownload(CARD, u), 0));
  console.log(`[circuit] recovered at ${at()}: daily batch of ${USERS.length} users in ${(Date.now() - upAt) / 1000} s after the cooldown`);
}, 120_000);
