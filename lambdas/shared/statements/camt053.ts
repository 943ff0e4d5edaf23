/**
 * ISO 20022 camt.053 (BankToCustomerStatement, versions 001.02 to 001.08 and later, which keep the
 * same shape for the fields modelled here) -> NormalizedStatement.
 *
 * fast-xml-parser keeps every value a string (parseTagValue/parseAttributeValue off), so amounts
 * and identifiers are never numbers. Mapping:
 * - account: Acct/Id/IBAN or Acct/Id/Othr/Id; currency Acct/Ccy, else the first balance's or
 *   entry's Ccy attribute; Acct/Tp/Cd CACC -> checking, SVGS -> savings, CARD -> credit_card.
 * - balances (first of each kind wins): OPBD, else PRCD -> opening; CLBD -> closing and ledger
 *   (ITBD -> ledger when there is no CLBD); CLAV, else ITAV -> available; others (OPAV, FWAV,
 *   INFO, XPCD) are not modelled.
 * - entries: Sts BOOK -> posted, PDNG/FUTR -> pending, INFO -> skipped (not a transaction);
 *   DBIT -> negative; postedAt = BookgDt, else ValDt; id = AcctSvcrRef, else NtryRef.
 */
import { XMLParser } from 'fast-xml-parser';
import { StatementParseError, UnsupportedStatementError } from '../errors';
import type { AccountType, Balance, NormalizedStatement, NormalizedTransaction, ParsedFile } from '../model';
import { negate } from '../money';
import { amountAt, parseIsoDate, quote } from './common';
import { decodeStatement } from './decode';
import { checkXml } from './xmlcheck';

/** Elements that may repeat and must therefore always come back as arrays. */
const ARRAYS = new Set(['Stmt', 'Bal', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd', 'AddtlNtryInf']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

type X = Record<string, unknown>;

function obj(v: unknown): X | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as X) : undefined;
}

function arr(v: unknown): X[] {
  return Array.isArray(v) ? (v.map(obj).filter(Boolean) as X[]) : obj(v) ? [v as X] : [];
}

/** The text of an element: a plain string, or '#text' when it carries attributes. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  const o = obj(v);
  if (o && typeof o['#text'] === 'string') return text(o['#text']);
  return undefined;
}

/** The non-blank texts of a repeated element, joined by a space. */
function texts(v: unknown): string {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(text).filter(Boolean).join(' ');
}

function at(node: unknown, ...path: string[]): unknown {
  let cur: unknown = node;
  for (const p of path) {
    const o = obj(cur);
    if (!o) return undefined;
    cur = o[p];
    if (Array.isArray(cur)) cur = cur[0];
  }
  return cur;
}

const BALANCES: Record<string, { slot: 'opening' | 'closing' | 'ledger' | 'available'; rank: number }[]> = {
  OPBD: [{ slot: 'opening', rank: 0 }],
  PRCD: [{ slot: 'opening', rank: 1 }],
  CLBD: [{ slot: 'closing', rank: 0 }, { slot: 'ledger', rank: 0 }],
  ITBD: [{ slot: 'ledger', rank: 1 }],
  CLAV: [{ slot: 'available', rank: 0 }],
  ITAV: [{ slot: 'available', rank: 1 }],
};

const ACCOUNT_TYPES: Record<string, AccountType> = { CACC: 'checking', SVGS: 'savings', CARD: 'credit_card' };

class Reader {
  constructor(private readonly base: string) {}

  fail(code: string, message: string, path: string): never {
    throw new StatementParseError(code, message, { path: `${this.base}/${path}` });
  }

  date(node: unknown, path: string): string | undefined {
    const raw = text(at(node, 'Dt')) ?? text(at(node, 'DtTm'));
    if (raw === undefined) return undefined;
    const iso = parseIsoDate(raw);
    if (iso === undefined) this.fail('INVALID_DATE', `${path} ${quote(raw)} is not an ISO date`, path);
    return iso;
  }

  /** Signed amount: Amt + CdtDbtInd (DBIT -> negative). */
  signedAmount(node: X, path: string): { amount: string; currency?: string } {
    const amt = node['Amt'];
    const amount = amountAt(text(amt), `${path}/Amt`, { path: `${this.base}/${path}/Amt` });
    const ind = text(node['CdtDbtInd']);
    if (ind !== 'CRDT' && ind !== 'DBIT') {
      this.fail(ind === undefined ? 'MISSING_FIELD' : 'INVALID_FIELD', `${path}/CdtDbtInd ${ind === undefined ? 'is missing' : `${quote(ind)} is not CRDT or DBIT`}`, `${path}/CdtDbtInd`);
    }
    const currency = text(obj(amt)?.['@_Ccy']);
    return { amount: ind === 'DBIT' ? negate(amount) : amount, ...(currency ? { currency } : {}) };
  }
}

/** Parses a camt.053 file (bytes decoded by the XML declaration, or a string). */
export function parseCamt053(input: Uint8Array | string): ParsedFile {
  const src = decodeStatement(input);
  checkXml(src, 'CAMT.053');
  let root: X;
  try {
    root = parser.parse(src) as X;
  } catch (e) {
    throw new StatementParseError('MALFORMED_XML', `CAMT.053: ${(e as Error).message.slice(0, 200)}`);
  }
  const doc = obj(root['Document']) ?? obj(at(root, 'BizMsgEnvlp', 'Document'));
  if (!doc) throw new StatementParseError('NOT_CAMT053', 'no ISO 20022 <Document> element', { path: 'Document' });
  if (doc['BkToCstmrAcctRpt'] !== undefined) throw new UnsupportedStatementError('camt.052', 'camt.052 account reports are not supported');
  if (doc['BkToCstmrDbtCdtNtfctn'] !== undefined) throw new UnsupportedStatementError('camt.054', 'camt.054 notifications are not supported');
  const message = obj(doc['BkToCstmrStmt']);
  if (!message) throw new StatementParseError('NOT_CAMT053', 'no <BkToCstmrStmt> in the Document', { path: 'Document/BkToCstmrStmt' });
  const stmts = arr(message['Stmt']);
  // The schema requires at least one Stmt (camt053.v2.wrong.xml has none).
  if (stmts.length === 0) throw new StatementParseError('MISSING_ELEMENT', 'BkToCstmrStmt holds no <Stmt>', { path: 'Document/BkToCstmrStmt/Stmt' });
  return { statements: stmts.map((s, i) => readStatement(s, new Reader(`Document/BkToCstmrStmt/Stmt[${i + 1}]`))) };
}

function readStatement(stmt: X, r: Reader): NormalizedStatement {
  const acct = obj(stmt['Acct']);
  const id = text(at(acct, 'Id', 'IBAN')) ?? text(at(acct, 'Id', 'Othr', 'Id'));
  if (!id) r.fail('MISSING_FIELD', 'Acct/Id (IBAN or Othr/Id) is missing', 'Acct/Id');

  const bals = arr(stmt['Bal']);
  const entries = arr(stmt['Ntry']);
  const currency =
    text(at(acct, 'Ccy')) ??
    bals.map((b) => text(obj(b['Amt'])?.['@_Ccy'])).find(Boolean) ??
    entries.map((e) => text(obj(e['Amt'])?.['@_Ccy'])).find(Boolean);
  if (!currency) r.fail('MISSING_FIELD', 'no currency: neither Acct/Ccy nor an Amt Ccy attribute', 'Acct/Ccy');

  const typeCode = text(at(acct, 'Tp', 'Cd')) ?? '';
  const bankId = text(at(acct, 'Svcr', 'FinInstnId', 'BIC')) ?? text(at(acct, 'Svcr', 'FinInstnId', 'BICFI'));
  const start = readDateTime(at(stmt, 'FrToDt', 'FrDtTm'), 'FrToDt/FrDtTm', r);
  const end = readDateTime(at(stmt, 'FrToDt', 'ToDtTm'), 'FrToDt/ToDtTm', r);
  const statement: NormalizedStatement = {
    format: 'camt053',
    account: {
      id: id!,
      type: Object.hasOwn(ACCOUNT_TYPES, typeCode) ? ACCOUNT_TYPES[typeCode] : 'other',
      currency: currency!.toUpperCase(),
      ...(bankId ? { bankId } : {}),
    },
    ...(start || end ? { period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
    balances: {},
    transactions: [],
  };

  const ranks: Partial<Record<string, number>> = {};
  bals.forEach((b, i) => {
    const path = `Bal[${i + 1}]`;
    const code = text(at(b, 'Tp', 'CdOrPrtry', 'Cd')) ?? '';
    const slots = Object.hasOwn(BALANCES, code) ? BALANCES[code] : [];
    if (slots.length === 0) return;
    const balance: Balance = { amount: r.signedAmount(b, path).amount };
    const asOf = r.date(b['Dt'], `${path}/Dt`);
    if (asOf) balance.asOf = asOf;
    for (const { slot, rank } of slots) {
      if ((ranks[slot] ?? Infinity) > rank) {
        statement.balances[slot] = balance;
        ranks[slot] = rank;
      }
    }
  });

  entries.forEach((e, i) => {
    const t = readEntry(e, `Ntry[${i + 1}]`, r);
    if (t) statement.transactions.push(t);
  });
  return statement;
}

function readDateTime(v: unknown, path: string, r: Reader): string | undefined {
  const raw = text(v);
  if (raw === undefined) return undefined;
  const iso = parseIsoDate(raw);
  if (iso === undefined) r.fail('INVALID_DATE', `${path} ${quote(raw)} is not an ISO date-time`, path);
  return iso;
}

function readEntry(e: X, path: string, r: Reader): NormalizedTransaction | undefined {
  // <Sts>BOOK</Sts> (001.02-001.06) or <Sts><Cd>BOOK</Cd></Sts> (001.07+)
  const sts = text(e['Sts']) ?? text(at(e, 'Sts', 'Cd')) ?? text(at(e, 'Sts', 'Prtry'));
  let status: 'posted' | 'pending';
  if (sts === 'BOOK') status = 'posted';
  else if (sts === 'PDNG' || sts === 'FUTR') status = 'pending';
  else if (sts === 'INFO') return undefined;
  else r.fail(sts === undefined ? 'MISSING_FIELD' : 'INVALID_FIELD', `${path}/Sts ${sts === undefined ? 'is missing' : `${quote(sts)} is not BOOK, PDNG, FUTR or INFO`}`, `${path}/Sts`);

  const { amount } = r.signedAmount(e, path);
  const postedAt = r.date(e['BookgDt'], `${path}/BookgDt`) ?? r.date(e['ValDt'], `${path}/ValDt`);
  if (!postedAt) r.fail('MISSING_FIELD', `${path} has neither BookgDt nor ValDt`, `${path}/BookgDt`);

  const t: NormalizedTransaction = { amount, postedAt: postedAt!, status: status! };
  const id = text(e['AcctSvcrRef']) ?? text(e['NtryRef']);
  if (id) t.id = id;

  const tx = obj(at(e, 'NtryDtls', 'TxDtls'));
  const remittance = texts(obj(at(tx, 'RmtInf'))?.['Ustrd']);
  const additional = texts(e['AddtlNtryInf']) || text(at(tx, 'AddtlTxInf'));
  const description = remittance || additional;
  if (description) t.description = description;
  if (remittance && additional) t.memo = additional;

  // The counterparty: who paid us on a credit, whom we paid on a debit (001.08 wraps it in Pty).
  const party = amount.startsWith('-') ? 'Cdtr' : 'Dbtr';
  const payee = text(at(tx, 'RltdPties', party, 'Nm')) ?? text(at(tx, 'RltdPties', party, 'Pty', 'Nm'));
  if (payee) t.payee = payee;

  const domain = text(at(e, 'BkTxCd', 'Domn', 'Cd'));
  const kind = domain
    ? [domain, text(at(e, 'BkTxCd', 'Domn', 'Fmly', 'Cd')), text(at(e, 'BkTxCd', 'Domn', 'Fmly', 'SubFmlyCd'))].filter(Boolean).join('/')
    : text(at(e, 'BkTxCd', 'Prtry', 'Cd'));
  if (kind) t.kind = kind;

  const endToEnd = text(at(tx, 'Refs', 'EndToEndId'));
  if (endToEnd && endToEnd !== 'NOTPROVIDED') t.reference = endToEnd;
  return t;
}
