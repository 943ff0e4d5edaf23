/** Shared helpers for the statement parser tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizedStatement } from '../../lambdas/shared/model';
import { sum } from '../../lambdas/shared/money';

export const FIXTURES = '/work/shared/fixtures/statements';

export function fixture(rel: string): Buffer {
  return readFileSync(join(FIXTURES, rel));
}

/** Runs fn and returns what it threw (fails the test when it does not throw). */
export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, got a result');
}

export function amounts(s: NormalizedStatement): string[] {
  return s.transactions.map((t) => t.amount);
}

export function total(s: NormalizedStatement): string {
  return sum(amounts(s));
}

/** True when text is exactly what Date#toISOString() produces for its own instant. */
export function isIsoUtc(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text) && new Date(text).toISOString() === text;
}

/** Checks the model's invariants on any parse result: canonical amounts, ISO dates, no blank ids. */
export function expectWellFormed(statements: NormalizedStatement[]): void {
  const canonical = /^-?(0|[1-9]\d*)\.\d{2,}$/;
  for (const s of statements) {
    expect(['ofx', 'camt053', 'mt940']).toContain(s.format);
    expect(s.account.id).not.toBe('');
    expect(s.account.currency).toMatch(/^[A-Z]{3}$/);
    for (const b of Object.values(s.balances)) {
      expect(b!.amount).toMatch(canonical);
      if (b!.asOf !== undefined) expect(isIsoUtc(b!.asOf)).toBe(true);
    }
    for (const t of s.transactions) {
      expect(t.amount).toMatch(canonical);
      expect(isIsoUtc(t.postedAt)).toBe(true);
      expect(['posted', 'pending']).toContain(t.status);
      if (t.id !== undefined) expect(t.id).not.toBe('');
    }
  }
}
