/** Shared helpers of the sandbox-bank tests: fetch as a login, and view parsed OFX the way the truth endpoint does. */
import { fetchStatements, type DownloadedStatement, type FetchStatementsInput } from '../../lambdas/shared/ofx-client';
import { parseOfx } from '../../lambdas/shared/statements/ofx/parse';
import { negate, parseAmount } from '../../lambdas/shared/money';
import type { NormalizedStatement } from '../../lambdas/shared/model';
import type { SandboxBank, Truth, TruthAccount } from '../../local/bank';

export const TIMEOUTS = { connectMs: 2_000, responseMs: 5_000 };

export function institution(bank: SandboxBank, id: string) {
  const inst = bank.institutions().find((i) => i.id === id);
  if (!inst) throw new Error(`no institution ${id}`);
  return inst;
}

export function fetchAs(bank: SandboxBank, institutionId: string, username: string, extra: Partial<FetchStatementsInput> = {}): Promise<DownloadedStatement[]> {
  const inst = institution(bank, institutionId);
  return fetchStatements({ url: inst.url, org: inst.org, fid: inst.fid, username, password: 'pass_good', timeouts: TIMEOUTS, ...extra });
}

export async function truthOverHttp(bank: SandboxBank, customerId: string): Promise<Truth> {
  const res = await fetch(`${bank.url}/sandbox/users/${encodeURIComponent(customerId)}/truth`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return (await res.json()) as Truth;
}

/** A parsed statement in the truth's shape (same conventions: card current = amount owed, positive). */
export function asTruthAccount(institutionId: string, s: NormalizedStatement): TruthAccount {
  const card = s.account.type === 'credit_card';
  const ledger = s.balances.ledger!.amount;
  return {
    institutionId,
    mask: s.account.id.slice(-4),
    type: s.account.type as TruthAccount['type'],
    currency: s.account.currency,
    balances: { current: card ? negate(ledger) : parseAmount(ledger), available: parseAmount(s.balances.available!.amount) },
    transactions: s.transactions.map((t) => ({ id: t.id!, amount: parseAmount(t.amount), postedAt: t.postedAt, status: t.status })),
  };
}

/** Downloads every institution as `username` and returns what the parser makes of it, in the truth's shape. */
export async function aggregate(bank: SandboxBank, username: string, extra: Partial<FetchStatementsInput> = {}): Promise<TruthAccount[]> {
  const out: TruthAccount[] = [];
  for (const inst of bank.institutions()) {
    for (const { body, account } of await fetchAs(bank, inst.id, username, extra)) {
      const { statements } = parseOfx(body);
      expect(statements).toHaveLength(1);
      expect(statements[0].account.id).toBe(account.id);
      out.push(asTruthAccount(inst.id, statements[0]));
    }
  }
  return out;
}

export async function expectRejects<T extends Error>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (e) {
    return e as T;
  }
  throw new Error('expected a rejection');
}
