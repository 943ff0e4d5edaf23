import { createHash } from 'node:crypto';

/** Days a re-downloaded transaction's date may drift and still be the same transaction. */
export const DEDUPE_WINDOW_DAYS = 3;
/** Days between a pending transaction's date and its posting (cards: weekends, hotels, fuel). */
export const PENDING_POST_WINDOW_DAYS = 5;

const DAY_MS = 86_400_000;

/** UTC calendar day "YYYY-MM-DD" of an ISO timestamp (the model's dates are toISOString()). */
export function dayOf(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(iso)) return iso.slice(0, 10);
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`invalid date ${JSON.stringify(iso)}`);
  return new Date(t).toISOString().slice(0, 10);
}

/** Whole days since 1970-01-01 of the UTC day of an ISO timestamp. */
export const dayNumber = (iso: string): number => Math.round(Date.parse(dayOf(iso)) / DAY_MS);

/** Whole days from day `a` to day `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(dayOf(b)) - Date.parse(dayOf(a))) / DAY_MS);
}

/** Case/space-insensitive form of a name, for "same payee/description" comparisons. */
export function normText(s: string | undefined): string {
  return (s ?? '').normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** JSON with sorted keys and no undefined members: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** prefix + first 20 hex digits of sha256 over the JSON of the parts (unambiguous separators). */
export function hashId(prefix: string, parts: unknown[]): string {
  return prefix + createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Lexicographic comparison of tuples of numbers/strings. */
export function compareTuples(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return a.length - b.length;
}

export const maxIso = (xs: (string | undefined)[]): string | undefined =>
  xs.reduce<string | undefined>((m, x) => (x !== undefined && (m === undefined || x > m) ? x : m), undefined);
