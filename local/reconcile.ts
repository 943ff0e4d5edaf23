/**
 * Reconciles what LedgerFlow's API holds for a user with the accounts the sandbox bank says it
 * should hold: accounts matched by (mask, type), transactions by externalId (the FITID), every
 * amount, date, status and balance exactly. Used by the soak (summed over users) and the
 * end-to-end tests (every count must be zero).
 */
import type { ApiClient } from './api-client';
import type { TruthAccount } from './bank';

export interface Reconciliation {
  /** Accounts and transactions the bank says should be held. */
  accounts: number;
  transactions: number;
  lostTransactions: number;
  duplicatedTransactions: number;
  /** Held transactions the bank does not have (in matched accounts or in unexpected ones). */
  extraTransactions: number;
  fieldMismatches: number;
  balanceMismatches: number;
  missingAccounts: number;
  extraAccounts: number;
  /** A description of each difference (at most `maxExamples`). */
  examples: string[];
}

export const emptyReconciliation = (): Reconciliation => ({
  accounts: 0,
  transactions: 0,
  lostTransactions: 0,
  duplicatedTransactions: 0,
  extraTransactions: 0,
  fieldMismatches: 0,
  balanceMismatches: 0,
  missingAccounts: 0,
  extraAccounts: 0,
  examples: [],
});

/** Adds `b`'s counts and examples into `a`. */
export function addReconciliation(a: Reconciliation, b: Reconciliation, maxExamples = 10): Reconciliation {
  for (const key of Object.keys(a) as Array<keyof Reconciliation>) {
    if (key !== 'examples') (a[key] as number) += b[key] as number;
  }
  a.examples.push(...b.examples.slice(0, Math.max(0, maxExamples - a.examples.length)));
  return a;
}

/** The number of differences (every count but the totals). */
export const differences = (r: Reconciliation) =>
  r.lostTransactions + r.duplicatedTransactions + r.extraTransactions + r.fieldMismatches + r.balanceMismatches + r.missingAccounts + r.extraAccounts;

export async function reconcileUser(api: ApiClient, userId: string, expected: TruthAccount[], maxExamples = 10): Promise<Reconciliation> {
  const r = emptyReconciliation();
  const example = (text: string) => r.examples.length < maxExamples && r.examples.push(`${userId} ${text}`);
  const held = await api.accounts(userId);
  const transactions = await api.allTransactions(userId);
  const matched = new Set<string>();
  for (const t of expected) {
    r.accounts++;
    r.transactions += t.transactions.length;
    const account = held.find((a) => a.mask === t.mask && a.type === t.type);
    if (!account) {
      r.missingAccounts++;
      r.lostTransactions += t.transactions.length;
      example(`account ${t.type} ${t.mask} missing`);
      continue;
    }
    matched.add(account.id);
    if (account.balances.current !== t.balances.current || account.balances.available !== t.balances.available) {
      r.balanceMismatches++;
      example(`${t.type} ${t.mask}: balances ${JSON.stringify(account.balances)} vs truth ${JSON.stringify(t.balances)}`);
    }
    const byExternal = new Map<string, any[]>();
    for (const x of transactions.filter((x) => x.accountId === account.id)) byExternal.set(x.externalId, [...(byExternal.get(x.externalId) ?? []), x]);
    for (const want of t.transactions) {
      const got = byExternal.get(want.id);
      if (!got) {
        r.lostTransactions++;
        example(`${t.mask}: transaction ${want.id} (${want.amount}, ${want.status}) lost`);
        continue;
      }
      if (got.length > 1) {
        r.duplicatedTransactions += got.length - 1;
        example(`${t.mask}: transaction ${want.id} held ${got.length} times`);
      }
      const g = got[0];
      if (g.amount !== want.amount || g.postedAt !== want.postedAt || g.status !== want.status) {
        r.fieldMismatches++;
        example(`${t.mask}: ${want.id} holds ${g.amount} ${g.postedAt} ${g.status}, truth ${want.amount} ${want.postedAt} ${want.status}`);
      }
    }
    const truthIds = new Set(t.transactions.map((x) => x.id));
    for (const [id, got] of byExternal) {
      if (!truthIds.has(id)) {
        r.extraTransactions += got.length;
        example(`${t.mask}: holds ${id} the bank does not have`);
      }
    }
  }
  for (const a of held) {
    if (matched.has(a.id)) continue;
    r.extraAccounts++;
    const stray = transactions.filter((x) => x.accountId === a.id).length;
    r.extraTransactions += stray;
    example(`unexpected account ${a.type} ${a.mask} with ${stray} transactions`);
  }
  return r;
}
