/** OFX features the fixtures do not cover: pending items, card closings, STATUS codes, charsets, tokenizer corners. */
import { InstitutionError, NeedsUserError, StatementParseError } from '../../lambdas/shared/errors';
import { parseOfx } from '../../lambdas/shared/statements';
import { parseOfxDate } from '../../lambdas/shared/statements/ofx/date';
import { expectWellFormed, thrown } from './helpers';

const SGML_HEADER = 'OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n';
const XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n';

function signon(code = 0, severity = 'INFO', message = ''): string {
  return `<SIGNONMSGSRSV1><SONRS><STATUS><CODE>${code}<SEVERITY>${severity}${message ? `<MESSAGE>${message}` : ''}</STATUS><DTSERVER>20240105120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>`;
}

function bank(transactions: string, status = '<STATUS><CODE>0<SEVERITY>INFO</STATUS>'): string {
  return (
    `<BANKMSGSRSV1><STMTTRNRS><TRNUID>1${status}<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>021000021<ACCTID>000555<ACCTTYPE>MONEYMRKT</BANKACCTFROM>` +
    `<BANKTRANLIST><DTSTART>20240101<DTEND>20240105${transactions}</BANKTRANLIST>` +
    `<LEDGERBAL><BALAMT>10.00<DTASOF>20240105</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>`
  );
}

const trn = (amount: string, fitid: string, extra = '') => `<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240102<TRNAMT>${amount}<FITID>${fitid}${extra}</STMTTRN>`;

describe('credit card: pending list and closings (OFX 2.x XML)', () => {
  const file =
    XML_HEADER +
    `<OFX>
  <SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>20240105120000</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
  <CREDITCARDMSGSRSV1>
    <CCSTMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
      <CCSTMTRS><CURDEF>USD</CURDEF><CCACCTFROM><ACCTID>4111000011112222</ACCTID></CCACCTFROM>
        <BANKTRANLIST><DTSTART>20231201</DTSTART><DTEND>20240105</DTEND>
          <STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240102</DTPOSTED><TRNAMT>-42.10</TRNAMT><FITID>00042</FITID><NAME>GROCER</NAME></STMTTRN>
          <STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20240103</DTPOSTED><TRNAMT>100.00</TRNAMT><FITID>00043</FITID><NAME>PAYMENT THANK YOU</NAME></STMTTRN>
        </BANKTRANLIST>
        <LEDGERBAL><BALAMT>-120.00</BALAMT><DTASOF>20240105</DTASOF></LEDGERBAL>
        <AVAILBAL><BALAMT>4880.00</BALAMT><DTASOF>20240105</DTASOF></AVAILBAL>
        <BANKTRANLISTP><DTASOF>20240105</DTASOF>
          <STMTTRNP><TRNTYPE>DEBIT</TRNTYPE><DTTRAN>20240104153000[-5:EST]</DTTRAN><TRNAMT>-9.99</TRNAMT><NAME>STREAMING CO</NAME></STMTTRNP>
        </BANKTRANLISTP>
      </CCSTMTRS>
    </CCSTMTTRNRS>
    <CCSTMTENDTRNRS><TRNUID>2</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
      <CCSTMTENDRS><CURDEF>USD</CURDEF><CCACCTFROM><ACCTID>4111000011112222</ACCTID></CCACCTFROM>
        <CCCLOSING><FITID>CL-2023-12</FITID><DTOPEN>20231101</DTOPEN><DTCLOSE>20231130</DTCLOSE><BALOPEN>-50.00</BALOPEN><BALCLOSE>-177.90</BALCLOSE>
          <DTPMTDUE>20231225</DTPMTDUE><MINPMTDUE>25.00</MINPMTDUE><CREDITLIMIT>5000.00</CREDITLIMIT></CCCLOSING>
        <CCCLOSING><DTCLOSE>20231031</DTCLOSE><BALCLOSE>-50.00</BALCLOSE></CCCLOSING>
      </CCSTMTENDRS>
    </CCSTMTENDTRNRS>
  </CREDITCARDMSGSRSV1>
</OFX>`;

  test('posted and pending transactions, balances, closings joined to the card statement', () => {
    const { statements } = parseOfx(file);
    expectWellFormed(statements);
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s.account).toEqual({ id: '4111000011112222', type: 'credit_card', currency: 'USD', creditLimit: '5000.00' });
    expect(s.transactions.map((t) => [t.status, t.amount, t.postedAt, t.id])).toEqual([
      ['posted', '-42.10', '2024-01-02T00:00:00.000Z', '00042'],
      ['posted', '100.00', '2024-01-03T00:00:00.000Z', '00043'],
      ['pending', '-9.99', '2024-01-04T20:30:00.000Z', undefined],
    ]);
    expect(s.balances.ledger).toEqual({ amount: '-120.00', asOf: '2024-01-05T00:00:00.000Z' });
    expect(s.balances.available).toEqual({ amount: '4880.00', asOf: '2024-01-05T00:00:00.000Z' });
    expect(s.closings).toEqual([
      {
        id: 'CL-2023-12',
        periodStart: '2023-11-01T00:00:00.000Z',
        periodEnd: '2023-11-30T00:00:00.000Z',
        opening: '-50.00',
        closing: '-177.90',
        paymentDue: '2023-12-25T00:00:00.000Z',
        minimumPayment: '25.00',
        creditLimit: '5000.00',
      },
      { periodEnd: '2023-10-31T00:00:00.000Z', closing: '-50.00' },
    ]);
  });

  test('a closing response alone becomes a card statement with closings and no transactions', () => {
    const only = file.replace(/<CCSTMTTRNRS>[\s\S]*<\/CCSTMTTRNRS>/, '');
    const { statements } = parseOfx(only);
    expect(statements).toHaveLength(1);
    expect(statements[0].transactions).toEqual([]);
    expect(statements[0].closings?.map((c) => c.closing)).toEqual(['-177.90', '-50.00']);
  });

  test('a CCCLOSING without BALCLOSE is a parse error with its path', () => {
    const e = thrown(() => parseOfx(file.replace('<BALCLOSE>-50.00</BALCLOSE>', '')));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.location.path).toBe('OFX/CREDITCARDMSGSRSV1/CCSTMTENDTRNRS/CCSTMTENDRS/CCCLOSING[2]/BALCLOSE');
  });
});

describe('STATUS codes become typed errors', () => {
  test.each([
    [15500, 'ERROR', 'INVALID_CREDENTIALS'],
    [15000, 'ERROR', 'INVALID_CREDENTIALS'],
    [15502, 'ERROR', 'LOCKED'],
    [3000, 'ERROR', 'MFA_REQUIRED'],
    [3001, 'ERROR', 'MFA_REQUIRED'],
  ])('SIGNON %i -> NeedsUserError %s', (code, severity, expected) => {
    const e = thrown(() => parseOfx(SGML_HEADER + `<OFX>${signon(code, severity, 'No')}${bank(trn('-1.00', '1'))}</OFX>`));
    expect(e).toBeInstanceOf(NeedsUserError);
    expect(e).toMatchObject({ code: expected, ofxCode: code });
  });

  test('statement-level 15500 -> NeedsUserError; 2000 ERROR -> InstitutionError; other non-zero ERROR too', () => {
    const withStatus = (code: number, sev: string) => SGML_HEADER + `<OFX>${signon()}${bank(trn('-1.00', '1'), `<STATUS><CODE>${code}<SEVERITY>${sev}<MESSAGE>nope</STATUS>`)}</OFX>`;
    expect(thrown(() => parseOfx(withStatus(15500, 'ERROR')))).toMatchObject({ name: 'NeedsUserError', code: 'INVALID_CREDENTIALS', ofxCode: 15500 });
    const e = thrown(() => parseOfx(withStatus(2000, 'ERROR')));
    expect(e).toBeInstanceOf(InstitutionError);
    expect(e).toMatchObject({ ofxCode: 2000, severity: 'ERROR' });
    expect(e.message).toContain('nope');
    expect(thrown(() => parseOfx(withStatus(10500, 'ERROR')))).toMatchObject({ name: 'InstitutionError', ofxCode: 10500 });
    // a non-zero WARN/INFO status does not stop the statement
    expect(parseOfx(withStatus(2019, 'WARN')).statements[0].transactions).toHaveLength(1);
  });

  test('signon success with no message set -> no statements', () => {
    expect(parseOfx(SGML_HEADER + `<OFX>${signon()}</OFX>`)).toEqual({ statements: [] });
  });
});

describe('tokenizer and field rules', () => {
  test('MONEYMRKT -> savings; the first missing TRNAMT is located by path, line and offset', () => {
    const ok = parseOfx(SGML_HEADER + `<OFX>${signon()}${bank(trn('-1.00', '1'))}</OFX>`);
    expect(ok.statements[0].account.type).toBe('savings');
    const body = `<OFX>${signon()}\n${bank(trn('-1.00', '1') + '\n' + trn('2,50', '2') + '\n<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240102<FITID>3</STMTTRN>')}</OFX>`;
    const e = thrown(() => parseOfx(SGML_HEADER + body));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.location.path).toBe('OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS/BANKTRANLIST/STMTTRN[3]/TRNAMT');
    expect(e.location.line).toBe(14); // 10 header lines, a blank one, then <OFX>... on 12, two newlines inside
    expect((SGML_HEADER + body).slice(e.location.offset, e.location.offset + 9)).toBe('<STMTTRN>');
  });

  test('"," decimal separator, leading zeros kept in FITID and ACCTID', () => {
    const [s] = parseOfx(SGML_HEADER + `<OFX>${signon()}${bank(trn('-1234,5', '000099'))}</OFX>`).statements;
    expect(s.transactions[0]).toMatchObject({ amount: '-1234.50', id: '000099' });
    expect(s.account.id).toBe('000555');
  });

  test('entities (named and numeric), CDATA, an unclosed empty leaf, comments', () => {
    const extra = '<NAME>A &amp; B &lt;C&gt; &#233;&#xE9; &unknown; x < y<MEMO><!-- note --><CHECKNUM><![CDATA[ 12<3> ]]></CHECKNUM>';
    const [s] = parseOfx(SGML_HEADER + `<OFX>${signon()}${bank(trn('-1.00', '1', extra))}</OFX>`).statements;
    // <MEMO> has no value and no end tag: an empty leaf, and the elements after it stay in STMTTRN
    expect(s.transactions[0]).toEqual({
      id: '1',
      amount: '-1.00',
      postedAt: '2024-01-02T00:00:00.000Z',
      status: 'posted',
      kind: 'DEBIT',
      description: 'A & B <C> éé &unknown; x < y',
      reference: '12<3>',
    });
  });

  test('an XML body with closed leaves and self-closing empty elements', () => {
    const body = XML_HEADER + `<OFX>${signon().replace(/<(CODE|SEVERITY|DTSERVER|LANGUAGE)>([^<]*)/g, '<$1>$2</$1>')}` + bank(trn('-1.00', '1', '<MEMO/>')) + '</OFX>';
    const [s] = parseOfx(body).statements;
    expect(s.transactions[0]).not.toHaveProperty('memo');
  });

  test('bytes are decoded by the declared CHARSET', () => {
    const name = (bytes: number[]) => Buffer.concat([Buffer.from('<NAME>'), Buffer.from(bytes)]).toString('latin1');
    const make = (header: string, nameBytes: number[]) => {
      const text = header + `<OFX>${signon()}${bank(trn('-1.00', '1', '\u0000'))}</OFX>`;
      const [before, after] = text.split('\u0000');
      return new Uint8Array(Buffer.concat([Buffer.from(before, 'latin1'), Buffer.from(name(nameBytes), 'latin1'), Buffer.from(after, 'latin1')]));
    };
    const desc = (bytes: Uint8Array) => parseOfx(bytes).statements[0].transactions[0].description;
    expect(desc(make(SGML_HEADER, [0x43, 0x41, 0x46, 0xc9, 0x20, 0x80]))).toBe('CAFÉ €'); // CHARSET:1252
    expect(desc(make(SGML_HEADER.replace('CHARSET:1252', 'CHARSET:ISO-8859-1'), [0xe9]))).toBe('é');
    expect(desc(make(SGML_HEADER.replace('ENCODING:USASCII', 'ENCODING:UTF-8').replace('CHARSET:1252', 'CHARSET:NONE'), [0xc3, 0xa9]))).toBe('é');
    expect(desc(make(XML_HEADER, [0xc3, 0xa9, 0xe2, 0x82, 0xac]))).toBe('é€'); // encoding="UTF-8"
    // declared UTF-8 but written in 1252 (invalid UTF-8): falls back to 1252 rather than U+FFFD
    expect(desc(make(XML_HEADER, [0xe9]))).toBe('é');
    // the same file as a string gives the same result
    expect(parseOfx(Buffer.from(make(SGML_HEADER, [0xc9])).toString('latin1')).statements[0].transactions[0].description).toBe('É');
  });

  test('a truncated file is a parse error, not a short statement', () => {
    const full = SGML_HEADER + `<OFX>${signon()}${bank(trn('-1.00', '1') + trn('-2.00', '2'))}</OFX>`;
    for (const cut of [full.indexOf('<STMTTRN>', full.indexOf('<STMTTRN>') + 1), full.length - 3, full.length - 6]) {
      const e = thrown(() => parseOfx(full.slice(0, cut)));
      expect(e).toBeInstanceOf(StatementParseError);
      expect(e.code).toBe('TRUNCATED');
    }
  });

  test('a file that is not OFX', () => {
    expect(thrown(() => parseOfx('hello'))).toMatchObject({ name: 'StatementParseError', code: 'NOT_OFX' });
  });

  test('investment statements beside a bank statement are skipped', () => {
    const inv = '<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>9<STATUS><CODE>0<SEVERITY>INFO</STATUS><INVSTMTRS><DTASOF>20240105<CURDEF>USD</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>';
    const { statements } = parseOfx(SGML_HEADER + `<OFX>${signon()}${bank(trn('-1.00', '1'))}${inv}</OFX>`);
    expect(statements.map((s) => s.account.id)).toEqual(['000555']);
  });
});

describe('OFX dates', () => {
  test.each([
    ['20230105', '2023-01-05T00:00:00.000Z'],
    ['20230105120000', '2023-01-05T12:00:00.000Z'],
    ['202301051200', '2023-01-05T12:00:00.000Z'],
    ['20230105120000.123[-5:EST]', '2023-01-05T17:00:00.123Z'],
    ['20230105120000.5', '2023-01-05T12:00:00.500Z'],
    ['20230105233000[+5.30:IST]', '2023-01-05T18:00:00.000Z'],
    ['20231231220000[-5:EST]', '2024-01-01T03:00:00.000Z'],
    ['20230105120000[-5]', '2023-01-05T17:00:00.000Z'],
    ['20230105120000[0:GMT]', '2023-01-05T12:00:00.000Z'],
    ['20091217162416.000[-:EST]', '2009-12-17T21:24:16.000Z'],
    ['20240229', '2024-02-29T00:00:00.000Z'],
  ])('%s -> %s', (raw, iso) => {
    expect(parseOfxDate(raw)).toBe(iso);
  });

  test.each(['20120231', '20230229', '201120000000', '****', '2023010', '20230105120000[XYZ]', '20230105x', '20230105246000'])('%s is not a date', (raw) => {
    expect(parseOfxDate(raw)).toBeUndefined();
  });
});
