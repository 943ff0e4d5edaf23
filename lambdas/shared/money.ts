/**
 * Exact decimal money as strings. Arithmetic runs on BigInt scaled integers, so no amount ever
 * passes through a binary float.
 *
 * Canonical form (what every function returns): optional '-', integer digits without leading
 * zeros, '.', at least two fraction digits; extra trailing zeros beyond two are dropped.
 *   "10" -> "10.00", "-0.5" -> "-0.50", "1.2340" -> "1.234", "-0" -> "0.00".
 */

export class InvalidAmountError extends Error {
  readonly name = 'InvalidAmountError';
  constructor(readonly raw: string) {
    super(`invalid amount ${JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw)}`);
  }
}

interface Scaled {
  units: bigint; // value * 10^scale
  scale: number;
}

const AMOUNT = /^([+-]?)(\d*)(?:[.,](\d*))?$/;

function toScaled(raw: string): Scaled {
  const text = raw.trim();
  const m = AMOUNT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new InvalidAmountError(raw);
  const frac = m[3] ?? '';
  const units = BigInt((m[2] || '0') + frac) * (m[1] === '-' ? -1n : 1n);
  return { units, scale: frac.length };
}

function rescale(a: Scaled, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

function fromScaled({ units, scale }: Scaled): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) digits = digits.padStart(scale + 1, '0');
  let int = scale > 0 ? digits.slice(0, -scale) : digits;
  let frac = scale > 0 ? digits.slice(-scale) : '';
  frac = frac.replace(/0+$/, '').padEnd(2, '0');
  int = int.replace(/^0+(?=\d)/, '');
  const zero = /^0*$/.test(int + frac);
  return `${negative && !zero ? '-' : ''}${int}.${frac}`;
}

/** Validates and canonicalizes an amount as written by an institution ("1234.5", "-12,50", "+3"). */
export function parseAmount(raw: string): string {
  return fromScaled(toScaled(raw));
}

export function isAmount(raw: string): boolean {
  try {
    toScaled(raw);
    return true;
  } catch {
    return false;
  }
}

function combine(a: string, b: string, op: (x: bigint, y: bigint) => bigint): string {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  return fromScaled({ units: op(rescale(x, scale), rescale(y, scale)), scale });
}

export const add = (a: string, b: string): string => combine(a, b, (x, y) => x + y);
export const subtract = (a: string, b: string): string => combine(a, b, (x, y) => x - y);
export const negate = (a: string): string => combine('0', a, (x, y) => x - y);
export const sum = (amounts: Iterable<string>): string => {
  let total = '0.00';
  for (const a of amounts) total = add(total, a);
  return total;
};

/** -1, 0 or 1. */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export const equals = (a: string, b: string): boolean => compare(a, b) === 0;
export const isZero = (a: string): boolean => compare(a, '0') === 0;
export const abs = (a: string): string => (compare(a, '0') < 0 ? negate(a) : parseAmount(a));

/** Integer minor units for a currency with `decimals` fraction digits (throws if not exact). */
export function toMinorUnits(a: string, decimals = 2): bigint {
  const x = toScaled(a);
  if (x.scale <= decimals) return rescale(x, decimals);
  const factor = 10n ** BigInt(x.scale - decimals);
  if (x.units % factor !== 0n) throw new InvalidAmountError(a);
  return x.units / factor;
}

export function fromMinorUnits(units: bigint, decimals = 2): string {
  return fromScaled({ units, scale: decimals });
}
