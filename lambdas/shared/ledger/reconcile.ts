/**
 * Statement reconciliation: for every statement that states both an opening and a closing balance,
 * opening + sum(its posted transactions) must equal closing. A mismatch is reported, never hidden.
 */
import { add, equals, parseAmount, subtract, sum } from '../money';
import type { PreparedStatement } from './statements';
import type { StatementMismatch } from './types';

export function reconcileStatements(stmts: PreparedStatement[]): StatementMismatch[] {
  const out: StatementMismatch[] = [];
  for (const s of stmts) {
    const { opening, closing } = s.source.balances;
    if (!opening || !closing) continue;
    const posted = s.txns.filter((t) => t.status === 'posted').map((t) => t.amount);
    const actual = add(parseAmount(opening.amount), sum(posted));
    const expected = parseAmount(closing.amount);
    if (equals(actual, expected)) continue;
    const start = s.source.period?.start ?? opening.asOf;
    const end = s.source.period?.end ?? closing.asOf;
    out.push({ statementPeriod: { ...(start ? { start } : {}), ...(end ? { end } : {}) }, expected, actual, difference: subtract(actual, expected) });
  }
  // Statements come in canonical order (oldest first), so the list does not depend on input order.
  return out;
}
