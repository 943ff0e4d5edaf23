/**
 * Puts the statements of one account into a canonical form the rest of the ledger can rely on:
 * identical re-downloads collapsed, statements ordered oldest -> newest by a total order that does
 * not depend on input order, transactions inside a statement in a canonical order.
 */
import type { NormalizedTransaction, TransactionStatus } from '../model';
import { parseAmount } from '../money';
import type { LedgerStatement } from './types';
import { idNameOf } from './ids';
import { canonicalJson, compareTuples, dayNumber, dayOf, maxIso, normText, sha256 } from './util';

export interface DayRange {
  start: string; // YYYY-MM-DD, inclusive
  end: string; // YYYY-MM-DD, inclusive
}

export interface PreparedTxn {
  /** Canonical index of the statement it came from. */
  stmt: number;
  /** Canonical position inside that statement. */
  pos: number;
  fitid?: string;
  amount: string;
  day: string;
  /** `day` as whole days since 1970-01-01, for cheap distance checks. */
  dayNum: number;
  status: TransactionStatus;
  /** Normalized payee and description (non-empty ones), for "same party" checks. */
  parties: string[];
  /** Name used in no-FITID ids: payee, else description, else memo. */
  idName: string;
  source: NormalizedTransaction;
}

export interface PreparedStatement {
  /** 0 = oldest; the last one is the account's newest statement. */
  index: number;
  hash: string;
  /** Latest of ledger/available/closing balance dates and period end ('' when none). */
  asOf: string;
  receivedAt?: string;
  source: LedgerStatement;
  txns: PreparedTxn[];
  fitids: Set<string>;
  /** Days the statement's period states explicitly (both ends), if it does. */
  period?: DayRange;
  /** Days the statement is taken to list completely: its period, else the span of its posted transactions. */
  coverage?: DayRange;
}

export function prepareStatements(statements: LedgerStatement[], currency: string, warnings: string[]): PreparedStatement[] {
  const byHash = new Map<string, { s: LedgerStatement; txnJson: string[] }>();
  for (const s of statements) {
    if (s.account.currency !== currency) {
      warnings.push(`statement in ${s.account.currency} ignored: the account is in ${currency}`);
      continue;
    }
    const txnJson = s.transactions.map(canonicalJson);
    const hash = hashOf(s, txnJson);
    const seen = byHash.get(hash);
    // Identical content downloaded twice: keep one, remember the later download time.
    if (!seen || (s.receivedAt ?? '') > (seen.s.receivedAt ?? '')) byHash.set(hash, { s, txnJson });
  }
  const keyed = [...byHash.entries()].map(([hash, v]) => ({ hash, ...v, asOf: statementAsOf(v.s) }));
  keyed.sort((a, b) => compareTuples([a.asOf, a.s.receivedAt ?? '', a.hash], [b.asOf, b.s.receivedAt ?? '', b.hash]));
  return keyed.map(({ hash, s, txnJson, asOf }, index) => prepareOne(s, txnJson, hash, asOf, index));
}

/** Content hash of a statement: download time and the order of its transactions do not count. */
export const statementHash = (s: LedgerStatement): string => hashOf(s, s.transactions.map(canonicalJson));

function hashOf(s: LedgerStatement, txnJson: string[]): string {
  const { receivedAt: _receivedAt, transactions: _transactions, ...rest } = s;
  return sha256(canonicalJson({ ...rest, transactions: [...txnJson].sort() }));
}

/** When a statement's information is from: its newest balance date or period end. */
export function statementAsOf(s: LedgerStatement): string {
  const b = s.balances;
  const stated = maxIso([b.ledger?.asOf, b.available?.asOf, b.closing?.asOf, s.period?.end]);
  return stated ?? maxIso(s.transactions.map((t) => t.postedAt)) ?? '';
}

function prepareOne(s: LedgerStatement, txnJson: string[], hash: string, asOf: string, index: number): PreparedStatement {
  const txns = s.transactions
    .map((t, i) => {
      const amount = parseAmount(t.amount);
      const fitid = t.id?.trim() || undefined;
      return { t, amount, fitid, key: [t.postedAt, amount, fitid ?? '', t.status, txnJson[i]] };
    })
    .sort((a, b) => compareTuples(a.key, b.key))
    .map(({ t, amount, fitid }, pos): PreparedTxn => {
      const parties = [normText(t.payee), normText(t.description)].filter((p) => p !== '');
      return {
        stmt: index,
        pos,
        fitid,
        amount,
        day: dayOf(t.postedAt),
        dayNum: dayNumber(t.postedAt),
        status: t.status,
        parties,
        idName: idNameOf(t),
        source: t,
      };
    });
  const postedDays = txns.filter((t) => t.status === 'posted').map((t) => t.day).sort();
  const start = s.period?.start ? dayOf(s.period.start) : undefined;
  const end = s.period?.end ? dayOf(s.period.end) : undefined;
  const period = start && end ? { start, end } : undefined;
  const covStart = start ?? postedDays[0];
  const covEnd = end ?? postedDays[postedDays.length - 1];
  return {
    index,
    hash,
    asOf,
    receivedAt: s.receivedAt,
    source: s,
    txns,
    fitids: new Set(txns.flatMap((t) => (t.fitid ? [t.fitid] : []))),
    period,
    coverage: covStart && covEnd && covStart <= covEnd ? { start: covStart, end: covEnd } : undefined,
  };
}

export const inRange = (r: DayRange | undefined, day: string): boolean => !!r && r.start <= day && day <= r.end;
