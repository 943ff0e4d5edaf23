/**
 * Pending transactions. A statement's pending list is a snapshot: what the bank still holds as
 * pending when the statement was made. So:
 *  - a pending listed by the newest statement is still pending and is kept as is;
 *  - a pending the newest statement no longer lists is gone: it posted (then it is linked to its
 *    posted twin, which records `pendingId`) or was cancelled/expired (then it is dropped).
 * A posted twin has the exact amount, a posted day on/after the pending day within
 * PENDING_POST_WINDOW_DAYS, and shares no statement with the pending (one statement listing both
 * means two transactions, e.g. yesterday's fare posted and today's pending). Same payee/description
 * is preferred but not required (banks rename pendings when they post). The pairing is a maximum
 * matching (augmenting paths) so one pending taking another's twin never strands the other.
 * A pending that keeps its FITID when it posts is one cluster already (see cluster.ts): it keeps
 * its id and simply becomes posted.
 */
import type { Cluster } from './cluster';
import type { PreparedTxn } from './statements';
import { PENDING_POST_WINDOW_DAYS, compareTuples, daysBetween } from './util';

export interface PendingResolution {
  /** Cluster index -> cluster index of the pending it replaced. */
  linked: Map<number, number>;
  /** Cluster indexes that leave the ledger (linked or stale pendings). */
  dropped: Set<number>;
  stale: number;
}

/** The member that speaks for a cluster: the newest posted one, else the newest. */
export function representative(c: Cluster): PreparedTxn {
  for (let i = c.members.length - 1; i >= 0; i--) if (c.members[i].status === 'posted') return c.members[i];
  return c.members[c.members.length - 1];
}

export function resolvePending(clusters: Cluster[], newest: number): PendingResolution {
  const isPending = (c: Cluster) => c.members.every((m) => m.status === 'pending');
  const stale = clusters.filter((c) => isPending(c) && !c.stmts.has(newest));
  const posted = clusters.filter((c) => c.members.every((m) => m.status === 'posted'));

  const postedByAmount = new Map<string, Cluster[]>();
  for (const c of posted) {
    const a = representative(c).amount;
    postedByAmount.set(a, [...(postedByAmount.get(a) ?? []), c]);
  }

  // Edges of each stale pending, best first.
  const edges = new Map<Cluster, Cluster[]>();
  for (const p of stale) {
    const rp = representative(p);
    const ranked: { rank: number[]; q: Cluster }[] = [];
    for (const q of postedByAmount.get(rp.amount) ?? []) {
      const rq = representative(q);
      const wait = daysBetween(rp.day, rq.day);
      if (wait < 0 || wait > PENDING_POST_WINDOW_DAYS) continue;
      if ([...p.stmts].some((s) => q.stmts.has(s))) continue;
      const sameParty = rp.parties.some((x) => rq.parties.includes(x));
      ranked.push({ rank: [sameParty ? 0 : 1, wait, q.seq], q });
    }
    ranked.sort((a, b) => compareTuples(a.rank, b.rank));
    edges.set(p, ranked.map((r) => r.q));
  }

  // Kuhn's augmenting paths: pendings in date order, each trying its twins best first.
  const matchOfPosted = new Map<Cluster, Cluster>();
  const tryAssign = (p: Cluster, visited: Set<Cluster>): boolean => {
    for (const q of edges.get(p) ?? []) {
      if (visited.has(q)) continue;
      visited.add(q);
      const holder = matchOfPosted.get(q);
      if (!holder || tryAssign(holder, visited)) {
        matchOfPosted.set(q, p);
        return true;
      }
    }
    return false;
  };
  const order = [...stale].sort((a, b) => compareTuples([representative(a).day, a.seq], [representative(b).day, b.seq]));
  for (const p of order) tryAssign(p, new Set());

  const linked = new Map<number, number>();
  for (const [q, p] of matchOfPosted) linked.set(q.seq, p.seq);
  const dropped = new Set(stale.map((c) => c.seq));
  return { linked, dropped, stale: stale.length - linked.size };
}
