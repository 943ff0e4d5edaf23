/**
 * Statement files -> the normalized model. One entry point for every format LedgerFlow reads:
 * parseStatementFile detects the format from the content (falling back on the file extension) and
 * hands the file to parseOfx, parseCamt053 or parseMt940.
 *
 * Errors thrown (all from ../errors): StatementParseError (malformed file, with code and location),
 * UnsupportedStatementError (well-formed but not modelled: OFX investment, camt.052/054), and for
 * OFX a non-zero STATUS: NeedsUserError or InstitutionError.
 */
import { StatementParseError } from '../errors';
import type { ParsedFile, StatementFormat } from '../model';
import { parseCamt053 } from './camt053';
import { headText } from './decode';
import { parseMt940 } from './mt940';
import { parseOfx } from './ofx/parse';

export { parseOfx } from './ofx/parse';
export { parseCamt053 } from './camt053';
export { parseMt940 } from './mt940';

const EXTENSIONS: Record<string, StatementFormat> = {
  ofx: 'ofx', qfx: 'ofx', qbo: 'ofx',
  xml: 'camt053', camt: 'camt053', c53: 'camt053',
  mt940: 'mt940', sta: 'mt940', '940': 'mt940', mt9: 'mt940',
};

/** The format a file's first bytes announce, or undefined. */
export function detectFormat(input: Uint8Array | string, filename?: string): StatementFormat | undefined {
  // Latin-1 view of the head is enough: every marker below is ASCII (UTF-16 files are rare enough to go by extension).
  const head = headText(input, 8192);
  if (/OFXHEADER\s*[:=]|<OFX>/i.test(head)) return 'ofx';
  if (/camt\.053|<(?:\w+:)?BkToCstmrStmt[\s>]|<(?:\w+:)?Document[\s>]/.test(head)) return 'camt053';
  if (/(?:^|[\r\n]|\{4:\s*)\s*:20:/.test(head)) return 'mt940';
  const ext = filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return ext && Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext] : undefined;
}

/** Parses a statement file of any supported format. */
export function parseStatementFile(input: Uint8Array | string, filename?: string): ParsedFile {
  switch (detectFormat(input, filename)) {
    case 'ofx':
      return parseOfx(input);
    case 'camt053':
      return parseCamt053(input);
    case 'mt940':
      return parseMt940(input);
    default:
      throw new StatementParseError(
        'UNKNOWN_FORMAT',
        `${filename ? `${filename}: ` : ''}not an OFX, CAMT.053 or MT940 statement (no format marker in its first bytes${filename ? ' and an unknown extension' : ''})`,
      );
  }
}
