/** Small helpers shared by the statement parsers: amounts, ISO dates, error locations. */
import { StatementParseError, type SourceLocation } from '../errors';
import { parseAmount } from '../money';

/** Longer than any real amount; caps the work money.ts does on hostile input (BigInt of 1 MB of digits). */
const MAX_AMOUNT_LENGTH = 40;

/**
 * Canonical amount, or a StatementParseError('INVALID_AMOUNT') naming what and where. The location
 * may be a function: computing a line number costs O(offset), so it is only done for an error.
 */
/**
 * The amount grammar money.ts accepts, checked first without exceptions: money.ts signals an invalid
 * amount by throwing, and an Error with its stack trace costs tens of microseconds, which a hostile
 * file of 40,000 bad amounts would multiply. parseAmount stays the authority (its throw is still caught).
 */
const AMOUNT_SHAPE = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;

/** Canonical amount, or undefined when `text` (already trimmed) is not one. */
export function tryAmount(text: string): string | undefined {
  if (text === '' || text.length > MAX_AMOUNT_LENGTH || !AMOUNT_SHAPE.test(text)) return undefined;
  try {
    return parseAmount(text);
  } catch {
    return undefined;
  }
}

export function amountAt(raw: string | undefined, what: string, location: SourceLocation | (() => SourceLocation)): string {
  const text = (raw ?? '').trim();
  const where = () => (typeof location === 'function' ? location() : location);
  if (text === '') throw new StatementParseError('MISSING_FIELD', `${what} is missing`, where());
  const amount = tryAmount(text);
  if (amount === undefined) throw new StatementParseError('INVALID_AMOUNT', `${what} ${quote(text)} is not an amount`, where());
  return amount;
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

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

/**
 * Builds an ISO UTC timestamp, exactly as Date#toISOString() writes it, from calendar fields and a
 * UTC offset in minutes; undefined when a field is out of range (Feb 31, month 20, hour 25).
 * Pure arithmetic: parsers call this once per transaction, and Date objects cost allocations.
 */
export function isoFromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMinutes: number): string | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return undefined;
  if (s === 60) s = 59; // a leap second is not representable in a JS date
  let minutes = h * 60 + mi - offsetMinutes;
  let days = daysFromCivil(y, mo, d);
  const shift = Math.floor(minutes / 1440);
  days += shift;
  minutes -= shift * 1440;
  if (shift !== 0) {
    // the offset moved the instant to another day: back to calendar fields
    const c = civilFromDays(days);
    y = c.y;
    mo = c.m;
    d = c.d;
  }
  if (y < 0 || y > 9999) {
    const t = days * 86400000 + minutes * 60000 + s * 1000 + ms;
    return Math.abs(t) > 8.64e15 ? undefined : new Date(t).toISOString();
  }
  const year = y >= 1000 ? '' + y : ('000' + y).slice(-4);
  const msText = ms < 10 ? '00' + ms : ms < 100 ? '0' + ms : '' + ms;
  return `${year}-${pad2(mo)}-${pad2(d)}T${pad2((minutes / 60) | 0)}:${pad2(minutes % 60)}:${pad2(s)}.${msText}Z`;
}

/** Inverse of daysFromCivil. */
function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
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
