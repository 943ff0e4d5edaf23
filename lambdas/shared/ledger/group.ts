/**
 * Groups the statements of a refresh by account. An account is (bankId, account number, type);
 * its key is opaque (a hash), so account numbers never end up in table keys, logs or events.
 * Callers scope it further (user, connection) in their own keys.
 */
import type { StatementAccount } from '../model';
import type { LedgerStatement, MergeAccountInput } from './types';
import { compareTuples, hashId } from './util';
import { statementAsOf, statementHash } from './statements';

export function accountKeyOf(account: Pick<StatementAccount, 'bankId' | 'id' | 'type'>): string {
  return hashId('acct_', [account.bankId?.trim() ?? '', account.id.trim(), account.type]);
}

/**
 * One mergeAccount input per account, sorted by accountKey. The currency is the one of the
 * account's newest statement (statements in another currency are then left out by mergeAccount);
 * mergeAccount reads the credit limit from the statements itself.
 */
export function groupByAccount(statements: LedgerStatement[]): MergeAccountInput[] {
  const groups = new Map<string, LedgerStatement[]>();
  for (const s of statements) {
    const key = accountKeyOf(s.account);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([accountKey, list]) => {
      const newest = list.reduce((best, s) => (compareTuples(recency(s), recency(best)) > 0 ? s : best));
      return { accountKey, type: newest.account.type, currency: newest.account.currency, statements: list };
    });
}

/** Same total order as prepareStatements: as-of date, download time, content. */
const recency = (s: LedgerStatement): string[] => [statementAsOf(s), s.receivedAt ?? '', statementHash(s)];
