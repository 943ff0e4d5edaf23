/**
 * The sandbox bank served over OFX Direct Connect and read by the client + parser must agree
 * exactly with the bank's truth endpoint: accounts, transactions (ids, amounts, times, status)
 * and balances.
 */
import { startSandboxBank, type SandboxBank } from '../../local/bank';
import { parseOfx } from '../../lambdas/shared/statements/ofx/parse';
import { add, sum, negate } from '../../lambdas/shared/money';
import { aggregate, fetchAs, truthOverHttp } from './helpers';

let bank: SandboxBank;

beforeAll(async () => {
  bank = await startSandboxBank({ port: 0, seed: 'ledgerflow', date: '2026-12-01' });
});
afterAll(() => bank.close());

test('a full download as user_good equals the truth, account by account', async () => {
  const truth = await truthOverHttp(bank, 'demo-0001');
  expect(truth.date).toBe('2026-12-01');
  expect(truth.accounts.map((a) => `${a.institutionId}/${a.type}`)).toEqual(['sandbox-bank/checking', 'sandbox-bank/savings', 'sandbox-card/credit_card']);
  const got = await aggregate(bank, 'user_good+demo-0001');
  expect(got).toEqual(truth.accounts);
  // The data is not trivially empty: two months of history and pending card purchases.
  const postedCount = truth.accounts.map((a) => a.transactions.filter((t) => t.status === 'posted').length);
  expect(postedCount[0]).toBeGreaterThan(40); // checking: ~1.5 a day
  expect(postedCount[1]).toBeGreaterThanOrEqual(4); // savings: interest, transfers
  expect(postedCount[2]).toBeGreaterThan(40); // card purchases and payments
  const card = truth.accounts.find((a) => a.type === 'credit_card')!;
  expect(card.transactions.some((t) => t.status === 'pending')).toBe(true);
  // Ids are unique per account, and no pending id is reused by a posted transaction.
  for (const a of truth.accounts) expect(new Set(a.transactions.map((t) => t.id)).size).toBe(a.transactions.length);
});

test('account numbers keep leading zeros and masks are their last 4 characters', async () => {
  const [checking] = await fetchAs(bank, 'sandbox-bank', 'user_good+demo-0001');
  expect(checking.account).toMatchObject({ type: 'checking', ofxType: 'CHECKING', bankId: '011000390' });
  expect(checking.account.id).toMatch(/^00\d{10}$/);
  const truth = bank.truth('demo-0001');
  expect(truth.accounts[0].mask).toBe(checking.account.id.slice(-4));
});

test('card balances follow the conventions: ledger negative when owed, available = limit - owed; closings come along', async () => {
  const [card] = await fetchAs(bank, 'sandbox-card', 'user_good+demo-0001');
  const { statements } = parseOfx(card.body);
  const s = statements[0];
  const owed = negate(s.balances.ledger!.amount);
  expect(owed.startsWith('-')).toBe(false);
  expect(s.account.creditLimit).toBeDefined();
  expect(add(owed, s.balances.available!.amount)).toBe(s.account.creditLimit);
  // Monthly closings: Oct and Nov have closed by Dec 1; each closing balance carries over as the next opening.
  expect(s.closings!.length).toBe(2);
  expect(s.closings![1].opening).toBe(s.closings![0].closing);
});

test('a bank ledger balance moves by exactly the transactions posted in between', async () => {
  const before = bank.truth('demo-0001', '2026-11-10');
  const after = bank.truth('demo-0001', '2026-11-20');
  for (const i of [0, 1]) {
    const known = new Set(before.accounts[i].transactions.map((t) => t.id));
    const added = after.accounts[i].transactions.filter((t) => !known.has(t.id)).map((t) => t.amount);
    expect(add(before.accounts[i].balances.current, sum(added))).toBe(after.accounts[i].balances.current);
  }
});

test('since: only transactions posted at or after DTSTART, pending always included', async () => {
  const since = '2026-11-15T00:00:00.000Z';
  const truth = bank.truth('demo-0001');
  const got = await aggregate(bank, 'user_good+demo-0001', { since });
  const expected = truth.accounts.map((a) => ({
    ...a,
    transactions: a.transactions.filter((t) => t.status === 'pending' || t.postedAt >= since),
  }));
  expect(got).toEqual(expected);
  expect(expected[0].transactions.length).toBeLessThan(truth.accounts[0].transactions.length);
});

test('different customers and seeds get different but stable data', async () => {
  const a = bank.truth('demo-0001');
  const b = bank.truth('demo-0002');
  expect(a.accounts[0].mask === b.accounts[0].mask && a.accounts[0].balances.current === b.accounts[0].balances.current).toBe(false);
  const other = await startSandboxBank({ port: 0, seed: 'ledgerflow', date: '2026-12-01' });
  try {
    expect(other.truth('demo-0001')).toEqual(a);
  } finally {
    await other.close();
  }
});

test('side-door endpoints: institutions, healthz, 404', async () => {
  const list = await (await fetch(`${bank.url}/sandbox/institutions`)).json();
  expect(list).toEqual([
    { id: 'sandbox-bank', name: 'Sandbox Bank', org: 'SANDBOXBANK', fid: '10001', url: `${bank.url}/ofx/sandbox-bank` },
    { id: 'sandbox-card', name: 'Sandbox Card Services', org: 'SANDBOXCARD', fid: '20002', url: `${bank.url}/ofx/sandbox-card` },
  ]);
  expect((await fetch(`${bank.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${bank.url}/ofx/no-such-bank`, { method: 'POST', body: 'x' })).status).toBe(404);
  expect((await fetch(`${bank.url}/ofx/sandbox-bank`, { method: 'POST', body: 'not ofx' })).status).toBe(400);
});
