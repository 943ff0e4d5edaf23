/**
 * Account balances in the API convention (see index.ts for the full sign convention).
 *  - Bank accounts: current = the ledger balance (closing balance when a format has no ledger
 *    balance), available = the available balance or omitted; both from the newest statement that
 *    states them.
 *  - Cards: current = amount owed, positive. Statements write card balances from the holder's view
 *    (OFX LEDGERBAL -120.00 = 120.00 owed), so owed = -balance. Two sources:
 *      computed = owed at the last closing (latest CCCLOSING or statement closing balance)
 *                 - sum(posted transactions on days after that closing's period end)
 *      ledger   = -(newest LEDGERBAL)
 *    The ledger figure wins when present and not older than the closing; a disagreement is flagged
 *    as reconciliation.balanceMismatch. If the LEDGERBAL equals the computed figure with the sign
 *    flipped (an issuer writing owed as positive), the computed figure is used and a warning says so.
 *    available = creditLimit - current when the limit is known, else the statement's AVAILBAL.
 */
import type { AccountType } from '../model';
import { equals, negate, parseAmount, subtract, sum } from '../money';
import type { PreparedStatement } from './statements';
import type { BalanceMismatch, LedgerBalances, LedgerTransaction } from './types';
import { dayOf, maxIso } from './util';

export interface BalanceResult {
  balances: LedgerBalances;
  balanceMismatch?: BalanceMismatch;
}

const newestWith = (stmts: PreparedStatement[], has: (s: PreparedStatement) => boolean) => [...stmts].reverse().find(has);

export function computeBalances(
  type: AccountType,
  creditLimitInput: string | undefined,
  stmts: PreparedStatement[],
  txns: LedgerTransaction[],
  warnings: string[],
): BalanceResult {
  if (stmts.length === 0) return { balances: {} };
  return type === 'credit_card' ? cardBalances(creditLimitInput, stmts, txns, warnings) : bankBalances(stmts, warnings);
}

function bankBalances(stmts: PreparedStatement[], warnings: string[]): BalanceResult {
  const s = newestWith(stmts, (x) => !!(x.source.balances.ledger ?? x.source.balances.closing));
  if (!s) return { balances: {} };
  if (s !== stmts[stmts.length - 1]) warnings.push('newest statement states no ledger balance; balances are from an older statement');
  const b = s.source.balances;
  const ledger = (b.ledger ?? b.closing)!;
  return {
    balances: omitUndefined({
      current: parseAmount(ledger.amount),
      available: b.available ? parseAmount(b.available.amount) : undefined,
      asOf: ledger.asOf ?? (s.asOf || undefined),
    }),
  };
}

interface Closing {
  end: string;
  amount: string;
  creditLimit?: string;
}

/** Latest closed period of the card over all statements: CCCLOSING entries and closing balances. */
function lastClosing(stmts: PreparedStatement[]): Closing | undefined {
  let best: Closing | undefined;
  for (const s of stmts) {
    const found: Closing[] = (s.source.closings ?? []).map((c) => ({ end: c.periodEnd, amount: c.closing, creditLimit: c.creditLimit }));
    const close = s.source.balances.closing;
    const end = close?.asOf ?? s.source.period?.end;
    if (close && end) found.push({ end, amount: close.amount });
    for (const c of found) if (!best || dayOf(c.end) > dayOf(best.end)) best = c;
  }
  return best;
}

function cardBalances(limitInput: string | undefined, stmts: PreparedStatement[], txns: LedgerTransaction[], warnings: string[]): BalanceResult {
  const newest = stmts[stmts.length - 1];
  const closing = lastClosing(stmts);
  let computed: string | undefined;
  if (closing) {
    const closedDay = dayOf(closing.end);
    const since = txns.filter((t) => t.status === 'posted' && dayOf(t.postedAt) > closedDay).map((t) => t.amount);
    computed = subtract(negate(closing.amount), sum(since));
    if (!covers(stmts, closedDay, dayOf(newest.asOf || closing.end))) {
      warnings.push(`statements do not cover every day since the closing of ${closedDay}; the computed card balance may miss transactions`);
    }
  }
  const ledgerStmt = newestWith(stmts, (x) => !!x.source.balances.ledger);
  const ledger = ledgerStmt?.source.balances.ledger;
  const ledgerAsOf = ledger ? ledger.asOf ?? ledgerStmt!.asOf : undefined;

  let current: string | undefined;
  let asOf: string | undefined;
  let balanceMismatch: BalanceMismatch | undefined;
  if (ledger && (!closing || !ledgerAsOf || dayOf(ledgerAsOf) >= dayOf(closing.end))) {
    const owed = negate(ledger.amount);
    current = owed;
    asOf = ledgerAsOf || undefined;
    if (computed !== undefined && !equals(owed, computed)) {
      if (equals(ledger.amount, computed)) {
        current = computed;
        warnings.push('card LEDGERBAL is written positive when owed; used closing + posted since instead');
      } else {
        balanceMismatch = { ledger: owed, computed, difference: subtract(owed, computed), closingPeriodEnd: closing!.end };
        warnings.push(`card balance mismatch: LEDGERBAL says ${owed} owed, last closing + posted since says ${computed}`);
      }
    }
  } else if (computed !== undefined) {
    current = computed;
    asOf = maxIso([newest.asOf || undefined, closing!.end]);
  }

  const limitRaw = limitInput ?? newestWith(stmts, (x) => !!x.source.account.creditLimit)?.source.account.creditLimit ?? closing?.creditLimit;
  const creditLimit = limitRaw !== undefined ? parseAmount(limitRaw) : undefined;
  let available: string | undefined;
  if (creditLimit !== undefined && current !== undefined) available = subtract(creditLimit, current);
  else {
    const a = (ledgerStmt ?? newest).source.balances.available ?? newestWith(stmts, (x) => !!x.source.balances.available)?.source.balances.available;
    if (a) available = parseAmount(a.amount);
  }
  return { balances: omitUndefined({ current, available, asOf, creditLimit }), balanceMismatch };
}

/** Whether the union of the statements' coverage includes every day after `from` up to `to`. */
function covers(stmts: PreparedStatement[], from: string, to: string): boolean {
  const ranges = stmts.flatMap((s) => (s.coverage ? [s.coverage] : [])).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let reached = from; // every day <= reached is accounted for
  for (const r of ranges) {
    if (r.start > nextDay(reached)) break;
    if (r.end > reached) reached = r.end;
  }
  return reached >= to;
}

function nextDay(day: string): string {
  return new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
}

function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
