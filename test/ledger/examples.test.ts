import { accountKeyOf, fitidId, groupByAccount, mergeAccount, noFitidId, type LedgerStatement } from '../../lambdas/shared/ledger';
import { CARD, CHECKING, at, pending, stmt, tx } from './fixtures';

const CARD_KEY = accountKeyOf(CARD);
const CHK_KEY = accountKeyOf(CHECKING);
const card = (statements: LedgerStatement[], creditLimit?: string) =>
  mergeAccount({ accountKey: CARD_KEY, type: 'credit_card', currency: 'USD', statements, ...(creditLimit ? { creditLimit } : {}) });
const checking = (statements: LedgerStatement[]) => mergeAccount({ accountKey: CHK_KEY, type: 'checking', currency: 'USD', statements });

describe('card balances', () => {
  // January closed owing 500.00; since then: purchases 25.00 and 10.50, a payment of 100.00.
  // A 40.00 purchase on the closing day belongs to the closed period.
  const january = stmt(CARD, '2024-01-01', '2024-01-31', [tx('J1', '-460.00', '2024-01-10', 'FLIGHT'), tx('J2', '-40.00', '2024-01-31', 'GROCER')]);
  const february = (balances: LedgerStatement['balances'] = {}) =>
    stmt(CARD, '2024-01-25', '2024-02-10', [tx('J2', '-40.00', '2024-01-31', 'GROCER'), tx('F1', '-25.00', '2024-02-03', 'BOOKS'), tx('F2', '-10.50', '2024-02-05', 'LUNCH'), tx('F3', '100.00', '2024-02-07', 'PAYMENT')], {
      balances,
      closings: [{ periodStart: at('2024-01-01'), periodEnd: at('2024-01-31'), closing: '-500.00', creditLimit: '2000.00' }],
    });

  test('current = last closing + posted since, available = limit - current', () => {
    const ledger = card([february(), january]);
    // 500.00 + 25.00 + 10.50 - 100.00
    expect(ledger.balances).toEqual({ current: '435.50', available: '1564.50', creditLimit: '2000.00', asOf: at('2024-02-10', '23:59:59') });
    expect(ledger.transactions.map((t) => [t.externalId, t.amount])).toEqual([
      ['J1', '-460.00'],
      ['J2', '-40.00'],
      ['F1', '-25.00'],
      ['F2', '-10.50'],
      ['F3', '100.00'],
    ]);
    expect(ledger.reconciliation.ok).toBe(true);
  });

  test('an agreeing LEDGERBAL is used; a disagreeing one is used and flagged with the difference', () => {
    const agree = card([january, february({ ledger: { amount: '-435.50', asOf: at('2024-02-10') } })]);
    expect(agree.balances.current).toBe('435.50');
    expect(agree.reconciliation).toEqual({ ok: true, mismatches: [] });

    const disagree = card([january, february({ ledger: { amount: '-440.00', asOf: at('2024-02-10') } })]);
    expect(disagree.balances.current).toBe('440.00');
    expect(disagree.balances.available).toBe('1560.00');
    expect(disagree.reconciliation.ok).toBe(false);
    expect(disagree.reconciliation.balanceMismatch).toEqual({ ledger: '440.00', computed: '435.50', difference: '4.50', closingPeriodEnd: at('2024-01-31') });
  });

  test('an issuer writing the owed amount positive is recognised and warned about', () => {
    const ledger = card([january, february({ ledger: { amount: '435.50', asOf: at('2024-02-10') } })]);
    expect(ledger.balances.current).toBe('435.50');
    expect(ledger.reconciliation.ok).toBe(true);
    expect(ledger.warnings.some((w) => /positive when owed/.test(w))).toBe(true);
  });

  test('without closing or limit: current from the newest LEDGERBAL, available from its AVAILBAL', () => {
    const older = stmt(CARD, '2024-03-01', '2024-03-10', [], { balances: { ledger: { amount: '-10.00', asOf: at('2024-03-10') }, available: { amount: '990.00', asOf: at('2024-03-10') } } });
    const newer = stmt(CARD, '2024-03-05', '2024-03-20', [], { balances: { ledger: { amount: '-75.25', asOf: at('2024-03-20') }, available: { amount: '924.75', asOf: at('2024-03-20') } } });
    for (const order of [[older, newer], [newer, older]]) {
      expect(card(order).balances).toEqual({ current: '75.25', available: '924.75', asOf: at('2024-03-20') });
    }
    // A limit the caller knows wins over AVAILBAL.
    expect(card([older, newer], '1500').balances.available).toBe('1424.75');
  });
});

describe('bank balances and reconciliation', () => {
  test('balances are the newest statement\'s, whatever the input order; no AVAILBAL means no available', () => {
    const a = stmt(CHECKING, '2024-01-01', '2024-01-31', [], { balances: { ledger: { amount: '1200.00', asOf: at('2024-01-31') }, available: { amount: '1100.00', asOf: at('2024-01-31') } } });
    const b = stmt(CHECKING, '2024-02-01', '2024-02-29', [], { balances: { ledger: { amount: '-35.10', asOf: at('2024-02-29') } } });
    expect(checking([b, a]).balances).toEqual({ current: '-35.10', asOf: at('2024-02-29') });
    expect(checking([a, b]).balances).toEqual({ current: '-35.10', asOf: at('2024-02-29') });
  });

  test('a statement that does not add up is flagged with the exact difference; pendings do not count', () => {
    const s = stmt(CHECKING, '2024-04-01', '2024-04-30', [tx('1', '-30.00', '2024-04-03', 'GAS'), tx('2', '5.25', '2024-04-09', 'REFUND'), pending('3', '-7.00', '2024-04-29', 'CAFE')], {
      balances: { opening: { amount: '100.00', asOf: at('2024-04-01') }, closing: { amount: '80.00', asOf: at('2024-04-30') } },
    });
    const ledger = checking([s]);
    expect(ledger.reconciliation).toEqual({
      ok: false,
      mismatches: [{ statementPeriod: { start: at('2024-04-01'), end: at('2024-04-30', '23:59:59') }, expected: '80.00', actual: '75.25', difference: '-4.75' }],
    });
    // Fixing the closing to 100.00 - 30.00 + 5.25 clears it.
    const fixed = { ...s, balances: { ...s.balances, closing: { amount: '75.25', asOf: at('2024-04-30') } } };
    expect(checking([fixed]).reconciliation).toEqual({ ok: true, mismatches: [] });
  });
});

describe('deduplication', () => {
  test('equal FITIDs in two different accounts are two transactions', () => {
    const other = { ...CHECKING, id: '000987655' };
    const groups = groupByAccount([
      stmt(CHECKING, '2024-01-01', '2024-01-31', [tx('1001', '-20.00', '2024-01-05', 'ATM')]),
      stmt(other, '2024-01-01', '2024-01-31', [tx('1001', '-20.00', '2024-01-05', 'ATM')]),
      stmt({ ...CHECKING, bankId: '999999999' }, '2024-01-01', '2024-01-31', [tx('1001', '-20.00', '2024-01-05', 'ATM')]),
    ]);
    expect(groups).toHaveLength(3);
    const ids = groups.map((g) => mergeAccount(g).transactions.map((t) => t.id));
    expect(ids.map((x) => x.length)).toEqual([1, 1, 1]);
    expect(new Set(ids.flat()).size).toBe(3);
    expect(ids.flat().sort()).toEqual(groups.map((g) => fitidId(g.accountKey, '1001')).sort());
  });

  test('identical purchases in one statement both survive, also across re-downloads', () => {
    const coffee = () => tx(undefined, '-3.75', '2024-05-02', 'COFFEE');
    const first = stmt(CHECKING, '2024-05-01', '2024-05-02', [coffee(), coffee()]);
    const second = stmt(CHECKING, '2024-05-01', '2024-05-03', [coffee(), tx(undefined, '-3.75', '2024-05-03', 'COFFEE'), coffee()]);
    const ledger = checking([second, first, first]);
    expect(ledger.transactions.map((t) => [t.postedAt.slice(0, 10), t.amount])).toEqual([
      ['2024-05-02', '-3.75'],
      ['2024-05-02', '-3.75'],
      ['2024-05-03', '-3.75'],
    ]);
    const day2 = { amount: '-3.75', postedAt: at('2024-05-02'), status: 'posted' as const, description: 'COFFEE' };
    expect(ledger.transactions.slice(0, 2).map((t) => t.id).sort()).toEqual([noFitidId(CHK_KEY, day2, 0), noFitidId(CHK_KEY, day2, 1)].sort());
  });

  test('never on description alone: same payee, different amounts stay apart', () => {
    const a = stmt(CHECKING, '2024-05-01', '2024-05-05', [tx(undefined, '-10.00', '2024-05-02', 'AMAZON')]);
    const b = stmt(CHECKING, '2024-05-01', '2024-05-06', [tx(undefined, '-12.00', '2024-05-02', 'AMAZON')]);
    expect(checking([a, b]).transactions.map((t) => t.amount)).toEqual(['-10.00', '-12.00']);
  });

  test('a date that drifts by a day between downloads is still one transaction', () => {
    const a = stmt(CHECKING, '2024-05-01', '2024-05-10', [tx(undefined, '-60.00', '2024-05-08', 'UTILITY')]);
    const b = stmt(CHECKING, '2024-05-05', '2024-05-15', [tx(undefined, '-60.00', '2024-05-09', 'UTILITY')]);
    const ledger = checking([a, b]);
    expect(ledger.transactions).toHaveLength(1);
    expect(ledger.transactions[0].postedAt).toBe(at('2024-05-09')); // the newest download's view
  });

  test('a transaction just after an old window does not swallow one just before it', () => {
    const a = stmt(CHECKING, '2024-05-01', '2024-05-10', [tx(undefined, '-9.99', '2024-05-09', 'MUSIC')]);
    const b = stmt(CHECKING, '2024-05-11', '2024-05-20', [tx(undefined, '-9.99', '2024-05-11', 'MUSIC')]);
    expect(checking([a, b]).transactions).toHaveLength(2);
  });

  test('unstable FITIDs: the same transaction under a new FITID inside both windows is merged', () => {
    const a = stmt(CHECKING, '2024-06-01', '2024-06-10', [tx('A-77', '-45.00', '2024-06-08', 'PHARMACY')]);
    const b = stmt(CHECKING, '2024-06-05', '2024-06-15', [tx('B-12', '-45.00', '2024-06-08', 'PHARMACY'), tx('B-13', '-5.00', '2024-06-12', 'PARKING')]);
    const ledger = checking([b, a]);
    expect(ledger.transactions.map((t) => [t.id, t.externalId])).toEqual([
      [fitidId(CHK_KEY, 'A-77'), 'B-12'], // id from the first download, externalId from the newest
      [fitidId(CHK_KEY, 'B-13'), 'B-13'],
    ]);
    expect(ledger.stats.unstableFitidMerges).toBe(1);
    expect(ledger.warnings.some((w) => w.includes('B-12') && w.includes('A-77'))).toBe(true);
  });

  test('unstable-FITID heuristic stays off without evidence', () => {
    const a = stmt(CHECKING, '2024-06-01', '2024-06-10', [tx('A-77', '-45.00', '2024-06-08', 'PHARMACY')]);
    // b lists A-77 too, so B-12 is another purchase.
    const both = stmt(CHECKING, '2024-06-05', '2024-06-15', [tx('A-77', '-45.00', '2024-06-08', 'PHARMACY'), tx('B-12', '-45.00', '2024-06-09', 'PHARMACY')]);
    expect(checking([a, both]).transactions.map((t) => t.externalId)).toEqual(['A-77', 'B-12']);
    // b's window does not reach 06-08, so it cannot speak about A-77.
    const later = stmt(CHECKING, '2024-06-09', '2024-06-15', [tx('B-12', '-45.00', '2024-06-09', 'PHARMACY')]);
    expect(checking([a, later]).transactions.map((t) => t.externalId)).toEqual(['A-77', 'B-12']);
    // different description: never merged on amount and date alone.
    const renamed = stmt(CHECKING, '2024-06-05', '2024-06-15', [tx('B-12', '-45.00', '2024-06-08', 'DRUGSTORE')]);
    expect(checking([a, renamed]).transactions).toHaveLength(2);
  });

  test('a FITID repeated inside one statement keeps both transactions with distinct ids', () => {
    const s = stmt(CHECKING, '2024-07-01', '2024-07-31', [tx('X', '-1.00', '2024-07-02', 'FEE'), tx('X', '-2.00', '2024-07-03', 'FEE')]);
    const ledger = checking([s, s]);
    expect(ledger.transactions.map((t) => t.id)).toEqual([fitidId(CHK_KEY, 'X', 0), fitidId(CHK_KEY, 'X', 1)]);
    expect(ledger.warnings.some((w) => /FITID X appears more than once/.test(w))).toBe(true);
  });

  test('statements in another currency are left out with a warning', () => {
    const usd = stmt(CHECKING, '2024-07-01', '2024-07-31', [tx('1', '-1.00', '2024-07-02', 'FEE')]);
    const eur = stmt({ ...CHECKING, currency: 'EUR' }, '2024-07-01', '2024-07-31', [tx('2', '-9.00', '2024-07-02', 'FEE')]);
    const ledger = checking([usd, eur]);
    expect(ledger.transactions.map((t) => t.externalId)).toEqual(['1']);
    expect(ledger.warnings).toContain('statement in EUR ignored: the account is in USD');
  });
});

describe('pending transactions', () => {
  test('a pending that posts under a new FITID is replaced and linked', () => {
    const d1 = stmt(CARD, '2024-08-01', '2024-08-03', [pending('P-1', '-80.00', '2024-08-03', 'HOTEL')]);
    const d2 = stmt(CARD, '2024-08-01', '2024-08-07', [tx('T-9', '-80.00', '2024-08-06', 'HOTEL PARIS')]);
    const ledger = card([d2, d1]);
    expect(ledger.transactions).toEqual([
      { id: fitidId(CARD_KEY, 'T-9'), externalId: 'T-9', amount: '-80.00', postedAt: at('2024-08-06'), status: 'posted', description: 'HOTEL PARIS', pendingId: fitidId(CARD_KEY, 'P-1') },
    ]);
    expect(ledger.stats.pendingLinked).toBe(1);
  });

  test('a pending that keeps its FITID keeps its id and becomes posted', () => {
    const d1 = stmt(CARD, '2024-08-01', '2024-08-03', [pending('K-1', '-12.00', '2024-08-02', 'TAXI')]);
    const d2 = stmt(CARD, '2024-08-01', '2024-08-07', [tx('K-1', '-12.00', '2024-08-04', 'TAXI')]);
    expect(card([d1, d2]).transactions).toEqual([{ id: fitidId(CARD_KEY, 'K-1'), externalId: 'K-1', amount: '-12.00', postedAt: at('2024-08-04'), status: 'posted', description: 'TAXI' }]);
  });

  test('a pending the newest statement no longer lists, with no posted twin, is dropped', () => {
    const d1 = stmt(CARD, '2024-08-01', '2024-08-03', [pending('P-2', '-1.00', '2024-08-03', 'GAS PUMP PREAUTH')]);
    const d2 = stmt(CARD, '2024-08-01', '2024-08-09', [tx('T-2', '-43.10', '2024-08-05', 'GAS')]);
    const ledger = card([d1, d2]);
    expect(ledger.transactions.map((t) => [t.externalId, t.status])).toEqual([['T-2', 'posted']]);
    expect(ledger.stats.stalePendingDropped).toBe(1);
  });

  test('a pending still listed stays beside an equal posted one from the same statement (two fares)', () => {
    const s = stmt(CARD, '2024-08-01', '2024-08-09', [tx('T-3', '-2.90', '2024-08-08', 'METRO'), pending('P-3', '-2.90', '2024-08-08', 'METRO')]);
    const ledger = card([s]);
    expect(ledger.transactions.map((t) => [t.externalId, t.status, t.pendingId])).toEqual(
      [
        ['P-3', 'pending', undefined],
        ['T-3', 'posted', undefined],
      ].sort((a, b) => (fitidId(CARD_KEY, a[0]!) < fitidId(CARD_KEY, b[0]!) ? -1 : 1)),
    );
  });

  test('a vanished pending is not linked to a posted one its own statement listed beside it', () => {
    const d1 = stmt(CARD, '2024-08-01', '2024-08-08', [tx('T-4', '-2.90', '2024-08-08', 'METRO'), pending('P-4', '-2.90', '2024-08-08', 'METRO')]);
    const d2 = stmt(CARD, '2024-08-01', '2024-08-10', [tx('T-4', '-2.90', '2024-08-08', 'METRO')]); // P-4 was voided
    const ledger = card([d1, d2]);
    expect(ledger.transactions).toEqual([{ id: fitidId(CARD_KEY, 'T-4'), externalId: 'T-4', amount: '-2.90', postedAt: at('2024-08-08'), status: 'posted', description: 'METRO' }]);
  });

  test('pairing is a maximum matching: one pending taking another\'s twin does not strand it', () => {
    // B posts renamed, so B prefers A's same-named twin; A cannot take B's twin (listed together).
    const s1 = stmt(CARD, '2024-09-01', '2024-09-03', [pending('PB', '-4.50', '2024-09-03', 'COFFEE')]);
    const s2 = stmt(CARD, '2024-09-01', '2024-09-05', [tx('TB', '-4.50', '2024-09-05', 'SQ *COFFEE 12'), pending('PA', '-4.50', '2024-09-04', 'COFFEE')]);
    const s3 = stmt(CARD, '2024-09-01', '2024-09-07', [tx('TB', '-4.50', '2024-09-05', 'SQ *COFFEE 12'), tx('TA', '-4.50', '2024-09-06', 'COFFEE')]);
    const ledger = card([s3, s1, s2]);
    expect(ledger.transactions.map((t) => [t.externalId, t.pendingId])).toEqual([
      ['TB', fitidId(CARD_KEY, 'PB')],
      ['TA', fitidId(CARD_KEY, 'PA')],
    ]);
  });
});

test('merging a year of daily 30-day downloads stays fast', () => {
  // 365 downloads of one account with 8 transactions a day, each window 30 days: ~87,000 listed rows.
  const all = Array.from({ length: 365 * 8 }, (_, i) => {
    const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(i / 8) * 86_400_000).toISOString().slice(0, 10);
    return tx(`F${i}`, i % 5 === 0 ? '-4.50' : `-${(i % 97) + 1}.${String(i % 100).padStart(2, '0')}`, day, i % 3 ? 'COFFEE' : 'GROCER');
  });
  const statements = Array.from({ length: 365 }, (_, d) => {
    const end = new Date(Date.UTC(2023, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const start = new Date(Date.UTC(2023, 0, 1) + Math.max(0, d - 29) * 86_400_000).toISOString().slice(0, 10);
    return stmt(CHECKING, start, end, all.filter((t) => t.postedAt.slice(0, 10) >= start && t.postedAt.slice(0, 10) <= end));
  });
  const t0 = performance.now();
  const ledger = checking(statements);
  const ms = performance.now() - t0;
  expect(ledger.stats.sourceTransactions).toBe(statements.reduce((n, s) => n + s.transactions.length, 0));
  expect(ledger.transactions).toHaveLength(all.length);
  expect(ledger.transactions.map((t) => t.externalId).sort()).toEqual(all.map((t) => t.id).sort());
  expect(ms).toBeLessThan(15_000); // measured ~0.5 s; a quadratic regression took minutes
  process.stdout.write(`ledger merge: ${statements.length} statements, ${ledger.stats.sourceTransactions} rows -> ${ledger.transactions.length} transactions in ${ms.toFixed(0)} ms\n`);
});
