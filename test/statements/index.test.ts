/**
 * parseStatementFile over every fixture file (the table must cover the whole folder, so a new
 * fixture cannot go untested), format detection, and the `npm run parse` CLI as a real process.
 */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseStatementFile } from '../../lambdas/shared/statements';
import { expectWellFormed, FIXTURES, fixture, thrown } from './helpers';

/** Every statement file: [statement count, transaction count per statement] or the error it yields. */
const EXPECTED: Record<string, { counts: number[] } | { error: string; code: string }> = {
  'genkgo-camt/camt053.v2.all-balance-types.xml': { counts: [1] },
  'genkgo-camt/camt053.v2.five.decimals.xml': { counts: [1] },
  'genkgo-camt/camt053.v2.minimal.ultimate.xml': { counts: [1] },
  'genkgo-camt/camt053.v2.minimal.xml': { counts: [1] },
  'genkgo-camt/camt053.v2.multi.statement.xml': { counts: [1, 1] },
  'genkgo-camt/camt053.v2.with-account-name.xml': { counts: [1] },
  'genkgo-camt/camt053.v2.with-party-ids.xml': { counts: [1] },
  'genkgo-camt/camt053.v2.wrong.xml': { error: 'StatementParseError', code: 'MISSING_ELEMENT' },
  'genkgo-camt/camt053.v3.xml': { counts: [1] },
  'genkgo-camt/camt053.v4.xml': { counts: [1] },
  'genkgo-camt/camt053.v8.xml': { counts: [1] },
  'genkgo-camt/camt53.only-Dt-with-DtTm.xml': { counts: [0] },
  'ofx-js/credit-card.qfx': { counts: [5] },
  'ofx-js/example-xml.qfx': { counts: [1] },
  'ofx-js/example1.ofx': { counts: [5] },
  'ofx-js/example2.ofx': { error: 'StatementParseError', code: 'INVALID_DATE' },
  'ofxparse/account_listing_aggregation.ofx': { counts: [] },
  'ofxparse/anzcc.ofx': { counts: [1] },
  'ofxparse/bank_medium.ofx': { counts: [3] },
  'ofxparse/bank_small.ofx': { counts: [] },
  'ofxparse/checking.ofx': { counts: [3] },
  'ofxparse/error_message.ofx': { error: 'InstitutionError', code: 'INSTITUTION_ERROR' },
  'ofxparse/fail_nice__date_missing.ofx': { error: 'StatementParseError', code: 'MISSING_FIELD' },
  'ofxparse/fail_nice__decimal_error.ofx': { error: 'StatementParseError', code: 'INVALID_AMOUNT' },
  'ofxparse/fail_nice__empty_balance.ofx': { counts: [1] },
  'ofxparse/fidelity-savings.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/fidelity.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/investment_401k.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/investment_medium.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/multiple_accounts.ofx': { counts: [0, 0] },
  'ofxparse/multiple_accounts2.ofx': { counts: [0, 0] },
  'ofxparse/ofx-v102-empty-tags.ofx': { counts: [1] },
  'ofxparse/signon_fail.ofx': { error: 'NeedsUserError', code: 'INVALID_CREDENTIALS' },
  'ofxparse/signon_success.ofx': { counts: [] },
  'ofxparse/signon_success_no_message.ofx': { counts: [] },
  'ofxparse/suncorp.ofx': { counts: [1] },
  'ofxparse/td_ameritrade.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/tiaacref.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/vanguard.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'ofxparse/vanguard401k.ofx': { error: 'UnsupportedStatementError', code: 'UNSUPPORTED_STATEMENT_TYPE' },
  'swift-parser/test1.mt940': { counts: [1, 2] },
  'swift-parser/testX.mt940': { counts: [1, 2] },
};

/** Statement files in the fixture folder (licences, notes and the CAMT .json expectations excluded). */
function statementFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(FIXTURES)) {
    if (!statSync(join(FIXTURES, dir)).isDirectory()) continue;
    for (const f of readdirSync(join(FIXTURES, dir))) if (f !== 'LICENSE' && !f.endsWith('.json')) out.push(`${dir}/${f}`);
  }
  return out.sort();
}

describe('parseStatementFile over every fixture', () => {
  test('the table covers every file in the fixture folder', () => {
    expect(statementFiles()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.entries(EXPECTED))('%s', (rel, expected) => {
    const bytes = fixture(rel);
    if ('counts' in expected) {
      // with its name, and by content alone (format detection must not need the extension)
      for (const name of [rel.split('/')[1], undefined]) {
        const { statements } = parseStatementFile(bytes, name);
        expectWellFormed(statements);
        expect(statements.map((s) => s.transactions.length)).toEqual(expected.counts);
      }
    } else {
      const e = thrown(() => parseStatementFile(bytes, rel.split('/')[1]));
      expect(e.name).toBe(expected.error);
      expect(e.code).toBe(expected.code);
    }
  });

  test('an unknown format -> UNKNOWN_FORMAT naming the file; the extension is the fallback', () => {
    const e = thrown(() => parseStatementFile('date,amount\n2024-01-01,1.00\n', 'export.csv'));
    expect(e).toMatchObject({ name: 'StatementParseError', code: 'UNKNOWN_FORMAT' });
    expect(e.message).toContain('export.csv');
    // no marker in the content, but an .sta name: parsed as MT940 (and rejected as such)
    expect(thrown(() => parseStatementFile('nothing', 'x.sta'))).toMatchObject({ code: 'NOT_MT940' });
  });
});

describe('npm run parse (local/parse.ts) as a process', () => {
  const run = (args: string[]) =>
    promisify(execFile)('npx', ['tsx', 'local/parse.ts', ...args], { cwd: join(__dirname, '../..'), timeout: 30000 }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );

  test('one file: pretty { statements }, exit 0', async () => {
    const r = await run([join(FIXTURES, 'ofxparse/checking.ofx')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.statements[0].transactions.map((t: { amount: string }) => t.amount)).toEqual(['0.01', '-34.51', '-25.00']);
    expect(doc.statements[0].balances.ledger.amount).toBe('100.99');
  });

  test('several files: one JSON document per line, errors as { error }, exit 1', async () => {
    const bad = join(FIXTURES, 'ofxparse/fail_nice__decimal_error.ofx');
    const r = await run([join(FIXTURES, 'swift-parser/test1.mt940'), bad, join(FIXTURES, 'ofxparse/signon_fail.ofx')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].statements).toHaveLength(2);
    expect(lines[1].error.code).toBe('INVALID_AMOUNT');
    expect(lines[1].error.message).toContain(bad);
    expect(lines[1].error.message).toContain('STMTTRN[1]/TRNAMT');
    expect(lines[2].error).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
