/**
 * Test helper: a random "truth" transaction history of one account and the statements a bank
 * would have served for overlapping download windows of it. Not a test file itself.
 *
 * Truth model (days are integers from DAY0):
 *  - a transaction starts on startDay; a pending one is listed as pending by every download made on
 *    a day T with startDay <= T < postDay, then posted on postDay (postDay - startDay <= the pending
 *    window); a non-pending one posts on startDay.
 *  - a download on day T with window [start, T] lists every transaction that posted in the window
 *    (complete windows) plus the full snapshot of pendings at T.
 *  - windows overlap or touch, so together they cover every day from 0 to the last download.
 */
import fc from 'fast-check';
import type { NormalizedStatement, NormalizedTransaction } from '../../lambdas/shared/model';
import { parseAmount, sum } from '../../lambdas/shared/money';
import { PENDING_POST_WINDOW_DAYS, type LedgerStatement } from '../../lambdas/shared/ledger';

export const DAY0 = Date.UTC(2024, 0, 1);
export const isoDay = (day: number, hour = 0) => new Date(DAY0 + day * 86_400_000 + hour * 3_600_000).toISOString();

export interface TruthTxn {
  fitid?: string;
  pendingFitid?: string;
  amount: string;
  desc: string;
  startDay: number;
  postDay: number;
  hour: number;
  pending: boolean;
}

export interface Window {
  start: number;
  end: number;
}

export interface History {
  truth: TruthTxn[];
  windows: Window[];
  statements: LedgerStatement[];
}

export const ACCOUNT = { id: '000123456', bankId: '011000015', type: 'checking' as const, currency: 'USD' };

const MAX_DAY = 40;

interface Options {
  fitids: boolean;
  pendings: boolean;
}

const truthItem = fc.record({
  amount: fc.constantFrom('-4.50', '-12.00', '100.00', '-0.99', '-4.5'),
  desc: fc.constantFrom('COFFEE SHOP', 'Book Store', 'PAYROLL'),
  startDay: fc.integer({ min: 0, max: MAX_DAY }),
  lag: fc.integer({ min: 0, max: PENDING_POST_WINDOW_DAYS }),
  pending: fc.boolean(),
  keepsFitid: fc.boolean(),
  copies: fc.integer({ min: 1, max: 3 }),
  hour: fc.integer({ min: 0, max: 23 }),
});

const windowsArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 0, max: MAX_DAY }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }))
  .map(([ends, seeds]) => {
    const sorted = [...ends].sort((a, b) => a - b);
    let prevEnd = -1;
    return sorted.map((end, i) => {
      const start = Math.min(end, seeds[i] % (prevEnd + 2)); // <= prevEnd + 1: no gap
      prevEnd = end;
      return { start, end };
    });
  });

export function historyArb(opts: Options): fc.Arbitrary<History> {
  return fc.tuple(fc.array(truthItem, { maxLength: 18 }), windowsArb).map(([items, windows]) => {
    const truth: TruthTxn[] = [];
    let n = 0;
    for (const it of items) {
      for (let c = 0; c < it.copies; c++) {
        n++;
        const pending = opts.pendings && it.pending && it.lag > 0;
        const fitid = opts.fitids ? `P${String(n).padStart(4, '0')}` : undefined;
        truth.push({
          fitid,
          pendingFitid: pending && opts.fitids ? (it.keepsFitid ? fitid : `Q${String(n).padStart(4, '0')}`) : undefined,
          amount: it.amount,
          desc: it.desc,
          startDay: it.startDay,
          postDay: pending ? it.startDay + it.lag : it.startDay,
          // Date-only formats (no FITID) carry no time of day.
          hour: opts.fitids ? it.hour : 0,
          pending,
        });
      }
    }
    return { truth, windows, statements: windows.map((w) => statementFor(truth, w)) };
  });
}

export function postedBy(truth: TruthTxn[], day: number, from = 0): TruthTxn[] {
  return truth.filter((t) => t.postDay >= from && t.postDay <= day);
}

export function pendingAt(truth: TruthTxn[], day: number): TruthTxn[] {
  return truth.filter((t) => t.pending && t.startDay <= day && day < t.postDay);
}

export function statementFor(truth: TruthTxn[], w: Window): LedgerStatement {
  const posted: NormalizedTransaction[] = postedBy(truth, w.end, w.start).map((t) => ({
    ...(t.fitid ? { id: t.fitid } : {}),
    amount: t.amount,
    postedAt: isoDay(t.postDay, t.hour),
    status: 'posted',
    description: t.desc,
  }));
  const pending: NormalizedTransaction[] = pendingAt(truth, w.end).map((t) => ({
    ...(t.pendingFitid ? { id: t.pendingFitid } : {}),
    amount: t.amount,
    postedAt: isoDay(t.startDay, t.hour),
    status: 'pending',
    description: t.desc,
  }));
  // money.sum([]) returns '0' (not canonical), so canonicalize.
  const balanceAt = (day: number) => parseAmount(sum(postedBy(truth, day).map((t) => t.amount)));
  const statement: NormalizedStatement = {
    format: 'ofx',
    account: { ...ACCOUNT },
    period: { start: isoDay(w.start), end: isoDay(w.end, 23) },
    balances: {
      ledger: { amount: balanceAt(w.end), asOf: isoDay(w.end, 23) },
      opening: { amount: balanceAt(w.start - 1), asOf: isoDay(w.start) },
      closing: { amount: balanceAt(w.end), asOf: isoDay(w.end, 23) },
    },
    transactions: [...posted, ...pending],
  };
  return { ...statement, receivedAt: isoDay(w.end, 23) };
}

/** Deterministic shuffle driven by fast-check's seeds (so failures replay). */
export function shuffle<T>(xs: T[], seeds: number[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seeds[i % Math.max(1, seeds.length)] ?? 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
