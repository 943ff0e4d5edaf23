/**
 * The change feed between the stored ledger and the next one, exact by transaction id:
 *  - added:    ids only in `next`;
 *  - modified: ids in both whose fields differ in any way (the `next` version is returned);
 *  - removed:  ids only in `stored` (the stored version is returned).
 * Pending -> posted: when the bank keeps the FITID the id stays and the transaction shows up in
 * `modified` (status pending -> posted). When the posted one has another FITID (or none), the
 * pending's id is `removed` and the posted one is `added` with `pendingId` = the removed id, so a
 * client can replace it in place.
 */
import type { LedgerTransaction } from './types';
import { canonicalJson } from './util';

export interface TransactionDiff {
  added: LedgerTransaction[];
  modified: LedgerTransaction[];
  removed: LedgerTransaction[];
}

export function diffTransactions(stored: LedgerTransaction[], next: LedgerTransaction[]): TransactionDiff {
  const before = byId(stored, 'stored');
  const after = byId(next, 'next');
  const added: LedgerTransaction[] = [];
  const modified: LedgerTransaction[] = [];
  const removed: LedgerTransaction[] = [];
  for (const [id, t] of after) {
    const old = before.get(id);
    if (!old) added.push(t);
    else if (canonicalJson(old) !== canonicalJson(t)) modified.push(t);
  }
  for (const [id, t] of before) if (!after.has(id)) removed.push(t);
  return { added: sortTransactions(added), modified: sortTransactions(modified), removed: sortTransactions(removed) };
}

/** stored + diff -> next (sorted like a ledger). */
export function applyDiff(stored: LedgerTransaction[], diff: TransactionDiff): LedgerTransaction[] {
  const out = byId(stored, 'stored');
  for (const t of diff.removed) out.delete(t.id);
  for (const t of [...diff.added, ...diff.modified]) out.set(t.id, t);
  return sortTransactions([...out.values()]);
}

export const isEmptyDiff = (d: TransactionDiff): boolean => d.added.length === 0 && d.modified.length === 0 && d.removed.length === 0;

/** Ledger order: postedAt, then id. */
export function sortTransactions(txns: LedgerTransaction[]): LedgerTransaction[] {
  return [...txns].sort((a, b) => (a.postedAt < b.postedAt ? -1 : a.postedAt > b.postedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function byId(txns: LedgerTransaction[], side: string): Map<string, LedgerTransaction> {
  const m = new Map<string, LedgerTransaction>();
  for (const t of txns) {
    if (m.has(t.id)) throw new Error(`duplicate transaction id ${t.id} in ${side} ledger`);
    m.set(t.id, t);
  }
  return m;
}
