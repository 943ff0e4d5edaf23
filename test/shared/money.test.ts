import fc from 'fast-check';
import { abs, add, compare, fromMinorUnits, InvalidAmountError, negate, parseAmount, subtract, sum, toMinorUnits } from '../../lambdas/shared/money';

test('canonical form', () => {
  expect(['10', '-0.5', '1.2340', '-0', '+3', '-12,50', '0007.1', '.5'].map(parseAmount)).toEqual(['10.00', '-0.50', '1.234', '0.00', '3.00', '-12.50', '7.10', '0.50']);
  expect(sum([])).toBe('0.00');
});

test('invalid amounts are typed errors', () => {
  for (const bad of ['', '-', '1.2.3', 'abc', '1e5', ' . ']) expect(() => parseAmount(bad)).toThrow(InvalidAmountError);
});

test('exact where floats are not', () => {
  expect(add('0.1', '0.2')).toBe('0.30');
  expect(sum(Array(10).fill('0.10'))).toBe('1.00');
  expect(subtract('100000000000000000.01', '0.02')).toBe('99999999999999999.99');
  expect(abs('-5.5')).toBe('5.50');
  expect(negate('0')).toBe('0.00');
});

test('minor units round-trip and refuse inexact conversions', () => {
  expect(toMinorUnits('-12.34')).toBe(-1234n);
  expect(fromMinorUnits(-1234n)).toBe('-12.34');
  expect(() => toMinorUnits('0.001')).toThrow(InvalidAmountError);
});

test('arithmetic agrees with integer cents (property)', () => {
  const cents = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });
  fc.assert(
    fc.property(cents, cents, (a, b) => {
      const x = fromMinorUnits(a);
      const y = fromMinorUnits(b);
      expect(toMinorUnits(add(x, y))).toBe(a + b);
      expect(toMinorUnits(subtract(x, y))).toBe(a - b);
      expect(compare(x, y)).toBe(a < b ? -1 : a > b ? 1 : 0);
    }),
    { numRuns: 300 },
  );
});
