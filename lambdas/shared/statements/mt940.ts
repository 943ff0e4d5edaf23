/**
 * SWIFT MT940 (customer statement) -> NormalizedStatement.
 *
 * A file holds one or more messages, each optionally wrapped in SWIFT blocks ({1:..}{2:..}{4: ... -}).
 * Every :20: starts a statement. Fields used:
 *   :25:  account (as written; "BANKCODE/ACCOUNT" gives bankId + id)
 *   :60F:/:60M: opening balance (its currency is the account currency)
 *   :61:  statement line: value date YYMMDD, optional entry date MMDD, mark C/D/RC/RD, optional funds
 *         code, amount with ',' decimals, type code (N/F/S + 3), customer reference [//bank reference],
 *         and an optional supplementary-details line
 *   :86:  details of the preceding :61: (may span lines; lines are joined with a space) -> description
 *   :62F:/:62M: closing balance (also the ledger balance); :64: closing available balance
 * postedAt is the entry (booking) date when given, else the value date. id = bank reference, else the
 * customer reference unless NONREF. Every line is matched by anchored patterns without nested
 * quantifiers, so the parse is linear in the file size.
 */
import { StatementParseError, type SourceLocation } from '../errors';
import type { Balance, NormalizedStatement, NormalizedTransaction, ParsedFile } from '../model';
import { negate } from '../money';
import { amountAt, isoFromParts, quote } from './common';
import { decodeStatement } from './decode';

interface Field {
  tag: string;
  lines: string[];
  line: number;
}

const TAG = /^:(\d{2}[A-Z]?):/;

/** Splits a file into fields (tag + its lines), skipping SWIFT block headers and trailers. */
function fields(src: string): Field[] {
  const out: Field[] = [];
  let current: Field | undefined;
  const lines = src.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    // "{1:...}{2:...}{4:" opens a message; "-}" (possibly followed by {5:...}) closes it
    if (line.startsWith('{')) {
      const body = line.lastIndexOf('{4:');
      if (body === -1) {
        current = undefined;
        continue;
      }
      line = line.slice(body + 3);
      if (line.trim() === '') continue;
    }
    if (line.startsWith('-}') || line.trim() === '-') {
      current = undefined;
      continue;
    }
    const m = TAG.exec(line);
    if (m) {
      current = { tag: m[1], lines: [line.slice(m[0].length)], line: i + 1 };
      out.push(current);
    } else if (current && line.trim() !== '') {
      current.lines.push(line);
    }
  }
  return out;
}

function yymmdd(s: string, line: number, what: string): { y: number; m: number; d: number } {
  const y = Number(s.slice(0, 2)), m = Number(s.slice(2, 4)), d = Number(s.slice(4, 6));
  // SWIFT years are two digits; 80-99 are read as 19xx (no MT940 predates 1980).
  const date = { y: y >= 80 ? 1900 + y : 2000 + y, m, d };
  if (isoFromParts(date.y, m, d, 0, 0, 0, 0, 0) === undefined) {
    throw new StatementParseError('INVALID_DATE', `${what} date ${quote(s)} is not a valid YYMMDD date`, { line });
  }
  return date;
}

function iso(d: { y: number; m: number; d: number }): string {
  return isoFromParts(d.y, d.m, d.d, 0, 0, 0, 0, 0)!;
}

const BALANCE = /^([CD])(\d{6})([A-Z]{3})([0-9,]{1,20})\s*$/;
// value date, entry date, mark, funds code, amount, type code, rest (references)
const STATEMENT_LINE = /^(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?([0-9][0-9,]{0,14})([NSF][A-Z0-9]{3})(.*)$/;

function balance(f: Field): { balance: Balance; currency: string } {
  const m = BALANCE.exec(f.lines[0]);
  const where: SourceLocation = { line: f.line, path: `:${f.tag}:` };
  if (!m) throw new StatementParseError('INVALID_FIELD', `:${f.tag}: ${quote(f.lines[0])} is not a balance (C/D, YYMMDD, currency, amount)`, where);
  const amount = amountAt(m[4], `:${f.tag}: amount`, where);
  return { balance: { amount: m[1] === 'D' ? negate(amount) : amount, asOf: iso(yymmdd(m[2], f.line, `:${f.tag}:`)) }, currency: m[3] };
}

function statementLine(f: Field): NormalizedTransaction {
  const m = STATEMENT_LINE.exec(f.lines[0]);
  const where: SourceLocation = { line: f.line, path: ':61:' };
  if (!m) throw new StatementParseError('INVALID_FIELD', `:61: ${quote(f.lines[0])} is not a statement line`, where);
  const value = yymmdd(m[1], f.line, ':61: value');
  let posted = value;
  if (m[2]) {
    // The entry date has no year: take the value date's, moved across a year end when they straddle one.
    const em = Number(m[2].slice(0, 2)), ed = Number(m[2].slice(2, 4));
    let y = value.y;
    if (value.m === 12 && em === 1) y++;
    else if (value.m === 1 && em === 12) y--;
    posted = { y, m: em, d: ed };
    if (isoFromParts(y, em, ed, 0, 0, 0, 0, 0) === undefined) {
      throw new StatementParseError('INVALID_DATE', `:61: entry date ${quote(m[2])} is not a valid MMDD date`, where);
    }
  }
  const amount = amountAt(m[5], ':61: amount', where);
  // C and RD (reversal of a debit) bring money in; D and RC take it out.
  const signed = m[3] === 'D' || m[3] === 'RC' ? negate(amount) : amount;
  const refs = m[7];
  const split = refs.indexOf('//');
  const customerRef = (split === -1 ? refs : refs.slice(0, split)).trim();
  const bankRef = split === -1 ? '' : refs.slice(split + 2).trim();
  const t: NormalizedTransaction = { amount: signed, postedAt: iso(posted), status: 'posted' };
  const id = bankRef || (customerRef !== 'NONREF' ? customerRef : '');
  if (id) t.id = id;
  t.kind = m[6];
  if (customerRef && customerRef !== 'NONREF') t.reference = customerRef;
  const supplementary = f.lines.slice(1).join(' ').trim();
  if (supplementary) t.memo = supplementary;
  return t;
}

/** Parses an MT940 file (bytes or string). */
export function parseMt940(input: Uint8Array | string): ParsedFile {
  const src = decodeStatement(input);
  const statements: NormalizedStatement[] = [];
  let st: NormalizedStatement | undefined;
  let last: NormalizedTransaction | undefined;
  let currency: string | undefined;
  let stLine = 0;

  const finish = () => {
    if (!st) return;
    if (!st.account.id) throw new StatementParseError('MISSING_FIELD', ':25: account identification is missing', { line: stLine, path: ':25:' });
    if (!currency) throw new StatementParseError('MISSING_FIELD', ':60F: opening balance (and so the currency) is missing', { line: stLine, path: ':60F:' });
    st.account.currency = currency;
    statements.push(st);
  };

  for (const f of fields(src)) {
    if (f.tag === '20') {
      finish();
      st = { format: 'mt940', account: { id: '', type: 'other', currency: '' }, balances: {}, transactions: [] };
      last = undefined;
      currency = undefined;
      stLine = f.line;
      continue;
    }
    if (!st) throw new StatementParseError('INVALID_FIELD', `:${f.tag}: before the :20: that starts a statement`, { line: f.line });
    switch (f.tag) {
      case '25': {
        const raw = f.lines[0].trim();
        const slash = raw.indexOf('/');
        if (slash > 0 && slash < raw.length - 1) {
          st.account.bankId = raw.slice(0, slash);
          st.account.id = raw.slice(slash + 1);
        } else st.account.id = raw;
        break;
      }
      case '60F':
      case '60M': {
        const b = balance(f);
        st.balances.opening = b.balance;
        currency = b.currency;
        break;
      }
      case '62F':
      case '62M': {
        const b = balance(f);
        st.balances.closing = b.balance;
        st.balances.ledger = b.balance;
        currency ??= b.currency;
        last = undefined; // a later :86: is statement information, not a transaction's details
        break;
      }
      case '64':
        st.balances.available = balance(f).balance;
        last = undefined;
        break;
      case '61':
        last = statementLine(f);
        st.transactions.push(last);
        break;
      case '86': {
        const details = f.lines.map((l) => l.trim()).filter(Boolean).join(' ');
        if (last && details && last.description === undefined) last.description = details;
        break;
      }
    }
  }
  finish();
  if (statements.length === 0) throw new StatementParseError('NOT_MT940', 'no MT940 statement (:20: field) found');
  return { statements };
}
