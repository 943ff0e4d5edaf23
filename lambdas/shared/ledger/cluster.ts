/**
 * Cross-statement deduplication. Statements are taken oldest -> newest; each transaction of a
 * statement either joins an existing cluster (the same real transaction seen in an earlier
 * statement) or starts a new one. Matching is one-to-one and only ACROSS statements: a cluster
 * holds at most one transaction per statement, so two identical purchases listed by one statement
 * always stay two.
 *
 * A transaction t of statement S may join cluster c (which has no member from S yet) by, in order
 * of preference:
 *  0. FITID: t's FITID is one of c's FITIDs (any status: a pending that keeps its FITID when it
 *     posts is the same transaction).
 *  1. Fallback, when t or c has no FITID: exact amount, same status, dates at most
 *     DEDUPE_WINDOW_DAYS apart. Posted transactions must also lie in both statements' coverage
 *     (each date inside the other statement's window), so a new transaction just after an old
 *     window never swallows an old one just before it. Pending lists are snapshots, not windows:
 *     pendings skip the coverage test but must have the same day (a pending's date does not
 *     drift; a similar pending a day later is a new purchase, the old one having posted).
 *  2. Unstable FITID heuristic (posted only): both have FITIDs but they differ. Accepted only when
 *     the evidence says the FITID changed: same exact amount, same non-empty payee/description,
 *     dates within the window, both dates inside BOTH statements' explicit periods, and neither
 *     statement lists the other's FITID. With stable FITIDs a transaction inside both periods is
 *     listed by both under one FITID, so this never fires; when it does, the pair is counted in
 *     stats.unstableFitidMerges and warned about. Pendings with differing FITIDs are never merged
 *     (only the newest statement's pendings survive anyway).
 * Never on description alone: every fallback needs the exact amount and a date window.
 *
 * Candidate pairs of one statement are ranked (kind, different party, day distance, cluster age,
 * position) and accepted greedily; the ranking is a total order, so the result is deterministic.
 */
import type { PreparedStatement, PreparedTxn } from './statements';
import { inRange } from './statements';
import { DEDUPE_WINDOW_DAYS, compareTuples } from './util';

export interface Cluster {
  /** Creation order: 0 = first seen. */
  seq: number;
  /** In statement order, oldest first. */
  members: PreparedTxn[];
  stmts: Set<number>;
  fitids: Set<string>;
}

interface Candidate {
  rank: number[];
  txn: PreparedTxn;
  cluster: Cluster;
  unstable: boolean;
}

export interface ClusterResult {
  clusters: Cluster[];
  unstableFitidMerges: number;
}

export function clusterTransactions(stmts: PreparedStatement[], warnings: string[]): ClusterResult {
  const clusters: Cluster[] = [];
  const byFitid = new Map<string, Cluster[]>();
  // amount -> day number -> clusters with a member of that amount on that day.
  const byAmountDay = new Map<string, Map<number, Set<Cluster>>>();
  let unstableFitidMerges = 0;

  const index = (c: Cluster, t: PreparedTxn) => {
    if (t.fitid && !c.fitids.has(t.fitid)) {
      c.fitids.add(t.fitid);
      push(byFitid, t.fitid, c);
    }
    let days = byAmountDay.get(t.amount);
    if (!days) byAmountDay.set(t.amount, (days = new Map()));
    let set = days.get(t.dayNum);
    if (!set) days.set(t.dayNum, (set = new Set()));
    set.add(c);
    c.members.push(t);
    c.stmts.add(t.stmt);
  };

  for (const s of stmts) {
    const candidates: Candidate[] = [];
    for (const t of s.txns) {
      let byId = false;
      for (const c of t.fitid ? byFitid.get(t.fitid) ?? [] : []) {
        if (c.stmts.has(s.index)) continue;
        candidates.push({ rank: [0, 0, 0, c.seq, t.pos], txn: t, cluster: c, unstable: false });
        byId = true;
      }
      // A FITID match always outranks a fallback one, so there is no need to look further.
      if (byId) continue;
      const days = byAmountDay.get(t.amount);
      if (!days) continue;
      const seen = new Set<Cluster>();
      for (let d = t.dayNum - DEDUPE_WINDOW_DAYS; d <= t.dayNum + DEDUPE_WINDOW_DAYS; d++) {
        for (const c of days.get(d) ?? []) {
          if (seen.has(c) || c.stmts.has(s.index) || (t.fitid && c.fitids.has(t.fitid))) continue;
          seen.add(c);
          const best = fallbackRank(t, s, c, stmts);
          if (best) candidates.push({ rank: [...best.rank, c.seq, t.pos], txn: t, cluster: c, unstable: best.unstable });
        }
      }
    }
    candidates.sort((a, b) => compareTuples(a.rank, b.rank));
    const takenTxn = new Set<PreparedTxn>();
    const takenCluster = new Set<Cluster>();
    for (const cand of candidates) {
      if (takenTxn.has(cand.txn) || takenCluster.has(cand.cluster)) continue;
      takenTxn.add(cand.txn);
      takenCluster.add(cand.cluster);
      if (cand.unstable) {
        unstableFitidMerges++;
        warnings.push(`FITID ${cand.txn.fitid} merged with ${[...cand.cluster.fitids].join(', ')}: same transaction, FITID changed between downloads`);
      }
      index(cand.cluster, cand.txn);
    }
    const seenFitids = new Set<string>();
    for (const t of s.txns) {
      if (t.fitid) {
        if (seenFitids.has(t.fitid)) warnings.push(`FITID ${t.fitid} appears more than once in one statement; kept as distinct transactions`);
        seenFitids.add(t.fitid);
      }
      if (takenTxn.has(t)) continue;
      const c: Cluster = { seq: clusters.length, members: [], stmts: new Set(), fitids: new Set() };
      clusters.push(c);
      index(c, t);
    }
  }
  return { clusters, unstableFitidMerges };
}

/** Best fallback rank [kind, differentParty, dayDistance] of t against any member of c, or null. */
function fallbackRank(t: PreparedTxn, s: PreparedStatement, c: Cluster, stmts: PreparedStatement[]): { rank: number[]; unstable: boolean } | null {
  const unstable = !!t.fitid && c.fitids.size > 0;
  if (unstable) {
    if (t.status !== 'posted') return null;
    // Each side's FITID must be unknown to the other side's statements, or it is a different transaction.
    for (const i of c.stmts) if (stmts[i].fitids.has(t.fitid!)) return null;
    for (const f of c.fitids) if (s.fitids.has(f)) return null;
  }
  let best: number[] | null = null;
  for (const m of c.members) {
    if (m.amount !== t.amount || m.status !== t.status) continue;
    const distance = Math.abs(m.dayNum - t.dayNum);
    if (distance > DEDUPE_WINDOW_DAYS) continue;
    // A pending's date does not drift between snapshots; a nearby one is a new pending.
    if (t.status === 'pending' && distance > 0) continue;
    const sameParty = t.parties.some((p) => m.parties.includes(p));
    const other = stmts[m.stmt];
    if (unstable) {
      if (!sameParty || !inRange(other.period, t.day) || !inRange(s.period, m.day)) continue;
    } else if (t.status === 'posted' && !(inRange(other.coverage, t.day) && inRange(s.coverage, m.day))) {
      continue;
    }
    const rank = [unstable ? 2 : 1, sameParty ? 0 : 1, distance];
    if (!best || compareTuples(rank, best) < 0) best = rank;
    if (!unstable && sameParty && distance === 0) break; // cannot do better
  }
  return best ? { rank: best, unstable } : null;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
