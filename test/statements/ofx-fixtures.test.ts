/**
 * Every OFX/QFX fixture against values read off the files by hand (not copied from parser output).
 *
 * Decisions for the deliberately broken ofxparse files (fail_nice__*):
 * - fail_nice__date_missing.ofx: its first STMTTRN has no DTPOSTED (the 2nd an empty one, the 3rd
 *   20120231, which does not exist). A transaction without a date cannot be booked, so the file is a
 *   StatementParseError MISSING_FIELD at .../STMTTRN[1]/DTPOSTED, line 33 (the first bad element).
 * - fail_nice__decimal_error.ofx: TRNAMT "$120" is not an amount (and DTPOSTED 201120000000 has month
 *   20). An amount we cannot read must never become a guess: StatementParseError INVALID_AMOUNT at
 *   .../STMTTRN[1]/TRNAMT, line 37. (TRNAMT is checked before the date, so the amount is reported.)
 * - fail_nice__empty_balance.ofx: LEDGERBAL and AVAILBAL have blank BALAMT. A balance is optional in
 *   the model, so this parses tolerantly: the transaction is kept and the blank balances are omitted.
 * Other decisions: ofx-js/example2.ofx has its dates redacted to "****" -> StatementParseError
 * INVALID_DATE (first at BANKTRANLIST/DTSTART, line 39); investment statements ->
 * UnsupportedStatementError('investment'); files with only a sign-on or an account list -> no statements.
 */
import { InstitutionError, NeedsUserError, StatementParseError, UnsupportedStatementError } from '../../lambdas/shared/errors';
import { parseOfx } from '../../lambdas/shared/statements';
import { expectWellFormed, fixture, thrown, total } from './helpers';

const ofx = (rel: string) => parseOfx(fixture(rel));

describe('OFX fixtures that parse', () => {
  test('ofxparse/checking.ofx (SGML, unclosed leaves, tabs)', () => {
    const { statements } = ofx('ofxparse/checking.ofx');
    expect(statements).toHaveLength(1);
    const s = statements[0];
    expectWellFormed(statements);
    expect(s.account).toEqual({ id: '1452687~7', type: 'checking', currency: 'USD', bankId: '5472369148' });
    expect(s.period).toEqual({ start: '2000-01-01T07:00:00.000Z', end: '2013-05-25T06:00:00.000Z' });
    expect(s.transactions.map((t) => [t.id, t.amount, t.postedAt, t.kind])).toEqual([
      ['0000486', '0.01', '2011-03-31T12:00:00.000Z', 'CREDIT'],
      ['0000487', '-34.51', '2011-04-05T12:00:00.000Z', 'DEBIT'],
      ['0000488', '-25.00', '2011-04-07T12:00:00.000Z', 'CHECK'],
    ]);
    expect(total(s)).toBe('-59.50');
    expect(s.transactions[2].reference).toBe('319');
    expect(s.transactions[0].description).toBe('DIVIDEND EARNED FOR PERIOD OF 03');
    expect(s.transactions[2].memo).toBe('RETURNED CHECK FEE, CHECK # 319 FOR $45.33 ON 04/07/11');
    expect(s.balances).toEqual({
      ledger: { amount: '100.99', asOf: '2013-05-25T22:57:31.258Z' },
      available: { amount: '75.99', asOf: '2013-05-25T22:57:31.258Z' },
    });
  });

  test('ofxparse/bank_medium.ofx (lines holding many elements, [-5:EST] offsets)', () => {
    const [s] = ofx('ofxparse/bank_medium.ofx').statements;
    expect(s.account).toEqual({ id: '12300 000012345678', type: 'checking', currency: 'CAD', bankId: '160000100' });
    expect(s.transactions.map((t) => [t.id, t.amount, t.postedAt])).toEqual([
      ['0000123456782009040100001', '-6.60', '2009-04-01T17:20:17.000Z'],
      ['0000123456782009040200004', '-316.67', '2009-04-02T17:20:17.000Z'],
      ['0000123456782009040300005', '-22.00', '2009-04-03T17:20:17.000Z'],
    ]);
    expect(total(s)).toBe('-345.27');
    expect(s.transactions[0].description).toBe("MCDONALD'S #112");
    expect(s.transactions[1]).toMatchObject({ kind: 'CHECK', reference: '0', description: "Joe's Bald Hairstyles" });
    expect(s.balances.ledger).toEqual({ amount: '382.34', asOf: '2009-05-23T12:20:17.000Z' });
    expect(s.balances.available).toEqual({ amount: '682.34', asOf: '2009-05-23T12:20:17.000Z' });
  });

  test('ofxparse/anzcc.ofx (XML header over an SGML body, credit card)', () => {
    const [s] = ofx('ofxparse/anzcc.ofx').statements;
    expect(s.account).toEqual({ id: '1234123412341234', type: 'credit_card', currency: 'AUD' });
    expect(s.transactions).toEqual([
      { id: '201705080001', amount: '-5.50', postedAt: '2017-05-08T00:00:00.000Z', status: 'posted', kind: 'DEBIT', memo: 'SOME MEMO', description: 'SOME MEMO' },
    ]);
    expect(s.balances.ledger).toEqual({ amount: '-123.45', asOf: '2017-05-10T19:28:49.000Z' });
    expect(s.balances.available).toEqual({ amount: '123.45', asOf: '2017-05-10T19:28:49.000Z' });
  });

  test.each(['ofxparse/multiple_accounts.ofx', 'ofxparse/multiple_accounts2.ofx'])('%s (two statements)', (rel) => {
    const { statements } = ofx(rel);
    expect(statements.map((s) => [s.account.id, s.account.type, s.account.bankId, s.balances.ledger, s.transactions.length])).toEqual([
      ['9100', 'checking', '123', { amount: '111.00', asOf: '2012-06-03T20:32:20.000Z' }, 0],
      ['9200', 'savings', '123', { amount: '222.00', asOf: '2012-06-03T20:32:20.000Z' }, 0],
    ]);
  });

  test('ofxparse/suncorp.ofx (OFX 2 XML, CDATA, CRLF)', () => {
    const [s] = ofx('ofxparse/suncorp.ofx').statements;
    expect(s.account).toEqual({ id: '123456789', type: 'checking', currency: 'AUD', bankId: 'SUNCORP' });
    expect(s.transactions).toEqual([
      {
        id: '1',
        amount: '-16.85',
        postedAt: '2013-12-15T00:00:00.000Z',
        status: 'posted',
        kind: 'DEBIT',
        reference: '0',
        description: 'EFTPOS WDL HANDYWAY ALDI STORE',
        memo: 'EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU',
      },
    ]);
    expect(s.balances.ledger?.amount).toBe('1234.12');
    expect(s.balances.available?.amount).toBe('1234.12');
  });

  test('ofxparse/ofx-v102-empty-tags.ofx (one line, empty elements, blank CURDEF/FITID/ACCTTYPE)', () => {
    const [s] = ofx('ofxparse/ofx-v102-empty-tags.ofx').statements;
    // CURDEF is empty: the currency comes from the transaction's CURRENCY/CURSYM (AUD)
    expect(s.account).toEqual({ id: '12345678', type: 'other', currency: 'AUD', bankId: 'NPBS' });
    expect(s.transactions).toEqual([
      { amount: '12.34', postedAt: '2018-05-07T00:00:00.000Z', status: 'posted', kind: 'Credit', memo: 'CBA:Transfer', description: 'CBA:Transfer' },
    ]);
    expect(s.transactions[0]).not.toHaveProperty('id'); // <FITID></FITID>
    expect(s.balances).toEqual({}); // <BALAMT></BALAMT>
  });

  test('ofxparse/fail_nice__empty_balance.ofx parses tolerantly without the blank balances', () => {
    const [s] = ofx('ofxparse/fail_nice__empty_balance.ofx').statements;
    expect(s.account).toEqual({ id: '192639749', type: 'checking', currency: 'CAD', bankId: '123845030' });
    expect(s.transactions).toEqual([
      { id: '2000957249', amount: '120.00', postedAt: '2011-03-08T02:00:00.000Z', status: 'posted', kind: 'OTHER', description: 'Foobar' },
    ]);
    expect(s.balances).toEqual({});
  });

  test('ofx-js/credit-card.qfx (one line, [-5] offsets, &amp;)', () => {
    const [s] = ofx('ofx-js/credit-card.qfx').statements;
    expect(s.account).toEqual({ id: '4510000000003333', type: 'credit_card', currency: 'CAD' });
    expect(s.transactions.map((t) => t.amount)).toEqual(['-6.88', '202.08', '-70.37', '-26.38', '-17.97']);
    expect(total(s)).toBe('80.48');
    expect(s.transactions[0]).toMatchObject({ id: '90000010020260323V001872E778F', postedAt: '2026-03-23T17:00:00.000Z' });
    expect(s.transactions[3].description).toBe('T&T SUPERMARKET');
    expect(s.balances.ledger).toEqual({ amount: '904.53', asOf: '2026-05-19T00:00:00.000Z' });
  });

  test('ofx-js/example-xml.qfx (SGML header, closed leaf tags, one line)', () => {
    const [s] = ofx('ofx-js/example-xml.qfx').statements;
    expect(s.account).toEqual({ id: 'XXXXXXXXXX', type: 'savings', currency: 'USD', bankId: 'XXXXXXXXX' });
    expect(s.transactions).toEqual([
      { id: '21172131531687', amount: '0.84', postedAt: '2016-12-15T00:05:50.000Z', status: 'posted', kind: 'INT', description: 'Interest Paid' },
    ]);
    expect(s.balances.ledger).toEqual({ amount: '1025.23', asOf: '2017-01-04T22:50:53.000Z' });
  });

  test('ofx-js/example1.ofx (FITIDs with dots kept as written)', () => {
    const [s] = ofx('ofx-js/example1.ofx').statements;
    expect(s.account).toEqual({ id: '1234567-00', type: 'savings', currency: 'NZD', bankId: '01' });
    expect(s.transactions.map((t) => [t.id, t.amount])).toEqual([
      ['20120928.0', '19.90'],
      ['20120928.1', '-1.01'],
      ['20120907.0', '-100.00'],
      ['201209071', '-71.99'],
      ['20120104.6', '-20.01'],
    ]);
    expect(total(s)).toBe('-173.11');
    expect(s.balances.ledger).toEqual({ amount: '4225.79', asOf: '2012-10-04T00:00:00.000Z' });
    expect(s.balances.available).toEqual({ amount: '12.79', asOf: '2012-10-04T00:00:00.000Z' });
  });

  test.each(['ofxparse/signon_success.ofx', 'ofxparse/signon_success_no_message.ofx', 'ofxparse/account_listing_aggregation.ofx', 'ofxparse/bank_small.ofx'])(
    '%s holds no statement',
    (rel) => {
      expect(ofx(rel)).toEqual({ statements: [] });
    },
  );
});

describe('OFX fixtures that yield typed errors', () => {
  test('ofxparse/signon_fail.ofx: SIGNON 15500 -> NeedsUserError INVALID_CREDENTIALS', () => {
    const e = thrown(() => ofx('ofxparse/signon_fail.ofx'));
    expect(e).toBeInstanceOf(NeedsUserError);
    expect(e).toMatchObject({ name: 'NeedsUserError', code: 'INVALID_CREDENTIALS', ofxCode: 15500 });
    expect(e.message).toContain('invalid identification code');
  });

  test('ofxparse/error_message.ofx: statement STATUS 2000 ERROR -> InstitutionError', () => {
    const e = thrown(() => ofx('ofxparse/error_message.ofx'));
    expect(e).toBeInstanceOf(InstitutionError);
    expect(e).toMatchObject({ code: 'INSTITUTION_ERROR', ofxCode: 2000, severity: 'ERROR' });
    expect(e.message).toContain('General Server Error');
  });

  test('ofxparse/fail_nice__date_missing.ofx -> MISSING_FIELD DTPOSTED', () => {
    const e = thrown(() => ofx('ofxparse/fail_nice__date_missing.ofx'));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.location).toMatchObject({ path: 'OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS/BANKTRANLIST/STMTTRN[1]/DTPOSTED', line: 33 });
  });

  test('ofxparse/fail_nice__decimal_error.ofx -> INVALID_AMOUNT TRNAMT', () => {
    const e = thrown(() => ofx('ofxparse/fail_nice__decimal_error.ofx'));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e.code).toBe('INVALID_AMOUNT');
    expect(e.message).toContain('"$120"');
    expect(e.location).toMatchObject({ path: 'OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS/BANKTRANLIST/STMTTRN[1]/TRNAMT', line: 37 });
  });

  test('ofx-js/example2.ofx (redacted "****" dates) -> INVALID_DATE', () => {
    const e = thrown(() => ofx('ofx-js/example2.ofx'));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e.code).toBe('INVALID_DATE');
    expect(e.location).toMatchObject({ path: 'OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS/BANKTRANLIST/DTSTART', line: 39 });
  });

  test.each([
    'ofxparse/fidelity-savings.ofx',
    'ofxparse/fidelity.ofx',
    'ofxparse/investment_401k.ofx',
    'ofxparse/investment_medium.ofx',
    'ofxparse/td_ameritrade.ofx',
    'ofxparse/tiaacref.ofx',
    'ofxparse/vanguard.ofx',
    'ofxparse/vanguard401k.ofx',
  ])('%s -> UnsupportedStatementError(investment)', (rel) => {
    const e = thrown(() => ofx(rel));
    expect(e).toBeInstanceOf(UnsupportedStatementError);
    expect(e).toMatchObject({ name: 'UnsupportedStatementError', statementType: 'investment', code: 'UNSUPPORTED_STATEMENT_TYPE' });
  });
});
