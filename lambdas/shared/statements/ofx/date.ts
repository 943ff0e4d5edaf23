/**
 * OFX dates: YYYYMMDD[HHMMSS[.XXX]][[+-]H[.MM][:TZ]] -> ISO UTC (Date#toISOString()).
 * No zone means UTC (the OFX spec's default). Seen in real files and accepted: HHMM without seconds,
 * any number of fraction digits, "[-5]" without a zone name, "[-:EST]" with only a name.
 */
import { isoFromParts } from '../common';

/** Zone names used when an OFX date gives a name but no offset ("[-:EST]"). */
const ZONES: Record<string, number> = {
  GMT: 0, UTC: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600, AST: -240, NST: -210,
  CET: 60, CEST: 120, BST: 60, EET: 120, EEST: 180, JST: 540, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function num(s: string, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** Parses an OFX date; undefined when it is not one (including impossible dates like Feb 31). */
export function parseOfxDate(raw: string): string | undefined {
  const s = raw.trim();
  if (s.length > 64) return undefined;
  let i = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const digitCount = i;
  if (digitCount !== 8 && digitCount !== 10 && digitCount !== 12 && digitCount !== 14) return undefined;
  const y = num(s, 0, 4), mo = num(s, 4, 6), d = num(s, 6, 8);
  const h = digitCount >= 10 ? num(s, 8, 10) : 0;
  const mi = digitCount >= 12 ? num(s, 10, 12) : 0;
  const sec = digitCount >= 14 ? num(s, 12, 14) : 0;
  let ms = 0;
  if (digitCount === 14 && (s[i] === '.' || s[i] === ':')) {
    const start = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === start) return undefined;
    const frac = s.slice(start, Math.min(i, start + 3)).padEnd(3, '0');
    ms = num(frac, 0, 3);
  }
  let offset = 0;
  if (i < s.length) {
    if (s[i] !== '[' || s[s.length - 1] !== ']') return undefined;
    const zone = s.slice(i + 1, s.length - 1);
    const colon = zone.indexOf(':');
    const numeric = (colon === -1 ? zone : zone.slice(0, colon)).trim();
    const name = colon === -1 ? '' : zone.slice(colon + 1).trim().toUpperCase();
    const m = /^([+-]?)(\d{1,2})(?:\.(\d{1,2}))?$/.exec(numeric);
    if (m) {
      const minutes = Number(m[2]) * 60 + (m[3] ? Number(m[3].padEnd(2, '0')) : 0);
      if (minutes > 14 * 60) return undefined;
      offset = m[1] === '-' ? -minutes : minutes;
    } else if ((numeric === '' || numeric === '+' || numeric === '-') && Object.hasOwn(ZONES, name)) {
      offset = ZONES[name];
    } else {
      return undefined;
    }
  }
  return isoFromParts(y, mo, d, h, mi, sec, ms, offset);
}
