/** Small helpers shared by the statement parsers: amounts, ISO dates, error locations. */
import { StatementParseError, type SourceLocation } from '../errors';
import { isAmount, parseAmount } from '../money';

/** Longer than any real amount; caps the work money.ts does on hostile input (BigInt of 1 MB of digits). */
const MAX_AMOUNT_LENGTH = 40;

/** Canonical amount, or a StatementParseError('INVALID_AMOUNT') naming what and where. */
export function amountAt(raw: string | undefined, what: string, location: SourceLocation): string {
  const text = (raw ?? '').trim();
  if (text === '') throw new StatementParseError('MISSING_FIELD', `${what} is missing`, location);
  if (text.length > MAX_AMOUNT_LENGTH || !isAmount(text)) {
    throw new StatementParseError('INVALID_AMOUNT', `${what} ${quote(text)} is not an amount`, location);
  }
  return parseAmount(text);
}

/** 1-based line number of a character offset (computed only when an error needs it). */
export function lineOf(src: string, offset: number): number {
  let line = 1;
  let i = src.indexOf('\n');
  while (i !== -1 && i < offset) {
    line++;
    i = src.indexOf('\n', i + 1);
  }
  return line;
}

/** A value for an error message: quoted and cut short, so a hostile 1 MB value cannot bloat errors. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * Builds an ISO UTC timestamp from calendar fields and a UTC offset in minutes, or returns
 * undefined when a field is out of range (Feb 31, month 20, hour 25).
 */
export function isoFromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMinutes: number): string | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear, not Date.UTC: years 0-99 stay literal
  date.setUTCHours(h, mi, Math.min(s, 59), ms);
  const t = date.getTime() - offsetMinutes * 60000;
  if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) return undefined;
  return new Date(t).toISOString();
}

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/**
 * ISO 8601 date or date-time as CAMT writes it: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM].
 * No zone means UTC. Returns undefined when it is not one.
 */
export function parseIsoDate(raw: string): string | undefined {
  const s = raw.trim();
  if (s.length < 10 || s.length > 40 || s[4] !== '-' || s[7] !== '-') return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  let h = 0, mi = 0, sec = 0, ms = 0, offset = 0;
  let i = 10;
  if (i < s.length) {
    if (s[i] !== 'T' || s[i + 3] !== ':' || s[i + 6] !== ':') return undefined;
    h = digits(s, i + 1, 2);
    mi = digits(s, i + 4, 2);
    sec = digits(s, i + 7, 2);
    i += 9;
    if (s[i] === '.') {
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
      if (j === i + 1) return undefined;
      ms = digits((s.slice(i + 1, j) + '00').slice(0, 3), 0, 3);
      i = j;
    }
    if (s[i] === 'Z') i++;
    else if (s[i] === '+' || s[i] === '-') {
      if (s[i + 3] !== ':' || s.length !== i + 6) return undefined;
      const oh = digits(s, i + 1, 2);
      const om = digits(s, i + 4, 2);
      offset = (s[i] === '-' ? -1 : 1) * (oh * 60 + om);
      i += 6;
    }
    if (i !== s.length) return undefined;
  }
  if ([y, mo, d, h, mi, sec, ms, offset].some(Number.isNaN)) return undefined;
  return isoFromParts(y, mo, d, h, mi, sec, ms, offset);
}
