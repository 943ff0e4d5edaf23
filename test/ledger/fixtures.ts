/** Test helper: terse builders for hand-written statements. Not a test file itself. */
import type { NormalizedTransaction, StatementAccount } from '../../lambdas/shared/model';
import type { LedgerStatement } from '../../lambdas/shared/ledger';

export const CARD: StatementAccount = { id: '4111000011112222', type: 'credit_card', currency: 'USD' };
export const CHECKING: StatementAccount = { id: '000987654', bankId: '021000021', type: 'checking', currency: 'USD' };

export const at = (day: string, time = '00:00:00') => `${day}T${time}.000Z`;

export function tx(id: string | undefined, amount: string, day: string, description: string, extra: Partial<NormalizedTransaction> = {}): NormalizedTransaction {
  return { ...(id ? { id } : {}), amount, postedAt: at(day), status: 'posted', description, ...extra };
}

export const pending = (id: string | undefined, amount: string, day: string, description: string) => tx(id, amount, day, description, { status: 'pending' });

export function stmt(account: StatementAccount, start: string, end: string, transactions: NormalizedTransaction[], rest: Partial<LedgerStatement> = {}): LedgerStatement {
  return { format: 'ofx', account, period: { start: at(start), end: at(end, '23:59:59') }, balances: {}, transactions, ...rest };
}
