/**
 * Deterministic transaction ids: "txn_" + 20 hex of sha256, salted by the account key so equal
 * FITIDs of two accounts never collide.
 *  - With a FITID: from (accountKey, FITID). The FITID is the one of the oldest statement that
 *    gave one, so later downloads never change the id.
 *  - Without: from (accountKey, amount, posted day, payee/description, status, occurrence), where
 *    occurrence numbers identical transactions (same everything) in the order they were first seen.
 *    Status is part of the key so a pending and its posted twin never share an id.
 * Both forms carry an occurrence index so a FITID repeated inside one statement still gives
 * distinct ids. Statements are processed in canonical order, so ids do not depend on input order
 * nor on how often a statement was merged.
 */
import type { NormalizedTransaction } from '../model';
import { parseAmount } from '../money';
import type { Cluster } from './cluster';
import { dayOf, hashId, normText } from './util';

/** The name a no-FITID id uses: payee, else description, else memo, normalized. */
export const idNameOf = (t: Pick<NormalizedTransaction, 'payee' | 'description' | 'memo'>): string =>
  normText(t.payee) || normText(t.description) || normText(t.memo);

export function clusterIdKey(c: Cluster): unknown[] {
  const withFitid = c.members.find((m) => m.fitid);
  if (withFitid) return ['fitid', withFitid.fitid];
  const first = c.members[0];
  return ['nofitid', first.amount, first.day, first.idName, first.status];
}

/** Ids of the clusters, indexed like `clusters` (which is in creation order). */
export function assignIds(accountKey: string, clusters: Cluster[]): string[] {
  const occurrences = new Map<string, number>();
  return clusters.map((c) => {
    const key = clusterIdKey(c);
    const k = JSON.stringify(key);
    const n = occurrences.get(k) ?? 0;
    occurrences.set(k, n + 1);
    return transactionId(accountKey, key, n);
  });
}

export function transactionId(accountKey: string, key: unknown[], occurrence: number): string {
  return hashId('txn_', [accountKey, ...key, occurrence]);
}

/** The id a transaction without FITID gets, `occurrence` among identical ones (0 = first seen). */
export function noFitidId(accountKey: string, t: Pick<NormalizedTransaction, 'amount' | 'postedAt' | 'status' | 'payee' | 'description' | 'memo'>, occurrence = 0): string {
  return transactionId(accountKey, ['nofitid', parseAmount(t.amount), dayOf(t.postedAt), idNameOf(t), t.status], occurrence);
}

export function fitidId(accountKey: string, fitid: string, occurrence = 0): string {
  return transactionId(accountKey, ['fitid', fitid], occurrence);
}
