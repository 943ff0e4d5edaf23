/**
 * The ledger: pure functions that turn the normalized statements of one account (many downloads,
 * overlapping windows, repeats, any order) into the stored account, its balances, its transactions
 * and the change feed. No I/O.
 *
 * SIGN CONVENTION
 *   Transaction amounts are signed from the account holder's view for every account type: money
 *   out is negative (a debit, a card purchase, a fee), money in is positive (a deposit, a refund,
 *   a card payment). Balances follow the API convention: for checking/savings/other, `current` is
 *   the ledger balance and `available` the available balance, as the bank states them (negative
 *   when overdrawn); for credit cards `current` is the amount owed, POSITIVE when the holder owes
 *   (OFX writes a card LEDGERBAL negative when owed, so owed = -LEDGERBAL), and `available` is the
 *   credit still available (creditLimit - current). A card purchase of -25.00 raises `current` by 25.00.
 *
 * API
 *   groupByAccount(statements): MergeAccountInput[]
 *     Splits a refresh's statements by account (bankId, account number, type) -> opaque accountKey.
 *   mergeAccount({ accountKey, type, currency, creditLimit?, statements }): LedgerAccount
 *     { accountKey, type, currency, balances: { current?, available?, asOf?, creditLimit? },
 *       transactions: LedgerTransaction[] sorted by (postedAt, id),
 *       reconciliation: { ok, mismatches: [{ statementPeriod, expected, actual, difference }], balanceMismatch? },
 *       warnings: string[], stats }
 *     A pure function of the SET of distinct statements: any order, any repeats give the same result.
 *   diffTransactions(stored, next): { added, modified, removed }   exact by id (diff.ts)
 *   applyDiff(stored, diff): LedgerTransaction[]                    stored + diff = next
 *
 * HOW A MERGE WORKS (details in each module's header)
 *   1. statements.ts: drop other-currency statements (warning), collapse identical re-downloads
 *      (content hash ignoring download time and transaction order), order statements oldest ->
 *      newest by (as-of date, download time, content hash). The last one is "the newest statement".
 *   2. cluster.ts: deduplicate across statements, one-to-one, never within one statement:
 *      by (account, FITID); else, when either side lacks a FITID, exact amount + same status +
 *      dates within DEDUPE_WINDOW_DAYS (3) inside both statements' windows (pendings: same day),
 *      preferring the same payee/description; never on description alone. FITIDs that change
 *      between downloads are merged only on strong evidence (same amount and payee/description,
 *      inside both explicit periods, neither statement knowing the other's FITID), counted in
 *      stats.unstableFitidMerges and warned about; otherwise they stay two transactions.
 *   3. ids.ts: "txn_" + 20 hex of sha256 over (accountKey, FITID of the oldest statement that gave
 *      one) or, without FITID, (accountKey, amount, posted day, payee/description, status,
 *      occurrence among identical ones). Independent of input order and repeats.
 *   4. pending.ts: a pending the newest statement still lists stays. One it no longer lists is
 *      linked to its posted twin (exact amount, posted 0..PENDING_POST_WINDOW_DAYS (5) days
 *      later, no statement listing both; maximum matching) which gets pendingId, or dropped.
 *   5. balances.ts / reconcile.ts: balances from the newest statement stating them; card owed =
 *      last closing + posted since, cross-checked with LEDGERBAL (reconciliation.balanceMismatch);
 *      every statement with opening and closing must satisfy opening + posted = closing.
 *
 * CALLER'S NOTE: the ledger is a function of the statements it is given. Transactions only appear
 * in it while some given statement lists them, so feed every retained statement of the account,
 * not just the latest refresh's.
 */
import type { NormalizedTransaction } from '../model';
import { parseAmount } from '../money';
import { clusterTransactions } from './cluster';
import { assignIds } from './ids';
import { representative, resolvePending } from './pending';
import { computeBalances } from './balances';
import { reconcileStatements } from './reconcile';
import { prepareStatements } from './statements';
import { sortTransactions } from './diff';
import type { LedgerAccount, LedgerTransaction, MergeAccountInput } from './types';

export * from './types';
export { accountKeyOf, groupByAccount } from './group';
export { applyDiff, diffTransactions, isEmptyDiff, sortTransactions } from './diff';
export type { TransactionDiff } from './diff';
export { fitidId, noFitidId } from './ids';
export { DEDUPE_WINDOW_DAYS, PENDING_POST_WINDOW_DAYS } from './util';

export function mergeAccount(input: MergeAccountInput): LedgerAccount {
  const warnings: string[] = [];
  const stmts = prepareStatements(input.statements, input.currency, warnings);
  for (const s of stmts) {
    if (s.source.account.type !== input.type) warnings.push(`statement account type ${s.source.account.type} differs from ${input.type}`);
  }
  const { clusters, unstableFitidMerges } = clusterTransactions(stmts, warnings);
  const ids = assignIds(input.accountKey, clusters);
  const pending = resolvePending(clusters, stmts.length - 1);

  const transactions: LedgerTransaction[] = [];
  for (const c of clusters) {
    if (pending.dropped.has(c.seq)) continue;
    const rep = representative(c);
    const externalId = rep.fitid ?? c.members.find((m) => m.fitid)?.fitid;
    const linked = pending.linked.get(c.seq);
    transactions.push(toLedger(ids[c.seq], rep.source, externalId, linked !== undefined ? ids[linked] : undefined));
  }
  const sorted = sortTransactions(transactions);

  const { balances, balanceMismatch } = computeBalances(input.type, input.creditLimit, stmts, sorted, warnings);
  const mismatches = reconcileStatements(stmts);
  for (const m of mismatches) {
    warnings.push(`statement ${m.statementPeriod.start ?? '?'}..${m.statementPeriod.end ?? '?'} does not reconcile: opening + transactions = ${m.actual}, closing = ${m.expected}`);
  }
  return {
    accountKey: input.accountKey,
    type: input.type,
    currency: input.currency,
    balances,
    transactions: sorted,
    reconciliation: { ok: mismatches.length === 0 && !balanceMismatch, mismatches, ...(balanceMismatch ? { balanceMismatch } : {}) },
    warnings: [...new Set(warnings)],
    stats: {
      statements: stmts.length,
      sourceTransactions: stmts.reduce((n, s) => n + s.txns.length, 0),
      pendingLinked: pending.linked.size,
      stalePendingDropped: pending.stale,
      unstableFitidMerges,
    },
  };
}

function toLedger(id: string, t: NormalizedTransaction, externalId: string | undefined, pendingId: string | undefined): LedgerTransaction {
  const out: LedgerTransaction = { id, amount: parseAmount(t.amount), postedAt: t.postedAt, status: t.status };
  if (externalId !== undefined) out.externalId = externalId;
  if (t.description !== undefined) out.description = t.description;
  if (t.memo !== undefined) out.memo = t.memo;
  if (t.payee !== undefined) out.payee = t.payee;
  if (t.kind !== undefined) out.kind = t.kind;
  if (t.reference !== undefined) out.reference = t.reference;
  if (pendingId !== undefined) out.pendingId = pendingId;
  return out;
}
