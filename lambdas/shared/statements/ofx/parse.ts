/**
 * OFX 1.x / 2.x bank and credit-card statements -> NormalizedStatement.
 *
 * - A non-zero SIGNON or transaction-wrapper (…TRNRS) STATUS throws (see status.ts): a failed login
 *   or a refused statement request must never look like an empty statement.
 * - Investment (INVSTMTRS) and loan (LOANSTMTRS) statements are not modelled: a file holding only
 *   those throws UnsupportedStatementError; beside bank/card statements they are skipped.
 * - A blank element counts as absent; a present but invalid amount or date throws
 *   StatementParseError with the element path, line and offset.
 */
import { StatementParseError, UnsupportedStatementError, type SourceLocation } from '../../errors';
import type { AccountType, Balance, NormalizedStatement, NormalizedTransaction, ParsedFile, StatementClosing } from '../../model';
import { amountAt, lineOf, quote, tryAmount } from '../common';
import { decodeStatement } from '../decode';
import { parseOfxDate } from './date';
import { checkStatus } from './status';
import { buildTree, child, dropChildren, findOfx, leaf, pathOf, type OfxNode } from './tree';

class Ctx {
  /** Parsed dates by their raw text: a statement repeats the same few dates many times. */
  private readonly dates = new Map<string, string>();

  /**
   * Set while the close hook reads transactions ahead: a failure then only sets probeFailed (the hook
   * discards the result) instead of throwing an error with a location. A line number costs O(offset)
   * and a throw microseconds, so either, for each of many bad transactions, would make a hostile file
   * slow or quadratic. The walk re-reads that transaction and reports the first failure properly.
   */
  probing = false;
  probeFailed = false;

  constructor(readonly src: string) {}

  /** Records a failed read-ahead and returns a stand-in value that is never used. */
  failProbe(): string {
    this.probeFailed = true;
    return '';
  }

  fail(code: string, message: string, locate: () => SourceLocation): never {
    throw new StatementParseError(code, message, locate());
  }

  /** Location of a node, or of a missing leaf `name` inside it. */
  at(node: OfxNode, name?: string): SourceLocation {
    return { path: pathOf(node, name), line: lineOf(this.src, node.offset), offset: node.offset };
  }

  amount(node: OfxNode | undefined, parent: OfxNode, name: string): string {
    const text = node?.value ?? '';
    const amount = tryAmount(text);
    if (amount !== undefined) return amount;
    // error path only: locations cost a line count
    if (this.probing) return this.failProbe();
    return amountAt(text, name, node ? this.at(node) : this.at(parent, name));
  }

  date(node: OfxNode | undefined, parent: OfxNode, name: string, required: true): string;
  date(node: OfxNode | undefined, parent: OfxNode, name: string, required: false): string | undefined;
  date(node: OfxNode | undefined, parent: OfxNode, name: string, required: boolean): string | undefined {
    const raw = node?.value ?? '';
    if (raw === '') {
      if (required && this.probing) return this.failProbe();
      if (required) this.fail('MISSING_FIELD', `${name} is missing`, () => (node ? this.at(node) : this.at(parent, name)));
      return undefined;
    }
    let iso = this.dates.get(raw);
    if (iso === undefined) {
      iso = parseOfxDate(raw);
      if (iso !== undefined && this.dates.size < 4096) this.dates.set(raw, iso);
    }
    if (iso === undefined && this.probing) return this.failProbe();
    if (iso === undefined) this.fail('INVALID_DATE', `${name} ${quote(raw)} is not an OFX date`, () => this.at(node!));
    return iso;
  }
}

/** Parses an OFX file (bytes decoded by its declared charset, or a string). */
export function parseOfx(input: Uint8Array | string): ParsedFile {
  const src = decodeStatement(input);
  const ctx = new Ctx(src);
  // Transactions are read as soon as their STMTTRN closes; one that fails is left in the tree and
  // read again (and throws with its full path) when the walk below reaches it, in document order.
  const tree = buildTree(src, (node) => {
    const status = node.name === 'STMTTRN' ? 'posted' : node.name === 'STMTTRNP' ? 'pending' : undefined;
    if (!status) return;
    ctx.probing = true;
    ctx.probeFailed = false;
    const currency: { currency?: string } = {};
    const transaction = readTransaction(node, status, ctx, currency);
    ctx.probing = false;
    if (ctx.probeFailed) return;
    node.data = { transaction, currency: currency.currency };
    dropChildren(node);
  });

  const ofx = findOfx(tree.roots);
  if (!ofx) throw new StatementParseError('NOT_OFX', 'no <OFX> element found');
  if (!ofx.closed) throw new StatementParseError('TRUNCATED', 'the <OFX> element is never closed (truncated file?)', { path: 'OFX', offset: src.length, line: lineOf(src, src.length) });

  const signon = child(child(ofx, 'SIGNONMSGSRSV1'), 'SONRS');
  if (signon) checkStatus(child(signon, 'STATUS'), 'SIGNON', (n) => ctx.at(n));

  const statements: NormalizedStatement[] = [];
  const closingOnly: NormalizedStatement[] = [];
  const unsupported = new Set<string>();

  // Iterative depth-first walk in document order: deep nesting must not overflow the call stack.
  const stack: OfxNode[] = [ofx];
  while (stack.length) {
    const node = stack.pop()!;
    const name = node.name;
    if (name === 'STMTRS' || name === 'CCSTMTRS') {
      statements.push(readStatement(node, name === 'CCSTMTRS', ctx));
      continue;
    }
    if (name === 'CCSTMTENDRS') {
      closingOnly.push(readClosingStatement(node, ctx));
      continue;
    }
    if (name === 'INVSTMTRS') {
      unsupported.add('investment');
      continue;
    }
    if (name === 'LOANSTMTRS') {
      unsupported.add('loan');
      continue;
    }
    if (name.endsWith('TRNRS')) checkStatus(child(node, 'STATUS'), name, (n) => ctx.at(n));
    const kids = node.children;
    for (let i = kids.length - 1; i >= 0; i--) if (kids[i].value === undefined || kids[i].closed) stack.push(kids[i]);
  }

  // Closing information (CCSTMTENDRS) joins the card statement of the same account when there is one.
  for (const c of closingOnly) {
    const card = statements.find((s) => s.account.type === 'credit_card' && s.account.id === c.account.id);
    if (card) attachClosings(card, c.closings ?? []);
    else statements.push(c);
  }

  if (statements.length === 0 && unsupported.size > 0) {
    const kind = [...unsupported][0];
    throw new UnsupportedStatementError(kind, `OFX ${kind} statements are not supported`);
  }
  return { statements };
}

const ACCOUNT_TYPES: Record<string, AccountType> = {
  CHECKING: 'checking',
  SAVINGS: 'savings',
  MONEYMRKT: 'savings',
  CREDITLINE: 'credit_card',
};

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function readAccount(stmt: OfxNode, card: boolean, ctx: Ctx) {
  const from = child(stmt, card ? 'CCACCTFROM' : 'BANKACCTFROM') ?? child(stmt, card ? 'BANKACCTFROM' : 'CCACCTFROM');
  if (!from) throw new StatementParseError('MISSING_FIELD', `${card ? 'CCACCTFROM' : 'BANKACCTFROM'} is missing`, ctx.at(stmt, card ? 'CCACCTFROM' : 'BANKACCTFROM'));
  const id = blankToUndefined(leaf(from, 'ACCTID'));
  if (id === undefined) throw new StatementParseError('MISSING_FIELD', 'ACCTID is missing', ctx.at(from, 'ACCTID'));
  const rawType = (leaf(from, 'ACCTTYPE') ?? '').toUpperCase();
  const type: AccountType = card ? 'credit_card' : Object.hasOwn(ACCOUNT_TYPES, rawType) ? ACCOUNT_TYPES[rawType] : 'other';
  return { id, type, bankId: blankToUndefined(leaf(from, 'BANKID')) };
}

function readBalance(stmt: OfxNode, name: string, ctx: Ctx): Balance | undefined {
  const bal = child(stmt, name);
  const amt = child(bal, 'BALAMT');
  if (!bal || !amt || amt.value === '') return undefined; // <BALAMT></BALAMT>: no balance given
  const balance: Balance = { amount: ctx.amount(amt, bal, 'BALAMT') };
  const asOf = ctx.date(child(bal, 'DTASOF'), bal, 'DTASOF', false);
  if (asOf) balance.asOf = asOf;
  return balance;
}

function readStatement(stmt: OfxNode, card: boolean, ctx: Ctx): NormalizedStatement {
  const account = readAccount(stmt, card, ctx);
  const transactions: NormalizedTransaction[] = [];
  const seen = { currency: undefined as string | undefined };
  let period: NormalizedStatement['period'];

  const list = child(stmt, 'BANKTRANLIST');
  if (list) {
    const start = ctx.date(child(list, 'DTSTART'), list, 'DTSTART', false);
    const end = ctx.date(child(list, 'DTEND'), list, 'DTEND', false);
    if (start || end) period = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
    for (const c of list.children) if (c.name === 'STMTTRN') transactions.push(transactionOf(c, 'posted', ctx, seen));
  }
  const pending = child(stmt, 'BANKTRANLISTP');
  if (pending) for (const c of pending.children) if (c.name === 'STMTTRNP') transactions.push(transactionOf(c, 'pending', ctx, seen));

  const currency = (blankToUndefined(leaf(stmt, 'CURDEF')) ?? seen.currency)?.toUpperCase();
  if (!currency) throw new StatementParseError('MISSING_FIELD', 'CURDEF is missing', ctx.at(stmt, 'CURDEF'));

  const statement: NormalizedStatement = {
    format: 'ofx',
    account: { id: account.id, type: account.type, currency, ...(account.bankId ? { bankId: account.bankId } : {}) },
    ...(period ? { period } : {}),
    balances: {},
    transactions,
  };
  const ledger = readBalance(stmt, 'LEDGERBAL', ctx);
  const available = readBalance(stmt, 'AVAILBAL', ctx);
  if (ledger) statement.balances.ledger = ledger;
  if (available) statement.balances.available = available;
  const closings = stmt.children.filter((c) => c.name === 'CCCLOSING').map((c) => readClosing(c, ctx));
  if (closings.length) attachClosings(statement, closings);
  return statement;
}

/** Sets closings, and the account's credit limit from the most recent closing that states one. */
function attachClosings(statement: NormalizedStatement, closings: StatementClosing[]): void {
  statement.closings = [...(statement.closings ?? []), ...closings];
  let latest: StatementClosing | undefined;
  for (const c of statement.closings) if (c.creditLimit !== undefined && (!latest || c.periodEnd > latest.periodEnd)) latest = c;
  if (latest && statement.account.creditLimit === undefined) statement.account.creditLimit = latest.creditLimit;
}

interface ReadAhead {
  transaction: NormalizedTransaction;
  currency?: string;
}

/** The transaction the close hook already read, or read it now. */
function transactionOf(node: OfxNode, status: 'posted' | 'pending', ctx: Ctx, seen: { currency?: string }): NormalizedTransaction {
  const ahead = node.data as ReadAhead | undefined;
  if (!ahead) return readTransaction(node, status, ctx, seen);
  if (seen.currency === undefined && ahead.currency !== undefined) seen.currency = ahead.currency;
  return ahead.transaction;
}

/** One STMTTRN (posted) or STMTTRNP (pending): a single pass over its children. */
function readTransaction(trn: OfxNode, status: 'posted' | 'pending', ctx: Ctx, seen: { currency?: string }): NormalizedTransaction {
  let amountNode: OfxNode | undefined, dateNode: OfxNode | undefined, tranDateNode: OfxNode | undefined;
  let kind: string | undefined, id: string | undefined, name: string | undefined, memo: string | undefined;
  let payee: string | undefined, checkNum: string | undefined, refNum: string | undefined, extName: string | undefined;
  const kids = trn.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i];
    switch (c.name) {
      case 'TRNAMT': amountNode = c; break;
      case 'DTPOSTED': dateNode = c; break;
      case 'DTTRAN': tranDateNode = c; break;
      case 'TRNTYPE': kind = c.value; break;
      case 'FITID': id = c.value; break;
      case 'NAME': name = c.value; break;
      case 'EXTDNAME': extName = c.value; break;
      case 'MEMO': memo = c.value; break;
      case 'CHECKNUM': checkNum = c.value; break;
      case 'REFNUM': refNum = c.value; break;
      case 'PAYEE': payee = leaf(c, 'NAME'); break;
      case 'CURRENCY':
      case 'ORIGCURRENCY':
        if (seen.currency === undefined) seen.currency = blankToUndefined(leaf(c, 'CURSYM'));
        break;
    }
  }
  const amount = ctx.amount(amountNode, trn, 'TRNAMT');
  // Pending items carry DTTRAN (the spec's STMTTRNP); accept DTPOSTED too.
  const useTran = status === 'pending' && !(dateNode?.value && !tranDateNode?.value);
  const postedAt = useTran ? ctx.date(tranDateNode, trn, 'DTTRAN', true) : ctx.date(dateNode, trn, 'DTPOSTED', true);
  const t: NormalizedTransaction = { amount, postedAt, status };
  if (id) t.id = id;
  // Some banks (NZ, AU) write only MEMO: it then doubles as the description.
  const description = name || payee || extName || memo;
  if (description) t.description = description;
  if (memo) t.memo = memo;
  if (payee) t.payee = payee;
  if (kind) t.kind = kind;
  const reference = checkNum || refNum;
  if (reference) t.reference = reference;
  return t;
}

function readClosing(node: OfxNode, ctx: Ctx): StatementClosing {
  const periodEnd = ctx.date(child(node, 'DTCLOSE'), node, 'DTCLOSE', true);
  const closing: StatementClosing = { periodEnd, closing: ctx.amount(child(node, 'BALCLOSE'), node, 'BALCLOSE') };
  const id = blankToUndefined(leaf(node, 'FITID'));
  if (id) closing.id = id;
  const periodStart = ctx.date(child(node, 'DTOPEN'), node, 'DTOPEN', false);
  if (periodStart) closing.periodStart = periodStart;
  const optionalAmount = (name: string) => {
    const n = child(node, name);
    return n && n.value !== '' ? ctx.amount(n, node, name) : undefined;
  };
  const opening = optionalAmount('BALOPEN');
  if (opening !== undefined) closing.opening = opening;
  const paymentDue = ctx.date(child(node, 'DTPMTDUE'), node, 'DTPMTDUE', false);
  if (paymentDue) closing.paymentDue = paymentDue;
  const minimumPayment = optionalAmount('MINPMTDUE');
  if (minimumPayment !== undefined) closing.minimumPayment = minimumPayment;
  const creditLimit = optionalAmount('CREDITLIMIT');
  if (creditLimit !== undefined) closing.creditLimit = creditLimit;
  return closing;
}

/** CCSTMTENDRS (OFX 2.x statement closing information): a card account with its closed periods. */
function readClosingStatement(node: OfxNode, ctx: Ctx): NormalizedStatement {
  const account = readAccount(node, true, ctx);
  const closings = node.children.filter((c) => c.name === 'CCCLOSING').map((c) => readClosing(c, ctx));
  let currency = blankToUndefined(leaf(node, 'CURDEF'));
  for (const c of node.children) {
    if (currency) break;
    if (c.name === 'CCCLOSING') currency = blankToUndefined(leaf(child(c, 'CURRENCY'), 'CURSYM'));
  }
  if (!currency) throw new StatementParseError('MISSING_FIELD', 'CURDEF is missing', ctx.at(node, 'CURDEF'));
  const statement: NormalizedStatement = {
    format: 'ofx',
    account: { id: account.id, type: 'credit_card', currency: currency.toUpperCase() },
    balances: {},
    transactions: [],
  };
  if (closings.length) attachClosings(statement, closings);
  return statement;
}
