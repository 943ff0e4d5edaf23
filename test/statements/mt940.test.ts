/** MT940 fixtures against values read off the files by hand, plus the :61: rules. */
import { StatementParseError } from '../../lambdas/shared/errors';
import { add } from '../../lambdas/shared/money';
import { parseMt940 } from '../../lambdas/shared/statements';
import { expectWellFormed, fixture, thrown, total } from './helpers';

describe('swift-parser fixtures', () => {
  test.each(['swift-parser/test1.mt940', 'swift-parser/testX.mt940'])('%s: two statements, balances, :61: lines', (rel) => {
    const { statements } = parseMt940(fixture(rel));
    expectWellFormed(statements);
    expect(statements).toHaveLength(2);
    const [a, b] = statements;
    expect(a.account).toEqual({ id: '123456789', type: 'other', currency: 'EUR' });
    expect(a.balances).toEqual({
      opening: { amount: '0.00', asOf: '2014-05-07T00:00:00.000Z' },
      closing: { amount: '500.00', asOf: '2014-05-08T00:00:00.000Z' },
      ledger: { amount: '500.00', asOf: '2014-05-08T00:00:00.000Z' },
    });
    expect(a.transactions.map((t) => [t.id, t.amount, t.postedAt, t.kind, t.reference])).toEqual([
      ['B4E07XM00J000023', '500.00', '2014-05-07T00:00:00.000Z', 'NTRF', undefined], // NONREF -> no reference
    ]);
    expect(b.balances.opening).toEqual({ amount: '3058.98', asOf: '2014-07-29T00:00:00.000Z' });
    expect(b.balances.closing).toEqual({ amount: '798.98', asOf: '2014-07-30T00:00:00.000Z' });
    expect(b.transactions.map((t) => [t.id, t.amount, t.reference])).toEqual([
      ['B4G29PGCVO7Q06US', '-2760.00', undefined],
      ['B4G29PGDCK1QFV3E', '500.00', '29-07-2014 10:05'], // "C500NTRF": an amount without a comma
    ]);
    expect(b.transactions[0].memo).toBe('/OCMT/EUR10,00/'); // the :61: supplementary line
    // the statement adds up: opening + movements = closing
    for (const s of statements) expect(add(s.balances.opening!.amount, total(s))).toBe(s.balances.closing!.amount);
  });

  test('multi-line :86: details become one description', () => {
    const [a, b] = parseMt940(fixture('swift-parser/test1.mt940')).statements;
    expect(a.transactions[0].description).toBe('HIER EEN MOOIE OMSCHRIJVING IN HOOFDLETTERS WANT DAT IS ZOALS DE NEDERLANDSE BANKEN COMMUNICEREN');
    expect(b.transactions[0].description).toBe('FACTUUR 201403110, 201403113 REK: NL65INGB0123456789/NAAM: PICQER');
    const [x] = parseMt940(fixture('swift-parser/testX.mt940')).statements;
    expect(x.transactions[0].description).toMatch(/^\/XXXX\/\/100924006010 .* \/REMI\/XXXXXXXXXXX OUR REF: 03MT181012182288 YOUR REF: 181012671 +M CA O\/XXXXDK22 BIC:XXXXDK22$/);
  });
});

describe(':61: and balance rules', () => {
  const file = (lines: string[]) => [':20:REF1', ':25:INGBNL2A/0123456789', ':60F:D231229EUR100,00', ...lines, ':62M:C240102EUR1,00', ':64:C240102EUR2,5'].join('\r\n');

  test('RC/RD reversals, entry date across a year end, bank id from :25:, :62M:/:64:', () => {
    const [s] = parseMt940(
      file([':61:2312290102RD10,50NTRFABC//B1', ':86:reversed debit', ':61:231230RC1,NCHKNONREF', ':61:2401021231D0,25NMSC//B3']),
    ).statements;
    expect(s.account).toEqual({ id: '0123456789', bankId: 'INGBNL2A', type: 'other', currency: 'EUR' });
    expect(s.balances.opening?.amount).toBe('-100.00');
    expect(s.balances.available).toEqual({ amount: '2.50', asOf: '2024-01-02T00:00:00.000Z' });
    expect(s.transactions.map((t) => [t.amount, t.postedAt, t.id, t.kind])).toEqual([
      ['10.50', '2024-01-02T00:00:00.000Z', 'B1', 'NTRF'], // value 2023-12-29, booked 01-02 of the next year
      ['-1.00', '2023-12-30T00:00:00.000Z', undefined, 'NCHK'],
      ['-0.25', '2023-12-31T00:00:00.000Z', 'B3', 'NMSC'], // value 2024-01-02, booked 12-31 of the year before
    ]);
    expect(s.transactions[0].description).toBe('reversed debit');
  });

  test('malformed lines are typed errors with a line number', () => {
    const e = thrown(() => parseMt940(file([':61:23122X0102C1,NTRF//B1'])));
    expect(e).toBeInstanceOf(StatementParseError);
    expect(e).toMatchObject({ code: 'INVALID_FIELD', location: { line: 4 } });
    expect(thrown(() => parseMt940(file([':61:231340C1,NTRF'])))).toMatchObject({ code: 'INVALID_DATE' });
    expect(thrown(() => parseMt940(file([':61:231229C1,2,3NTRF'])))).toMatchObject({ code: 'INVALID_AMOUNT' });
    expect(thrown(() => parseMt940(':20:X\n:61:231229C1,NTRF\n'))).toMatchObject({ code: 'MISSING_FIELD' });
    expect(thrown(() => parseMt940('nothing here'))).toMatchObject({ code: 'NOT_MT940' });
  });
});
