/**
 * Property tests of mergeAccount against generated truth histories (see history.ts).
 */
import fc from 'fast-check';
import {
  PENDING_POST_WINDOW_DAYS,
  accountKeyOf,
  fitidId,
  groupByAccount,
  mergeAccount,
  noFitidId,
  type LedgerAccount,
  type LedgerTransaction,
} from '../../lambdas/shared/ledger';
import { parseAmount, sum } from '../../lambdas/shared/money';
import { ACCOUNT, historyArb, isoDay, pendingAt, postedBy, shuffle, statementFor, type History, type TruthTxn } from './history';

const KEY = accountKeyOf(ACCOUNT);
const RUNS = { numRuns: 150 };

function merge(h: History): LedgerAccount {
  const groups = groupByAccount(h.statements);
  expect(groups).toHaveLength(1);
  expect(groups[0].accountKey).toBe(KEY);
  return mergeAccount(groups[0]);
}

const finalDay = (h: History) => h.windows[h.windows.length - 1].end;
const withoutLink = ({ pendingId: _p, ...t }: LedgerTransaction) => t;
const byDateId = (a: { postedAt: string; id: string }, b: { postedAt: string; id: string }) =>
  a.postedAt < b.postedAt ? -1 : a.postedAt > b.postedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
/** Pendings that some download listed and that have posted since, under a new FITID or none. */
const observedThenPosted = (h: History) =>
  h.truth.filter((t) => t.pending && t.postDay <= finalDay(h) && !(t.fitid !== undefined && t.pendingFitid === t.fitid) && h.windows.some((w) => t.startDay <= w.end && w.end < t.postDay));

function expectBookkeeping(h: History, ledger: LedgerAccount) {
  // Ledger balance of the newest download = every posted truth amount up to then.
  expect(ledger.balances.current).toBe(parseAmount(sum(postedBy(h.truth, finalDay(h)).map((t) => t.amount))));
  expect(ledger.reconciliation).toEqual({ ok: true, mismatches: [] });
  expect(new Set(ledger.transactions.map((t) => t.id)).size).toBe(ledger.transactions.length);
  expect([...ledger.transactions].sort(byDateId)).toEqual(ledger.transactions);
}

describe('mergeAccount properties', () => {
  test('overlapping windows with FITIDs reconstruct the truth exactly, pendings included', () => {
    fc.assert(
      fc.property(historyArb({ fitids: true, pendings: true }), (h) => {
        const ledger = merge(h);
        const F = finalDay(h);
        const expected = [
          ...postedBy(h.truth, F).map((t) => ({
            id: fitidId(KEY, t.fitid!),
            externalId: t.fitid,
            amount: parseAmount(t.amount),
            postedAt: isoDay(t.postDay, t.hour),
            status: 'posted',
            description: t.desc,
          })),
          ...pendingAt(h.truth, F).map((t) => ({
            id: fitidId(KEY, t.pendingFitid!),
            externalId: t.pendingFitid,
            amount: parseAmount(t.amount),
            postedAt: isoDay(t.startDay, t.hour),
            status: 'pending',
            description: t.desc,
          })),
        ].sort(byDateId);
        expect(ledger.transactions.map(withoutLink)).toEqual(expected);

        // Every pending that was seen and has posted is linked exactly once, to a plausible twin.
        const linked = ledger.transactions.filter((t) => t.pendingId).map((t) => t.pendingId!);
        const shouldLink = observedThenPosted(h).map((t) => fitidId(KEY, t.pendingFitid!));
        expect([...linked].sort()).toEqual([...shouldLink].sort());
        const pendingById = new Map(h.truth.filter((t) => t.pendingFitid).map((t) => [fitidId(KEY, t.pendingFitid!), t]));
        for (const t of ledger.transactions.filter((x) => x.pendingId)) {
          const p = pendingById.get(t.pendingId!)!;
          expect(parseAmount(p.amount)).toBe(t.amount);
          const wait = (Date.parse(t.postedAt.slice(0, 10)) - Date.parse(isoDay(p.startDay).slice(0, 10))) / 86_400_000;
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(PENDING_POST_WINDOW_DAYS);
        }
        expectBookkeeping(h, ledger);
        expect(ledger.stats.unstableFitidMerges).toBe(0);
      }),
      RUNS,
    );
  });

  test('overlapping windows without FITIDs reconstruct posted history exactly, identical purchases kept', () => {
    fc.assert(
      fc.property(historyArb({ fitids: false, pendings: false }), (h) => {
        const ledger = merge(h);
        // Identical transactions (same amount, day, description) get occurrence 0, 1, ... .
        const seen = new Map<string, number>();
        const expected = postedBy(h.truth, finalDay(h))
          .map((t) => {
            const txn = { amount: parseAmount(t.amount), postedAt: isoDay(t.postDay), status: 'posted' as const, description: t.desc };
            const k = JSON.stringify([txn.amount, txn.postedAt, t.desc.toLowerCase()]);
            const n = seen.get(k) ?? 0;
            seen.set(k, n + 1);
            return { id: noFitidId(KEY, txn, n), ...txn };
          })
          .sort(byDateId);
        expect(ledger.transactions).toEqual(expected);
        expectBookkeeping(h, ledger);
      }),
      RUNS,
    );
  });

  test('without FITIDs, pendings never linger beside their posted twin', () => {
    fc.assert(
      fc.property(historyArb({ fitids: false, pendings: true }), (h) => {
        const ledger = merge(h);
        const F = finalDay(h);
        const content = (t: { amount: string; postedAt: string; status: string; description?: string }) =>
          JSON.stringify([parseAmount(t.amount), t.postedAt, t.status, t.description]);
        const truthContent = [
          ...postedBy(h.truth, F).map((t) => content({ amount: t.amount, postedAt: isoDay(t.postDay), status: 'posted', description: t.desc })),
          ...pendingAt(h.truth, F).map((t) => content({ amount: t.amount, postedAt: isoDay(t.startDay), status: 'pending', description: t.desc })),
        ].sort();
        expect(ledger.transactions.map(content).sort()).toEqual(truthContent);

        // Posted ids are exact; each link points at an id a matching observed pending could have.
        const posted = ledger.transactions.filter((t) => t.status === 'posted');
        const seen = new Map<string, number>();
        const expectedPostedIds = postedBy(h.truth, F).map((t) => {
          const k = JSON.stringify([parseAmount(t.amount), t.postDay, t.desc]);
          const n = seen.get(k) ?? 0;
          seen.set(k, n + 1);
          return noFitidId(KEY, { amount: t.amount, postedAt: isoDay(t.postDay), status: 'posted', description: t.desc }, n);
        });
        expect(posted.map((t) => t.id).sort()).toEqual(expectedPostedIds.sort());
        const links = posted.filter((t) => t.pendingId);
        expect(links).toHaveLength(observedThenPosted(h).length);
        expect(new Set(links.map((t) => t.pendingId)).size).toBe(links.length);
        const occurrences = observedThenPosted(h).map((_, n) => n);
        for (const t of links) {
          const candidates = new Set(
            observedThenPosted(h)
              .filter((p) => parseAmount(p.amount) === t.amount && p.postDay >= 0)
              .filter((p) => {
                const wait = (Date.parse(t.postedAt) - Date.parse(isoDay(p.startDay))) / 86_400_000;
                return wait >= 0 && wait <= PENDING_POST_WINDOW_DAYS;
              })
              // Identical pendings are told apart by occurrence: at most as many as were observed.
              .flatMap((p) => occurrences.map((n) => noFitidId(KEY, { amount: p.amount, postedAt: isoDay(p.startDay), status: 'pending', description: p.desc }, n))),
          );
          expect(candidates.has(t.pendingId!)).toBe(true);
        }
        expectBookkeeping(h, ledger);
      }),
      RUNS,
    );
  });

  test('merging is order-independent and idempotent (permutations, repeats, a statement with itself)', () => {
    const variant = fc.record({ fitids: fc.boolean(), pendings: fc.boolean() }).chain((o) => historyArb(o));
    fc.assert(
      fc.property(variant, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), fc.array(fc.nat({ max: 5 }), { maxLength: 4 }), (h, seeds, repeats) => {
        const base = merge(h);
        const again = [...h.statements, ...repeats.map((i) => h.statements[i % h.statements.length])];
        const scrambled = shuffle(again, seeds).map((s, i) => ({ ...s, transactions: shuffle(s.transactions, seeds.map((x) => x + i)) }));
        expect(merge({ ...h, statements: scrambled })).toEqual(base);
        expect(merge({ ...h, statements: [...h.statements, ...h.statements] })).toEqual(base);
        const one = h.statements[seeds[0] % h.statements.length];
        expect(mergeAccount({ accountKey: KEY, type: 'checking', currency: 'USD', statements: [one, one] })).toEqual(
          mergeAccount({ accountKey: KEY, type: 'checking', currency: 'USD', statements: [one] }),
        );
      }),
      { numRuns: 100 },
    );
  });

  test('a wrong closing balance is flagged with the exact difference', () => {
    fc.assert(
      fc.property(historyArb({ fitids: true, pendings: true }), fc.nat(), fc.integer({ min: -100000, max: 100000 }).filter((c) => c !== 0), (h, pick, cents) => {
        const i = pick % h.statements.length;
        const delta = (BigInt(cents) < 0n ? '-' : '') + (Math.abs(cents) / 100).toFixed(2); // exact for 2-digit cents
        const s = h.statements[i];
        const closing = s.balances.closing!;
        const broken = { ...s, balances: { ...s.balances, closing: { ...closing, amount: sum([closing.amount, delta]) } } };
        const statements = h.statements.map((x, j) => (j === i ? broken : x));
        const ledger = mergeAccount({ accountKey: KEY, type: 'checking', currency: 'USD', statements });
        expect(ledger.reconciliation.ok).toBe(false);
        expect(ledger.reconciliation.mismatches).toEqual([
          {
            statementPeriod: { start: s.period!.start, end: s.period!.end },
            expected: sum([closing.amount, delta]),
            actual: closing.amount,
            difference: parseAmount(delta.startsWith('-') ? delta.slice(1) : '-' + delta),
          },
        ]);
      }),
      { numRuns: 100 },
    );
  });
});

// Keep the helper's contract honest: a statement lists exactly its window.
test('history helper: a window lists the posted transactions of its days and the pendings at its end', () => {
  const truth: TruthTxn[] = [
    { fitid: 'A', amount: '-1.00', desc: 'x', startDay: 1, postDay: 1, hour: 0, pending: false },
    { fitid: 'B', pendingFitid: 'PB', amount: '-2.00', desc: 'y', startDay: 2, postDay: 4, hour: 0, pending: true },
    { fitid: 'C', amount: '-3.00', desc: 'z', startDay: 5, postDay: 5, hour: 0, pending: false },
  ];
  const s = statementFor(truth, { start: 1, end: 3 });
  expect(s.transactions.map((t) => [t.id, t.status])).toEqual([
    ['A', 'posted'],
    ['PB', 'pending'],
  ]);
  expect(s.balances.opening!.amount).toBe('0.00');
  expect(s.balances.closing!.amount).toBe('-1.00');
});
