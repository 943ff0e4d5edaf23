import fc from 'fast-check';
import { accountKeyOf, applyDiff, diffTransactions, fitidId, groupByAccount, isEmptyDiff, mergeAccount, sortTransactions, type LedgerTransaction } from '../../lambdas/shared/ledger';
import { historyArb } from './history';
import { CARD, at, pending, stmt, tx } from './fixtures';

const txnArb: fc.Arbitrary<LedgerTransaction> = fc.record(
  {
    id: fc.constantFrom('txn_a', 'txn_b', 'txn_c', 'txn_d', 'txn_e', 'txn_f'),
    amount: fc.constantFrom('-1.00', '2.50', '-3.75'),
    postedAt: fc.constantFrom(at('2024-01-01'), at('2024-01-02')),
    status: fc.constantFrom('posted' as const, 'pending' as const),
    description: fc.constantFrom('A', 'B'),
    memo: fc.constantFrom('m1', 'm2'),
    pendingId: fc.constantFrom('txn_p', 'txn_q'),
  },
  { requiredKeys: ['id', 'amount', 'postedAt', 'status'] },
);
const ledgerArb = fc.uniqueArray(txnArb, { selector: (t) => t.id, maxLength: 6 });

describe('diffTransactions', () => {
  test('stored + diff(stored, next) = next, and diff(x, x) is empty', () => {
    fc.assert(
      fc.property(ledgerArb, ledgerArb, (a, b) => {
        const d = diffTransactions(a, b);
        expect(applyDiff(a, d)).toEqual(sortTransactions(b));
        expect(isEmptyDiff(diffTransactions(a, a))).toBe(true);
        expect(isEmptyDiff(diffTransactions(b, [...b].reverse()))).toBe(true);
        // Exact by id: every id lands in exactly one bucket or in none when unchanged.
        const ids = (xs: LedgerTransaction[]) => xs.map((t) => t.id);
        const inA = new Set(ids(a));
        const inB = new Set(ids(b));
        expect(ids(d.added).sort()).toEqual(ids(b).filter((id) => !inA.has(id)).sort());
        expect(ids(d.removed).sort()).toEqual(ids(a).filter((id) => !inB.has(id)).sort());
        for (const t of d.modified) expect(a.find((x) => x.id === t.id)).not.toEqual(t);
      }),
      { numRuns: 300 },
    );
  });

  test('along a download history, each refresh\'s diff turns the stored ledger into the next one', () => {
    fc.assert(
      fc.property(historyArb({ fitids: true, pendings: true }), (h) => {
        let stored: LedgerTransaction[] = [];
        for (let k = 1; k <= h.statements.length; k++) {
          const [group] = groupByAccount(h.statements.slice(0, k));
          const next = mergeAccount(group).transactions;
          const d = diffTransactions(stored, next);
          expect(applyDiff(stored, d)).toEqual(next);
          expect(isEmptyDiff(diffTransactions(next, mergeAccount(group).transactions))).toBe(true);
          stored = next;
        }
      }),
      { numRuns: 60 },
    );
  });

  test('pending -> posted under a new FITID: pending removed, posted added pointing at it', () => {
    const key = accountKeyOf(CARD);
    const d1 = stmt(CARD, '2024-08-01', '2024-08-03', [pending('P-1', '-80.00', '2024-08-03', 'HOTEL'), tx('T-0', '-5.00', '2024-08-02', 'SNACK')]);
    const d2 = stmt(CARD, '2024-08-01', '2024-08-07', [tx('T-0', '-5.00', '2024-08-02', 'SNACK'), tx('T-9', '-80.00', '2024-08-06', 'HOTEL')]);
    const before = mergeAccount({ accountKey: key, type: 'credit_card', currency: 'USD', statements: [d1] }).transactions;
    const after = mergeAccount({ accountKey: key, type: 'credit_card', currency: 'USD', statements: [d1, d2] }).transactions;
    const d = diffTransactions(before, after);
    expect(d.removed.map((t) => t.id)).toEqual([fitidId(key, 'P-1')]);
    expect(d.added.map((t) => [t.id, t.pendingId])).toEqual([[fitidId(key, 'T-9'), fitidId(key, 'P-1')]]);
    expect(d.modified).toEqual([]);
  });

  test('pending -> posted keeping its FITID: one modification', () => {
    const key = accountKeyOf(CARD);
    const d1 = stmt(CARD, '2024-08-01', '2024-08-03', [pending('K-1', '-12.00', '2024-08-02', 'TAXI')]);
    const d2 = stmt(CARD, '2024-08-01', '2024-08-07', [tx('K-1', '-12.00', '2024-08-04', 'TAXI')]);
    const before = mergeAccount({ accountKey: key, type: 'credit_card', currency: 'USD', statements: [d1] }).transactions;
    const after = mergeAccount({ accountKey: key, type: 'credit_card', currency: 'USD', statements: [d2, d1] }).transactions;
    const d = diffTransactions(before, after);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.modified.map((t) => [t.id, t.status, t.postedAt])).toEqual([[fitidId(key, 'K-1'), 'posted', at('2024-08-04')]]);
  });

  test('duplicate ids are refused', () => {
    const t: LedgerTransaction = { id: 'txn_x', amount: '1.00', postedAt: at('2024-01-01'), status: 'posted' };
    expect(() => diffTransactions([t, t], [])).toThrow(/duplicate transaction id txn_x/);
  });
});
