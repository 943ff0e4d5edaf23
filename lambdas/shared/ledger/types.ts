import type { AccountType, NormalizedStatement, TransactionStatus } from '../model';

/** A statement as the ledger receives it: the normalized statement plus when it was downloaded. */
export type LedgerStatement = NormalizedStatement & { receivedAt?: string };

export interface MergeAccountInput {
  /** Opaque key of the account (see accountKeyOf); it salts every transaction id. */
  accountKey: string;
  type: AccountType;
  currency: string;
  /** Known credit limit of a card; overrides what the statements say. */
  creditLimit?: string;
  statements: LedgerStatement[];
}

export interface LedgerTransaction {
  /** Deterministic id ("txn_" + 20 hex), see ids.ts. */
  id: string;
  /** The institution's FITID as the newest statement wrote it. */
  externalId?: string;
  /** Canonical decimal, signed from the holder's view: money out negative, for every account type. */
  amount: string;
  /** Posted date, or for a pending transaction the date it became pending. */
  postedAt: string;
  status: TransactionStatus;
  description?: string;
  memo?: string;
  payee?: string;
  kind?: string;
  reference?: string;
  /** Id of the pending transaction this posted one replaced (the pending is no longer listed). */
  pendingId?: string;
}

export interface StatementMismatch {
  statementPeriod: { start?: string; end?: string };
  /** The closing balance the statement states. */
  expected: string;
  /** opening + sum(posted transactions of the statement). */
  actual: string;
  /** actual - expected. */
  difference: string;
}

/** A card's newest LEDGERBAL disagrees with last closing + posted since. */
export interface BalanceMismatch {
  /** Amount owed per the newest LEDGERBAL (API convention, positive = owed). */
  ledger: string;
  /** Amount owed per last closing + posted since. */
  computed: string;
  /** ledger - computed. */
  difference: string;
  closingPeriodEnd: string;
}

export interface LedgerBalances {
  current?: string;
  available?: string;
  asOf?: string;
  creditLimit?: string;
}

export interface LedgerStats {
  /** Distinct statements merged (identical re-downloads count once). */
  statements: number;
  /** Transactions listed across those statements. */
  sourceTransactions: number;
  /** Pending transactions replaced by their posted twin. */
  pendingLinked: number;
  /** Pending transactions dropped because the newest statement no longer lists them and no twin posted. */
  stalePendingDropped: number;
  /** Posted transactions merged although their FITIDs differ (unstable-FITID heuristic). */
  unstableFitidMerges: number;
}

export interface LedgerAccount {
  accountKey: string;
  type: AccountType;
  currency: string;
  balances: LedgerBalances;
  transactions: LedgerTransaction[];
  reconciliation: { ok: boolean; mismatches: StatementMismatch[]; balanceMismatch?: BalanceMismatch };
  warnings: string[];
  stats: LedgerStats;
}
