/**
 * Every sandbox failure scenario, end to end through the local stack: the refresh outcome, the
 * connection status, the retries in the refresh execution's history, and the stored data against
 * the bank's truth. The circuit breaker is kept out of the way here (threshold far above what
 * these tests produce); test/e2e/circuit.test.ts proves it.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { stableId } from '../../lambdas/shared/hash';
import * as store from '../../lambdas/shared/store';
import { DEFAULT_SEED, INSTITUTIONS, MFA_ANSWER } from '../../local/bank';
import { accountsAt } from '../../local/bank/ledger';
import { unit } from '../../local/bank/prng';
import { waitForExecution } from '../../local/executions';
import { connectionIdFor, seedUser } from '../../local/seed';
import { downloadAttempts, expectMatchesTruth, refreshHistory, requestsPerDownload, startHarness, type Harness } from './harness';

const SEED = DEFAULT_SEED;
const BANK = 'sandbox-bank';
const CARD = 'sandbox-card';
const RESPONSE_TIMEOUT_MS = 3000;
const SLOW_MS = 7000;
const RETRY_AFTER_SECONDS = 1;
/** The ASL's Retry of TransientError on Download: MaxAttempts 3 (so 4 attempts in all). */
const MAX_RETRIES = 3;
const WAITING_FOR_USER = ['LOGIN_REQUIRED', 'LOCKED', 'MFA_REQUIRED'];

let h: Harness;
let s3: S3Client;
const seeded: string[] = [];

beforeAll(async () => {
  h = await startHarness({
    demoUsers: 0,
    bank: { date: '2026-12-01', slowMs: SLOW_MS, retryAfterSeconds: RETRY_AFTER_SECONDS },
    lambdaEnv: { BANK_RESPONSE_TIMEOUT_MS: String(RESPONSE_TIMEOUT_MS), CIRCUIT_FAILURE_THRESHOLD: '100000' },
  });
  s3 = new S3Client({ endpoint: h.flow.endpoints.s3, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}, 120_000);
afterAll(async () => h?.stop());

async function seed(userId: string, institutionIds: string[], opts: Parameters<typeof seedUser>[2] = {}): Promise<void> {
  await seedUser(userId, institutionIds, opts);
  if (!seeded.includes(userId)) seeded.push(userId);
}

async function startRefresh(userId: string): Promise<string> {
  const started = await h.api('POST', `/users/${userId}/refresh`);
  expect(started.status).toBe(202);
  return started.body.refreshId;
}

async function connections(userId: string): Promise<Record<string, any>> {
  const { body } = await h.api('GET', `/users/${userId}/connections`);
  return Object.fromEntries(body.connections.map((c: any) => [c.id, c]));
}

async function attemptsOf(refreshId: string) {
  return downloadAttempts(await refreshHistory(h, refreshId));
}

const institution = (id: string) => INSTITUTIONS.find((i) => i.id === id)!;

describe('the user must act', () => {
  test('a wrong password: LOGIN_REQUIRED, no retry, nothing stored, the password nowhere in the history', async () => {
    const userId = 'sc-wrongpw';
    const password = 'not-the-password-7f3a';
    await seed(userId, h.flow.institutionIds, { password });
    const refreshId = await startRefresh(userId);
    const refresh = await h.waitForRefresh(userId, refreshId);
    expect(refresh.status).toBe('LOGIN_REQUIRED');
    const conns = await connections(userId);
    for (const id of h.flow.institutionIds) {
      expect(conns[connectionIdFor(id)]).toMatchObject({ status: 'LOGIN_REQUIRED', lastError: { code: 'INVALID_CREDENTIALS' } });
    }
    const history = await refreshHistory(h, refreshId);
    const attempts = downloadAttempts(history);
    for (const id of h.flow.institutionIds) {
      expect(attempts[connectionIdFor(id)].attempts).toBe(1);
      expect(attempts[connectionIdFor(id)].failures.map((f) => f.error)).toEqual(['NeedsUserError']);
    }
    expect(JSON.stringify(history)).not.toContain(password);
    expect((await h.api('GET', `/users/${userId}/accounts`)).body.accounts).toEqual([]);
  });

  test.each([
    ['a locked account', 'sc-locked', 'locked', 'LOCKED'],
    ['MFA', 'sc-mfa', 'mfa', 'MFA_REQUIRED'],
  ])('%s: %s, no retry', async (_what, userId, scenario, status) => {
    await seed(userId, h.flow.institutionIds, { scenario });
    const refreshId = await startRefresh(userId);
    expect((await h.waitForRefresh(userId, refreshId)).status).toBe(status);
    const conns = await connections(userId);
    const attempts = await attemptsOf(refreshId);
    for (const id of h.flow.institutionIds) {
      expect(conns[connectionIdFor(id)]).toMatchObject({ status, lastError: { code: status } });
      expect(attempts[connectionIdFor(id)].attempts).toBe(1);
    }
  });

  test('bank good, card locked: PARTIAL, and the bank accounts land exactly', async () => {
    const userId = 'sc-mixed';
    await seed(userId, h.flow.institutionIds, { scenario: { [BANK]: 'good', [CARD]: 'locked' } });
    const refreshId = await startRefresh(userId);
    const refresh = await h.waitForRefresh(userId, refreshId);
    expect(refresh.status).toBe('PARTIAL');
    expect(refresh.connections).toEqual({ [connectionIdFor(BANK)]: 'DOWNLOADED', [connectionIdFor(CARD)]: 'LOCKED' });
    const conns = await connections(userId);
    expect(conns[connectionIdFor(BANK)].status).toBe('OK');
    expect(conns[connectionIdFor(CARD)].status).toBe('LOCKED');
    const attempts = await attemptsOf(refreshId);
    expect(attempts[connectionIdFor(BANK)]).toEqual({ attempts: 1, failures: [] });
    expect(attempts[connectionIdFor(CARD)].attempts).toBe(1);
    const matched = await expectMatchesTruth(h, userId, { skipInstitutions: [CARD] });
    expect(matched.accounts).toBe(accountsAt(SEED, institution(BANK), userId).length);
  });

  test('the daily batch skips every connection waiting for its user and never calls the bank for it', async () => {
    // What ListUsers should skip, from what the API shows.
    let waiting = 0;
    let allWaiting = 0;
    const waitingLogins: string[] = [];
    for (const userId of seeded) {
      const statuses = Object.values(await connections(userId)).map((c) => c.status as string);
      const n = statuses.filter((s) => WAITING_FOR_USER.includes(s)).length;
      waiting += n;
      if (n === statuses.length) allWaiting++;
      for (const c of await store.listConnections(userId)) if (WAITING_FOR_USER.includes(c.status)) waitingLogins.push(c.credentials.username);
    }
    expect(waiting).toBe(7); // 2 wrong password + 2 locked + 1 locked card + 2 MFA, as the tests above left them
    const before = h.flow.bank.stats().byUser;

    const executionArn = await h.flow.runDaily();
    const execution = await waitForExecution(h.sfn, executionArn, { timeoutMs: 60_000 });
    expect(execution.status).toBe('SUCCEEDED');
    const manifest = JSON.parse(execution.output!).manifest;
    expect(manifest.skipped).toEqual({ waitingForUser: waiting, deferred: 0, noConnections: allWaiting });
    expect(manifest.count).toBe(seeded.length - allWaiting);

    const after = h.flow.bank.stats().byUser;
    for (const login of waitingLogins) expect({ login, calls: after[login] ?? 0 }).toEqual({ login, calls: before[login] ?? 0 });
    // The mixed user's daily refresh covered the bank connection only; the others got none.
    const runId = executionArn.split(':').at(-1)!;
    const mixed = await h.api('GET', `/users/sc-mixed/refreshes/${stableId('ref_', runId, 'sc-mixed')}`);
    expect(mixed.status).toBe(200);
    expect(mixed.body.status).toBe('SUCCEEDED');
    expect(Object.keys(mixed.body.connections)).toEqual([connectionIdFor(BANK)]);
    for (const userId of ['sc-wrongpw', 'sc-locked', 'sc-mfa']) {
      expect((await h.api('GET', `/users/${userId}/refreshes/${stableId('ref_', runId, userId)}`)).status).toBe(404);
    }
  }, 90_000);

  test('MFA answered through the API: the new refresh lands the truth, the connection is OK, the code is spent', async () => {
    const userId = 'sc-mfa';
    for (const id of h.flow.institutionIds) {
      const answered = await h.api('POST', `/users/${userId}/connections/${connectionIdFor(id)}/mfa`, { code: MFA_ANSWER });
      expect(answered.status).toBe(202);
      const refresh = await h.waitForRefresh(userId, answered.body.refreshId);
      expect(refresh.status).toBe('SUCCEEDED');
      expect(refresh.trigger).toBe('mfa');
      expect((await attemptsOf(answered.body.refreshId))[connectionIdFor(id)]).toEqual({ attempts: 1, failures: [] });
    }
    await expectMatchesTruth(h, userId);
    const conns = await connections(userId);
    for (const id of h.flow.institutionIds) {
      expect(conns[connectionIdFor(id)].status).toBe('OK');
      expect((await store.getConnection(userId, connectionIdFor(id)))!.credentials.mfaCode).toBeUndefined();
    }
    // A one-time answer is not replayed: the next login is challenged again, and nothing is lost.
    const again = await h.refreshAndWait(userId);
    expect(again.status).toBe('MFA_REQUIRED');
    await expectMatchesTruth(h, userId);
  });
});

describe('transient failures: retried with backoff, then reported; nothing lost', () => {
  const DOWN = 'sc-down';
  const OUTAGE = 'sc-outage';
  const SLOW = 'sc-slow';
  const FLAKY = 'sc-flaky';
  const FLAKY_PERCENT = 25;
  const ids: Record<string, string> = {};
  const done: Record<string, any> = {};

  /** Attempts the flaky login needs at the bank: the sandbox's own per-call draw, replayed. */
  function flakyAttempts(institutionId: string, customerId: string, percent: number): number {
    const login = `user_flaky${percent}+${customerId}`;
    const perAttempt = requestsPerDownload(institutionId, customerId);
    let call = 0;
    for (let attempt = 1; attempt <= 10; attempt++) {
      let ok = true;
      for (let r = 0; r < perAttempt && ok; r++) ok = unit(SEED, 'flaky', institutionId, login, ++call) >= percent / 100;
      if (ok) return attempt;
    }
    return Infinity;
  }

  beforeAll(async () => {
    await seed(DOWN, h.flow.institutionIds, { scenario: 'down' });
    await seed(OUTAGE, h.flow.institutionIds);
    await seed(SLOW, [BANK], { scenario: 'slow' });
    await seed(FLAKY, [BANK], { scenario: `flaky${FLAKY_PERCENT}` });
    // The outage user has data before the card issuer goes down.
    expect((await h.refreshAndWait(OUTAGE)).status).toBe('SUCCEEDED');

    h.flow.bank.setInstitutionDown(CARD, true);
    try {
      for (const userId of [DOWN, OUTAGE, SLOW, FLAKY]) ids[userId] = await startRefresh(userId);
      await Promise.all([DOWN, OUTAGE, SLOW, FLAKY].map(async (userId) => (done[userId] = await h.waitForRefresh(userId, ids[userId], 90_000))));
    } finally {
      h.flow.bank.setInstitutionDown(CARD, false);
    }
  }, 150_000);

  test('down (HTTP 503): 3 retries per connection, then FAILED with the error on the connection; once up, the truth lands', async () => {
    expect(done[DOWN].status).toBe('FAILED');
    const attempts = await attemptsOf(ids[DOWN]);
    const conns = await connections(DOWN);
    for (const id of h.flow.institutionIds) {
      const a = attempts[connectionIdFor(id)];
      expect(a.attempts).toBe(1 + MAX_RETRIES);
      expect(a.failures).toHaveLength(1 + MAX_RETRIES);
      for (const f of a.failures) expect(f).toEqual({ error: 'TransientError', message: expect.stringContaining('HTTP 503') });
      expect(conns[connectionIdFor(id)]).toMatchObject({ status: 'ERROR', lastError: { code: 'INSTITUTION_DOWN' } });
    }
    console.log(`[scenarios] down: ${JSON.stringify(Object.fromEntries(Object.entries(attempts).map(([k, v]) => [k, v.attempts])))} attempts, ${(Date.parse(done[DOWN].finishedAt) - Date.parse(done[DOWN].startedAt)) / 1000} s`);

    // The bank is back for this customer (a good login to the same data): a refresh lands everything.
    await seedUser(DOWN, h.flow.institutionIds, { scenario: 'good', reset: true });
    expect((await h.refreshAndWait(DOWN)).status).toBe('SUCCEEDED');
    await expectMatchesTruth(h, DOWN);
  });

  test('an institution down for everyone: PARTIAL, the card keeps what it had, and recovers once up', async () => {
    expect(done[OUTAGE].status).toBe('PARTIAL');
    const attempts = await attemptsOf(ids[OUTAGE]);
    expect(attempts[connectionIdFor(BANK)]).toEqual({ attempts: 1, failures: [] });
    expect(attempts[connectionIdFor(CARD)].attempts).toBe(1 + MAX_RETRIES);
    expect(attempts[connectionIdFor(CARD)].failures.map((f) => f.error)).toEqual(Array(1 + MAX_RETRIES).fill('TransientError'));
    const conns = await connections(OUTAGE);
    expect(conns[connectionIdFor(BANK)].status).toBe('OK');
    expect(conns[connectionIdFor(CARD)]).toMatchObject({ status: 'ERROR', lastError: { code: 'INSTITUTION_DOWN' } });
    // Nothing lost: the card's data from before the outage is all still there.
    await expectMatchesTruth(h, OUTAGE);

    const after = await h.refreshAndWait(OUTAGE);
    expect(after.status).toBe('SUCCEEDED');
    expect((await connections(OUTAGE))[connectionIdFor(CARD)].status).toBe('OK');
    await expectMatchesTruth(h, OUTAGE);
  });

  test('slower than the download timeout: TIMEOUT retries, then FAILED', async () => {
    expect(SLOW_MS).toBeGreaterThan(RESPONSE_TIMEOUT_MS);
    expect(done[SLOW].status).toBe('FAILED');
    const a = (await attemptsOf(ids[SLOW]))[connectionIdFor(BANK)];
    expect(a.attempts).toBe(1 + MAX_RETRIES);
    for (const f of a.failures) expect(f).toEqual({ error: 'TransientError', message: expect.stringContaining(`did not answer within ${RESPONSE_TIMEOUT_MS} ms`) });
    expect(a.failures).toHaveLength(1 + MAX_RETRIES);
    expect((await connections(SLOW))[connectionIdFor(BANK)]).toMatchObject({ status: 'ERROR', lastError: { code: 'TIMEOUT' } });
    expect((await h.api('GET', `/users/${SLOW}/accounts`)).body.accounts).toEqual([]);
  });

  test(`flaky${FLAKY_PERCENT}: SUCCEEDED through exactly the retries the sandbox's draws call for`, async () => {
    const expected = flakyAttempts(BANK, FLAKY, FLAKY_PERCENT);
    expect(expected).toBeGreaterThan(1); // the seed does exercise a retry...
    expect(expected).toBeLessThanOrEqual(1 + MAX_RETRIES); // ...and succeeds within the retry budget
    expect(done[FLAKY].status).toBe('SUCCEEDED');
    const a = (await attemptsOf(ids[FLAKY]))[connectionIdFor(BANK)];
    expect(a.attempts).toBe(expected);
    expect(a.failures.map((f) => f.message)).toEqual(Array(expected - 1).fill(expect.stringContaining('HTTP 500')));
    await expectMatchesTruth(h, FLAKY, { skipInstitutions: [CARD] }); // this user holds the bank connection only
  });
});

test('rate limited (429 + Retry-After): each request is resent after the delay, no workflow retry, SUCCEEDED', async () => {
  const userId = 'sc-ratelimited';
  await seed(userId, h.flow.institutionIds, { scenario: 'ratelimited' });
  const before = h.flow.bank.stats();
  const refresh = await h.refreshAndWait(userId, 60_000);
  expect(refresh.status).toBe('SUCCEEDED');
  const attempts = await attemptsOf(refresh.refreshId);
  for (const id of h.flow.institutionIds) expect(attempts[connectionIdFor(id)]).toEqual({ attempts: 1, failures: [] });
  // Every request was refused once (odd calls) and answered on its resend (even calls).
  const requests = h.flow.institutionIds.reduce((n, id) => n + requestsPerDownload(id, userId), 0);
  const after = h.flow.bank.stats();
  expect(after.scenarios.ratelimited - before.scenarios.ratelimited).toBe(requests);
  expect(after.byUser[`user_ratelimited+${userId}`]).toBe(2 * requests);
  await expectMatchesTruth(h, userId);
});

test('malformed: PARTIAL, exactly one statement quarantined with its reason, every other account equals the truth', async () => {
  const userId = 'sc-malformed';
  await seed(userId, h.flow.institutionIds, { scenario: { [BANK]: 'malformed', [CARD]: 'good' } });
  const refresh = await h.refreshAndWait(userId);
  expect(refresh.status).toBe('PARTIAL');
  const total = h.flow.institutionIds.reduce((n, id) => n + accountsAt(SEED, institution(id), userId).length, 0);
  expect(refresh.statements).toEqual({ total, normalized: total - 1, quarantined: 1, failed: 0 });

  const bucket = process.env.BUCKET_NAME!;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `quarantine/${userId}/` }));
  expect(listed.Contents?.map((o) => o.Key)).toEqual([expect.stringMatching(new RegExp(`^quarantine/${userId}/${refresh.refreshId}/${connectionIdFor(BANK)}/`))]);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: listed.Contents![0].Key! }));
  const quarantined = JSON.parse(await object.Body!.transformToString());
  expect(quarantined).toMatchObject({ userId, refreshId: refresh.refreshId, connectionId: connectionIdFor(BANK), reason: { code: expect.any(String), message: expect.any(String) } });
  expect(quarantined.reason.message.length).toBeGreaterThan(0);
  // The quarantined statement is the one the sandbox garbles: the last account of the bank's list.
  const acctId = /<ACCTID>([^<\r\n]+)/.exec(Buffer.from(quarantined.body, 'base64').toString('utf8'))?.[1];
  const bankAccounts = accountsAt(SEED, institution(BANK), userId);
  expect(acctId).toBe(bankAccounts.at(-1)!.id);

  const matched = await expectMatchesTruth(h, userId, { skipAccounts: [acctId!.slice(-4)] });
  expect(matched.accounts).toBe(total - 1);
  const conns = await connections(userId);
  for (const id of h.flow.institutionIds) expect(conns[connectionIdFor(id)].status).toBe('OK');
});
