/** Each scenario login yields its typed error through the OFX client (or works, for mfa with the code). */
import { startSandboxBank, type SandboxBank } from '../../local/bank';
import { InstitutionError, NeedsUserError, StatementParseError, TransientError } from '../../lambdas/shared/errors';
import { parseOfx } from '../../lambdas/shared/statements/ofx/parse';
import { postOfx } from '../../lambdas/shared/ofx-client';
import { accountListRequest } from '../../lambdas/shared/ofx-client/request';
import { agg, leaf, writeDocument } from '../../lambdas/shared/ofx-client/tree';
import { readOfx, textAt } from '../../lambdas/shared/statements/ofx/tree';
import { asTruthAccount, expectRejects, fetchAs, institution } from './helpers';

let bank: SandboxBank;
const SLOW_MS = 600;

beforeAll(async () => {
  bank = await startSandboxBank({ port: 0, seed: 'scenarios', date: '2026-12-01', slowMs: SLOW_MS, retryAfterSeconds: 7 });
});
afterAll(() => bank.close());

/** No error a scenario produces may carry the password, in its message or its JSON. */
function expectNoSecret(e: Error, secret: string) {
  expect(e.message).not.toContain(secret);
  expect(JSON.stringify(e)).not.toContain(secret);
  expect(String(e.stack)).not.toContain(secret);
}

test('wrong password -> NeedsUserError INVALID_CREDENTIALS (15500), password never in the error', async () => {
  const password = 'hunter2-Secret!';
  const e = await expectRejects<NeedsUserError>(fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001', { password }));
  expect(e).toBeInstanceOf(NeedsUserError);
  expect(e.code).toBe('INVALID_CREDENTIALS');
  expect(e.ofxCode).toBe(15500);
  expectNoSecret(e, password);
});

test('unknown logins are refused like a wrong password', async () => {
  for (const username of ['someone', 'user_nosuch+demo-0001', 'user_flaky101+demo-0001']) {
    const e = await expectRejects<NeedsUserError>(fetchAs(bank, 'sandbox-card', username));
    expect([e.name, e.code, e.ofxCode]).toEqual(['NeedsUserError', 'INVALID_CREDENTIALS', 15500]);
  }
});

test('locked -> NeedsUserError LOCKED (15502)', async () => {
  const e = await expectRejects<NeedsUserError>(fetchAs(bank, 'sandbox-card', 'user_locked+demo-0001'));
  expect([e.name, e.code, e.ofxCode]).toEqual(['NeedsUserError', 'LOCKED', 15502]);
});

test('mfa -> 3000 without an answer, 3001 with a wrong one, data with 1234', async () => {
  const none = await expectRejects<NeedsUserError>(fetchAs(bank, 'sandbox-bank', 'user_mfa+demo-0001'));
  expect([none.code, none.ofxCode]).toEqual(['MFA_REQUIRED', 3000]);
  const wrong = await expectRejects<NeedsUserError>(fetchAs(bank, 'sandbox-bank', 'user_mfa+demo-0001', { mfaCode: '9999' }));
  expect([wrong.code, wrong.ofxCode]).toEqual(['MFA_REQUIRED', 3001]);
  expectNoSecret(wrong, '9999');
  const got = await fetchAs(bank, 'sandbox-bank', 'user_mfa+demo-0001', { mfaCode: '1234' });
  const truth = bank.truth('demo-0001').accounts.filter((a) => a.institutionId === 'sandbox-bank');
  expect(got.map((g) => asTruthAccount('sandbox-bank', parseOfx(g.body).statements[0]))).toEqual(truth);
});

test('mfa: a client can discover the challenge with MFACHALLENGERQ', async () => {
  const inst = institution(bank, 'sandbox-bank');
  const rq = writeDocument(
    agg(
      'OFX',
      agg('SIGNONMSGSRQV1', agg('SONRQ', leaf('DTCLIENT', '20261201120000'), leaf('USERID', 'user_mfa+demo-0001'), leaf('USERPASS', 'pass_good'), leaf('LANGUAGE', 'ENG'), leaf('APPID', 'QWIN'), leaf('APPVER', '2700'))),
      agg('SIGNUPMSGSRQV1', agg('MFACHALLENGETRNRQ', leaf('TRNUID', '77'), agg('MFACHALLENGERQ', leaf('DTCLIENT', '20261201120000')))),
    ),
    'xml',
  );
  const tree = readOfx(await postOfx(inst.url, rq, { timeouts: { connectMs: 1_000, responseMs: 2_000 } }));
  expect(textAt(tree, 'SONRS', 'STATUS', 'CODE')).toBe('3000');
  expect(textAt(tree, 'MFACHALLENGETRNRS', 'TRNUID')).toBe('77');
  expect(textAt(tree, 'MFACHALLENGE', 'MFAPHRASEID')).toBe('MFA1');
});

test('down -> TransientError INSTITUTION_DOWN (HTTP 503), for the login and for a whole institution', async () => {
  const e = await expectRejects<TransientError>(fetchAs(bank, 'sandbox-bank', 'user_down+demo-0001'));
  expect([e.name, e.code, e.retryAfterSeconds]).toEqual(['TransientError', 'INSTITUTION_DOWN', 60]);

  bank.setInstitutionDown('sandbox-card', true);
  const whole = await expectRejects<TransientError>(fetchAs(bank, 'sandbox-card', 'user_good+demo-0001'));
  expect(whole.code).toBe('INSTITUTION_DOWN');
  expect(await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001')).toHaveLength(2); // the other one still works
  bank.setInstitutionDown('sandbox-card', false);
  expect(await fetchAs(bank, 'sandbox-card', 'user_good+demo-0001')).toHaveLength(1);
});

test('ratelimited -> TransientError RATE_LIMITED with Retry-After, on every other call', async () => {
  const e = await expectRejects<TransientError>(fetchAs(bank, 'sandbox-bank', 'user_ratelimited+demo-0002'));
  expect([e.code, e.retryAfterSeconds]).toEqual(['RATE_LIMITED', 7]);
  // Call 2 (account list) is answered, call 3 (first statement) is refused again.
  const before = bank.stats();
  const again = await expectRejects<TransientError>(fetchAs(bank, 'sandbox-bank', 'user_ratelimited+demo-0002'));
  expect(again.code).toBe('RATE_LIMITED');
  const after = bank.stats();
  expect(after.byUser['user_ratelimited+demo-0002'] - before.byUser['user_ratelimited+demo-0002']).toBe(2);
  expect(after.scenarios.ratelimited - before.scenarios.ratelimited).toBe(1);
});

test('slow -> TransientError TIMEOUT with a short response timeout; fine with a long one', async () => {
  const started = Date.now();
  const e = await expectRejects<TransientError>(fetchAs(bank, 'sandbox-card', 'user_slow+demo-0001', { timeouts: { connectMs: 1_000, responseMs: 150 } }));
  expect(e.code).toBe('TIMEOUT');
  expect(Date.now() - started).toBeLessThan(SLOW_MS);
  const slowStarted = Date.now();
  const got = await fetchAs(bank, 'sandbox-card', 'user_slow+demo-0001', { timeouts: { connectMs: 1_000, responseMs: 3_000 } });
  expect(got).toHaveLength(1);
  expect(Date.now() - slowStarted).toBeGreaterThanOrEqual(2 * SLOW_MS); // account list + statement, each delayed
});

test('flaky<N> fails N% of calls with 5xx, reproducibly for a seed', async () => {
  const inst = institution(bank, 'sandbox-bank');
  const run = async (b: SandboxBank, username: string) => {
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const url = b.institutions().find((x) => x.id === inst.id)!.url;
      const body = accountListRequest({ org: inst.org, fid: inst.fid, username, password: 'pass_good' });
      outcomes.push(await postOfx(url, body, { timeouts: { connectMs: 1_000, responseMs: 2_000 } }).then(() => 'ok', (e: TransientError) => e.code));
    }
    return outcomes;
  };
  const first = await run(bank, 'user_flaky30+demo-0001');
  const twin = await startSandboxBank({ port: 0, seed: 'scenarios', date: '2026-12-01' });
  const otherSeed = await startSandboxBank({ port: 0, seed: 'another-seed', date: '2026-12-01' });
  try {
    expect(await run(twin, 'user_flaky30+demo-0001')).toEqual(first);
    expect(await run(otherSeed, 'user_flaky30+demo-0001')).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'INSTITUTION_DOWN']));
    const failed = first.filter((o) => o !== 'ok').length;
    expect(failed).toBeGreaterThanOrEqual(4); // 30% of 40 = 12 expected; a seeded draw, far from the bounds
    expect(failed).toBeLessThanOrEqual(20);
    expect(await run(twin, 'user_flaky0+demo-0001')).toEqual(new Array(40).fill('ok'));
    expect(await run(twin, 'user_flaky100+demo-0001')).toEqual(new Array(40).fill('INSTITUTION_DOWN'));
  } finally {
    await twin.close();
    await otherSeed.close();
  }
});

test('malformed -> the client returns every body; exactly one does not parse', async () => {
  const got = await fetchAs(bank, 'sandbox-bank', 'user_malformed+demo-0001');
  expect(got.map((g) => g.account.type)).toEqual(['checking', 'savings']);
  const outcomes = got.map((g) => {
    try {
      return parseOfx(g.body).statements[0];
    } catch (e) {
      return e as Error;
    }
  });
  expect(outcomes[1]).toBeInstanceOf(StatementParseError);
  const truth = bank.truth('demo-0001').accounts[0];
  expect(asTruthAccount('sandbox-bank', outcomes[0] as never)).toEqual(truth);
  // The only card account is the malformed one at the card issuer.
  const [card] = await fetchAs(bank, 'sandbox-card', 'user_malformed+demo-0001');
  expect(() => parseOfx(card.body)).toThrow(StatementParseError);
});

test('an FI ORG that does not match the institution is refused with an InstitutionError', async () => {
  const e = await expectRejects<InstitutionError>(fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001', { org: 'SOMEONEELSE' }));
  expect([e.name, e.ofxCode]).toEqual(['InstitutionError', 2000]);
});
