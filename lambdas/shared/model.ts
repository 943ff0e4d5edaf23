/**
 * The normalized statement model: what every parser (OFX, CAMT.053, MT940) produces and what the
 * ledger consumes. Defined once; documented in README.md ("Normalized statement").
 *
 * Conventions:
 * - Amounts are canonical decimal strings (see money.ts), signed from the account holder's point
 *   of view as the institution wrote them: money out (a debit, a card purchase) is negative,
 *   money in (a deposit, a card payment) is positive.
 * - Statement balances keep the institution's sign too (an OFX card LEDGERBAL of -120.00 means
 *   120.00 owed). The ledger converts to the API convention (card `current` = amount owed, positive).
 * - Dates are ISO 8601 UTC timestamps as produced by Date#toISOString()
 *   ("2023-01-05T17:00:00.000Z"). A source date without a time or zone means 00:00 UTC (the OFX
 *   spec's default); a written offset ("[-5:EST]", "+01:00") is honoured.
 * - Identifiers (FITIDs, account numbers) are strings exactly as written: leading zeros kept.
 * - Fields a source cannot fill are omitted, never given made-up values.
 */

export type StatementFormat = 'ofx' | 'camt053' | 'mt940';
export type AccountType = 'checking' | 'savings' | 'credit_card' | 'other';
export type TransactionStatus = 'posted' | 'pending';

export interface Balance {
  amount: string;
  asOf?: string;
}

export interface StatementAccount {
  /** The institution's account number or IBAN, exactly as written. */
  id: string;
  type: AccountType;
  /** ISO 4217 code. */
  currency: string;
  /** Bank routing / BIC / institution id, when the source gives one. */
  bankId?: string;
  /** Credit limit of a card account, when the source gives one. */
  creditLimit?: string;
}

/** One closed billing period of a card (OFX 2.x CCCLOSING). */
export interface StatementClosing {
  id?: string;
  periodStart?: string;
  periodEnd: string;
  opening?: string;
  closing: string;
  paymentDue?: string;
  minimumPayment?: string;
  creditLimit?: string;
}

export interface NormalizedTransaction {
  /** The institution's transaction id (OFX FITID, CAMT AcctSvcrRef/NtryRef, MT940 reference). Omitted when absent or blank. */
  id?: string;
  amount: string;
  postedAt: string;
  status: TransactionStatus;
  description?: string;
  memo?: string;
  /** Payee / counterparty name when the source distinguishes it from the description. */
  payee?: string;
  /** Source transaction type (OFX TRNTYPE, CAMT bank transaction code, MT940 type code). */
  kind?: string;
  /** Check number / end-to-end reference, when present. */
  reference?: string;
}

export interface NormalizedStatement {
  format: StatementFormat;
  account: StatementAccount;
  period?: { start?: string; end?: string };
  balances: {
    ledger?: Balance;
    available?: Balance;
    opening?: Balance;
    closing?: Balance;
  };
  closings?: StatementClosing[];
  transactions: NormalizedTransaction[];
}

export interface ParsedFile {
  statements: NormalizedStatement[];
}
