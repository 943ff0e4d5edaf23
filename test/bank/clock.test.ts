/**
 * Moving the simulated clock forward: pending card purchases post under new FITIDs, new
 * transactions arrive, and the past stays exactly as it was.
 */
import { startSandboxBank, type SandboxBank, type Truth } from '../../local/bank';
import { add, negate, sum } from '../../lambdas/shared/money';
import { aggregate } from './helpers';

let bank: SandboxBank;

beforeAll(async () => {
  bank = await startSandboxBank({ port: 0, seed: 'ledgerflow', date: '2026-12-01' });
});
afterAll(() => bank.close());

const ids = (t: Truth, i: number, status?: 'posted' | 'pending') =>
  new Set(t.accounts[i].transactions.filter((x) => !status || x.status === status).map((x) => x.id));

test('advancing the date posts pending card purchases and keeps history identical', async () => {
  const before = bank.truth('demo-0001');
  const res = await fetch(`${bank.url}/sandbox/clock`, { method: 'POST', body: JSON.stringify({ date: '2026-12-06' }) });
  expect(await res.json()).toEqual({ date: '2026-12-06' });
  expect(bank.getDate()).toBe('2026-12-06');
  const after = bank.truth('demo-0001');

  const card = 2;
  expect(after.accounts[card].type).toBe('credit_card');
  const pendingBefore = ids(before, card, 'pending');
  const allAfter = ids(after, card);
  const gone = [...pendingBefore].filter((id) => !allAfter.has(id));
  expect(pendingBefore.size).toBeGreaterThan(0);
  // Every purchase pending on Dec 1 posts within 3 days: its pending id is gone by Dec 6 ...
  expect(gone).toEqual([...pendingBefore]);
  // ... and at least as many posted purchases appeared (under new ids) as pendings disappeared.
  const newPosted = after.accounts[card].transactions.filter((t) => t.status === 'posted' && !ids(before, card).has(t.id));
  expect(newPosted.length).toBeGreaterThanOrEqual(gone.length);

  // History is identical: every posted transaction of Dec 1 is still there, unchanged, in order.
  for (let i = 0; i < before.accounts.length; i++) {
    const old = before.accounts[i].transactions.filter((t) => t.status === 'posted');
    expect(after.accounts[i].transactions.slice(0, old.length)).toEqual(old);
  }

  // Balances move by exactly what posted in between (card: owed grows by purchases, shrinks by payments).
  for (let i = 0; i < before.accounts.length; i++) {
    const known = ids(before, i, 'posted');
    const delta = sum(after.accounts[i].transactions.filter((t) => t.status === 'posted' && !known.has(t.id)).map((t) => t.amount));
    const expected = i === card ? add(before.accounts[i].balances.current, negate(delta)) : add(before.accounts[i].balances.current, delta);
    expect(after.accounts[i].balances.current).toBe(expected);
  }

  // And the bank serves the new state over OFX exactly as the truth says.
  expect(await aggregate(bank, 'user_good+demo-0001')).toEqual(after.accounts);
});

test('the same seed replays the same history whatever clock path led there', async () => {
  const direct = await startSandboxBank({ port: 0, seed: 'ledgerflow', date: '2026-12-06' });
  try {
    bank.setDate('2026-12-06');
    expect(direct.truth('demo-0001')).toEqual(bank.truth('demo-0001'));
  } finally {
    await direct.close();
  }
});

test('invalid dates are refused', async () => {
  expect(() => bank.setDate('2026-02-30')).toThrow(/invalid date/);
  const res = await fetch(`${bank.url}/sandbox/clock`, { method: 'POST', body: JSON.stringify({ date: 'tomorrow' }) });
  expect(res.status).toBe(400);
});
