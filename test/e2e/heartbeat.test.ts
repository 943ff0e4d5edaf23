/**
 * Heartbeats of a long download, end to end through the local stack. Download is a callback Task
 * (.waitForTaskToken) with HeartbeatSeconds; its Lambda sends SendTaskHeartbeat while it works and
 * reports its result with the task token (lambdas/shared/callback-task.ts).
 * test/e2e/heartbeat-timeout.test.ts covers a download that cannot beat.
 */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectionIdFor, seedUser } from '../../local/seed';
import { downloadAttempts, expectMatchesTruth, firstTaskAttempt, refreshExecutionArn, refreshHistory, requestsPerDownload, startHarness, until, type Harness } from './harness';
import { BANK, BEAT_MS, HEARTBEAT_MS, slowBank, slowLogin } from './heartbeat-scenario';

const LONG = 'hb-long';
const STOPPED = 'hb-stopped';
const { slowMs, options } = slowBank([LONG, STOPPED]);

let h: Harness;

beforeAll(async () => {
  h = await startHarness(options);
  await Promise.all([seedUser(LONG, [BANK], { scenario: 'slow' }), seedUser(STOPPED, [BANK], { scenario: 'slow' })]);
}, 120_000);
afterAll(async () => h?.stop());

test('a download longer than HeartbeatSeconds that keeps beating succeeds in one attempt, and the truth lands', async () => {
  const started = Date.now();
  const refreshId = await h.client.startRefresh(LONG);
  const refresh = await h.waitForRefresh(LONG, refreshId, 120_000);
  expect(refresh.status).toBe('SUCCEEDED');

  const history = await refreshHistory(h, refreshId);
  expect(downloadAttempts(history)[connectionIdFor(BANK)]).toEqual({ attempts: 1, failures: [] });
  const download = firstTaskAttempt(history, 'Download');
  expect(download.end).toBe('TaskSucceeded');
  expect(download.ms).toBeGreaterThan(HEARTBEAT_MS); // only possible with heartbeats: HeartbeatSeconds is enforced
  expect(h.flow.bank.stats().byUser[slowLogin(LONG)]).toBe(requestsPerDownload(BANK, LONG));
  const { transactions } = await expectMatchesTruth(h, LONG, { skipInstitutions: h.flow.institutionIds.filter((i) => i !== BANK) });
  expect(transactions).toBeGreaterThan(0);
  console.log(
    `[heartbeat] long download: ${requestsPerDownload(BANK, LONG)} requests of ${slowMs} ms; Download task ${download.ms} ms ` +
      `(HeartbeatSeconds ${HEARTBEAT_MS / 1000}); refresh ${Date.now() - started} ms`,
  );
}, 150_000);

test('a download whose execution is stopped learns it from its next heartbeat and stops calling the bank', async () => {
  const refreshId = await h.client.startRefresh(STOPPED);
  await until(() => (h.flow.bank.stats().byUser[slowLogin(STOPPED)] ?? 0) >= 1, { timeoutMs: 10_000, pollMs: 200 }); // the account list is in flight
  await h.sfn.send(new StopExecutionCommand({ executionArn: await refreshExecutionArn(h, refreshId) }));

  // Long enough for the download, had it gone on, to have sent its next requests.
  await sleep(BEAT_MS + 2 * slowMs);
  expect(h.flow.bank.stats().byUser[slowLogin(STOPPED)]).toBe(1);
  // Abandoned is not the bank failing: the connection is not marked and the circuit stays closed.
  const { body } = await h.api('GET', `/users/${STOPPED}/connections`);
  expect(body.connections.map((c: any) => c.status)).not.toContain('ERROR');
  const institutions = (await h.api('GET', '/institutions')).body.institutions as Array<{ id: string; circuit: { state: string } }>;
  expect(institutions.find((i) => i.id === BANK)?.circuit.state).toBe('CLOSED');
}, 60_000);
