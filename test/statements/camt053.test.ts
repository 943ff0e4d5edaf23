/**
 * CAMT.053 fixtures against the expectations genkgo/camt ships beside each .xml (the .json), mapped
 * onto the fields we model, plus a few values read off the XML by hand.
 *
 * Reading the .json: it is a serialised object graph in which an object met a second time is written
 * "__RECURSIVITY__". Fully written statements (records) appear in getRecords or as getEntries[i].getRecord;
 * getEntries holds the entries of the record written inside them. Money is in minor units of its
 * currency (JPY has no minor unit), e.g. {"getAmount": "-2700", "getCode": "SEK"} is -27.00.
 * Balance types: opening (OPBD, PRCD) -> opening (first wins), closing -> closing and ledger,
 * interim (ITBD) -> ledger when there is no closing, closing_available, else interim_available -> available.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatementParseError, UnsupportedStatementError } from '../../lambdas/shared/errors';
import type { Balance, NormalizedStatement, NormalizedTransaction } from '../../lambdas/shared/model';
import { fromMinorUnits } from '../../lambdas/shared/money';
import { parseCamt053, parseStatementFile } from '../../lambdas/shared/statements';
import { expectWellFormed, FIXTURES, fixture, thrown } from './helpers';

const DIR = join(FIXTURES, 'genkgo-camt');
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'ISK', 'CLP', 'VND']);

type J = any;

function money(m: J): string {
  return fromMinorUnits(BigInt(m.getAmount), ZERO_DECIMAL.has(m.getCurrency.getCode) ? 0 : 2);
}

function date(d: J): string | undefined {
  return d ? new Date(d['0']).toISOString() : undefined;
}

interface Expected {
  accountId: string;
  balances: NormalizedStatement['balances'];
  period?: { start?: string; end?: string };
  transactions?: NormalizedTransaction[];
  /** AcctSvcrRef, else NtryRef (genkgo's getReference), per entry. */
  ids?: (string | undefined)[];
}

function expectedFromJson(json: J): Expected[] {
  const records: J[] = [];
  const entriesOf = new Map<J, J[]>();
  for (const r of json.getRecords) if (typeof r === 'object') records.push(r);
  for (const e of json.getEntries) {
    const r = typeof e.getRecord === 'object' ? e.getRecord : records[records.length - 1];
    if (typeof e.getRecord === 'object' && !records.includes(r)) records.push(r);
    entriesOf.set(r, [...(entriesOf.get(r) ?? []), e]);
  }
  return records.map((r) => {
    const first = (type: string): Balance | undefined => {
      const b = r.getBalances.find((x: J) => x.getType === type);
      return b ? { amount: money(b.getAmount), asOf: date(b.getDate)! } : undefined;
    };
    const balances: NormalizedStatement['balances'] = {};
    const opening = first('opening');
    const closing = first('closing');
    const ledger = closing ?? first('interim');
    const available = first('closing_available') ?? first('interim_available');
    if (opening) balances.opening = opening;
    if (closing) balances.closing = closing;
    if (ledger) balances.ledger = ledger;
    if (available) balances.available = available;
    const start = date(r.getFromDate);
    const end = date(r.getToDate);
    const entries = entriesOf.get(r);
    return {
      accountId: r.getAccount.getIdentification,
      balances,
      ...(start || end ? { period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
      ...(entries
        ? {
            transactions: entries.map((e: J) =>
              expect.objectContaining({
                amount: money(e.getAmount),
                status: e.getStatus === 'BOOK' ? 'posted' : 'pending',
                postedAt: date(e.getBookingDate) ?? date(e.getValueDate),
              }),
            ),
            ids: entries.map((e: J) => e.getAccountServicerReference ?? e.getReference ?? undefined),
          }
        : {}),
    };
  });
}

const pairs = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe('camt.053 fixtures against their .json expectations', () => {
  test('every .json has its .xml', () => {
    expect(pairs.length).toBe(11);
  });

  test.each(pairs)('%s', (base) => {
    const json = JSON.parse(readFileSync(join(DIR, `${base}.json`), 'utf8'));
    const { statements } = parseCamt053(readFileSync(join(DIR, `${base}.xml`)));
    expectWellFormed(statements);
    expect(statements).toHaveLength(json.getRecords.length);
    for (const exp of expectedFromJson(json)) {
      // the statement the record describes (multi.statement has two for the same account)
      const match = statements.filter((s) => s.account.id === exp.accountId && JSON.stringify(s.balances) === JSON.stringify(exp.balances));
      expect(match).toHaveLength(1);
      const s = match[0];
      expect(s.period).toEqual(exp.period);
      if (exp.transactions) {
        expect(s.transactions).toEqual(exp.transactions);
        expect(s.transactions.map((t) => t.id)).toEqual(exp.ids);
      } else {
        expect(s.transactions).toEqual([]);
      }
    }
  });
});

describe('camt.053 values read off the XML', () => {
  test('v2 minimal: IBAN, Acct/Ccy, plain <Sts>, DBIT balances negative, period from FrToDt', () => {
    const [s] = parseCamt053(fixture('genkgo-camt/camt053.v2.minimal.xml')).statements;
    expect(s.account).toEqual({ id: 'NL26VAYB8060476890', type: 'other', currency: 'EUR' });
    expect(s.balances.closing).toEqual({ amount: '-27.00', asOf: '2014-12-31T00:00:00.000Z' });
    expect(s.transactions).toEqual([{ amount: '8.85', postedAt: '2014-12-31T00:00:00.000Z', status: 'posted', kind: '544', payee: 'NAME NAME' }]);
  });

  test('v8: Othr/Id account, <Sts><Cd>BOOK</Cd></Sts>, BookgDt/DtTm with offset, AcctSvcrRef id, domain code', () => {
    const [s] = parseCamt053(fixture('genkgo-camt/camt053.v8.xml')).statements;
    expect(s.account.id).toBe('NL26VAYB8060476890');
    expect(s.account.currency).toBe('EUR'); // no Acct/Ccy: the first balance's Ccy
    expect(s.transactions).toEqual([
      {
        id: 'AAAASESS-FP-CN_98765/01',
        amount: '8.85',
        postedAt: '2014-12-31T12:15:00.000Z',
        status: 'posted',
        kind: 'PMNT/RCDT/BOOK',
        payee: 'NAME NAME',
        reference: 'MUELL/FINP/RA12345',
      },
    ]);
  });

  test('v3: Acct/Ccy, Svcr BICFI as bankId', () => {
    const [s] = parseCamt053(fixture('genkgo-camt/camt053.v3.xml')).statements;
    expect(s.account).toEqual({ id: 'NL26VAYB8060476890', type: 'other', currency: 'EUR', bankId: 'KREDBEBB' });
    expect(s.transactions[0].id).toBe('XXXXXXXXXXXXXXXXXXXXXXEUR');
  });

  test('all balance types: OPBD over PRCD, CLBD, CLAV over ITAV; five decimals; multi statement; DtTm without zone', () => {
    const [all] = parseCamt053(fixture('genkgo-camt/camt053.v2.all-balance-types.xml')).statements;
    expect(all.balances).toEqual({
      opening: { amount: '1.01', asOf: '2015-01-21T00:00:00.000Z' },
      closing: { amount: '4.04', asOf: '2015-01-22T00:00:00.000Z' },
      ledger: { amount: '4.04', asOf: '2015-01-22T00:00:00.000Z' },
      available: { amount: '5.05', asOf: '2015-01-23T00:00:00.000Z' },
    });
    const [five] = parseCamt053(fixture('genkgo-camt/camt053.v2.five.decimals.xml')).statements;
    expect(five.transactions[0]).toMatchObject({ amount: '8.85', description: 'Transaction Description', reference: '000000001' });
    const multi = parseCamt053(fixture('genkgo-camt/camt053.v2.multi.statement.xml')).statements;
    expect(multi.map((s) => [s.balances.opening?.amount, s.transactions.map((t) => t.amount), s.balances.closing?.amount])).toEqual([
      ['18.15', ['8.85'], '27.00'],
      ['27.00', ['-7.00'], '20.00'],
    ]);
    const [dttm] = parseCamt053(fixture('genkgo-camt/camt53.only-Dt-with-DtTm.xml')).statements;
    expect(dttm.balances.opening).toEqual({ amount: '5442.09', asOf: '2025-07-23T00:00:00.000Z' });
    expect(dttm.account.currency).toBe('RON');
  });

  test('camt053.v2.wrong.xml (no <Stmt>) -> StatementParseError', () => {
    const e = thrown(() => parseStatementFile(fixture('genkgo-camt/camt053.v2.wrong.xml'), 'camt053.v2.wrong.xml'));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e).toMatchObject({ code: 'MISSING_ELEMENT', location: { path: 'Document/BkToCstmrStmt/Stmt' } });
  });
});

describe('camt.053 rules on synthetic documents', () => {
  const doc = (entries: string, acct = '<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy><Tp><Cd>CACC</Cd></Tp></Acct>') =>
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.06"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>` +
    `<Stmt><Id>S1</Id>${acct}${entries}</Stmt></BkToCstmrStmt></Document>`;
  const ntry = (inner: string) => `<Ntry><Amt Ccy="EUR">12.30</Amt><CdtDbtInd>DBIT</CdtDbtInd>${inner}</Ntry>`;

  test('pending entries, NtryRef id fallback, ValDt fallback, INFO entries skipped, Ustrd description', () => {
    const { statements } = parseCamt053(
      doc(
        ntry('<Sts>PDNG</Sts><ValDt><Dt>2024-03-02</Dt></ValDt><NtryRef>REF-7</NtryRef><NtryDtls><TxDtls><RmtInf><Ustrd>Rent</Ustrd><Ustrd>March</Ustrd></RmtInf></TxDtls></NtryDtls>') +
          ntry('<Sts>INFO</Sts><BookgDt><Dt>2024-03-02</Dt></BookgDt>'),
      ),
    );
    expect(statements[0].account).toEqual({ id: 'DE89370400440532013000', type: 'checking', currency: 'EUR' });
    expect(statements[0].transactions).toEqual([
      { id: 'REF-7', amount: '-12.30', postedAt: '2024-03-02T00:00:00.000Z', status: 'pending', description: 'Rent March' },
    ]);
  });

  test('errors: bad amount, bad indicator, missing dates, malformed XML with a line, camt.054 unsupported', () => {
    const bad = thrown(() => parseCamt053(doc('<Ntry><Amt Ccy="EUR">12.3.0</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts></Ntry>')));
    expect(bad).toMatchObject({ code: 'INVALID_AMOUNT', location: { path: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt' } });
    expect(thrown(() => parseCamt053(doc(ntry('<Sts>BOOK</Sts>').replace('DBIT', 'DEBIT'))))).toMatchObject({ code: 'INVALID_FIELD' });
    expect(thrown(() => parseCamt053(doc(ntry('<Sts>BOOK</Sts>'))))).toMatchObject({ code: 'MISSING_FIELD' });
    const malformed = thrown(() => parseCamt053('<?xml version="1.0"?>\n<Document>\n<BkToCstmrStmt>\n</Document>'));
    expect(malformed).toBeInstanceOf(StatementParseError);
    expect(malformed).toMatchObject({ code: 'MALFORMED_XML', location: { line: 4 } });
    const camt054 = thrown(() => parseCamt053('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/></Document>'));
    expect(camt054).toBeInstanceOf(UnsupportedStatementError);
  });
});
