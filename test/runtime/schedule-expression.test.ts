import fc from 'fast-check';
import { nextFireTime, parseScheduleExpression } from '../../local/runtime/schedule-expression';
import { LocalScheduler } from '../../local/runtime/scheduler';

const at = (iso: string) => new Date(iso);
const next = (expr: string, after: string, anchor?: string) =>
  nextFireTime(parseScheduleExpression(expr), at(after), anchor ? at(anchor) : undefined)?.toISOString();

describe('cron expressions', () => {
  it('fires a daily schedule at the next 06:00 UTC', () => {
    expect(next('cron(0 6 * * ? *)', '2025-03-10T05:59:30Z')).toBe('2025-03-10T06:00:00.000Z');
    // Strictly after: at 06:00:00 exactly the next run is tomorrow.
    expect(next('cron(0 6 * * ? *)', '2025-03-10T06:00:00Z')).toBe('2025-03-11T06:00:00.000Z');
    // Month and year roll-over.
    expect(next('cron(0 6 * * ? *)', '2025-12-31T07:00:00Z')).toBe('2026-01-01T06:00:00.000Z');
  });

  it('honours day-of-week ranges (1 = SUN) and names', () => {
    // 2025-03-14 is a Friday: the next weekday run after Friday 03:00 is Monday.
    expect(next('cron(30 2 ? * MON-FRI *)', '2025-03-14T03:00:00Z')).toBe('2025-03-17T02:30:00.000Z');
    expect(next('cron(30 2 ? * 2-6 *)', '2025-03-14T03:00:00Z')).toBe('2025-03-17T02:30:00.000Z');
    expect(next('cron(0 9 ? * SUN *)', '2025-03-14T03:00:00Z')).toBe('2025-03-16T09:00:00.000Z');
  });

  it('handles steps, lists, months and years', () => {
    expect(next('cron(0/15 * * * ? *)', '2025-03-10T10:07:00Z')).toBe('2025-03-10T10:15:00.000Z');
    expect(next('cron(0/15 * * * ? *)', '2025-03-10T10:45:00Z')).toBe('2025-03-10T11:00:00.000Z');
    expect(next('cron(5,35 8-9 * * ? *)', '2025-03-10T08:40:00Z')).toBe('2025-03-10T09:05:00.000Z');
    expect(next('cron(0 0 1 JAN,JUL ? 2026)', '2026-02-01T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    // Only 2026 is allowed: after its last run it never fires again.
    expect(next('cron(0 0 1 JAN,JUL ? 2026)', '2026-07-01T00:00:00Z')).toBeUndefined();
    expect(next('cron(0 12 29 2 ? *)', '2025-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
  });

  it('refuses what AWS refuses or the local scheduler cannot honour', () => {
    expect(() => parseScheduleExpression('cron(0 6 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(() => parseScheduleExpression('cron(0 6 * * ?)')).toThrow(/6 fields/);
    expect(() => parseScheduleExpression('cron(0 12 L * ? *)')).toThrow(/not supported locally/);
    expect(() => parseScheduleExpression('cron(0 12 ? * 2#1 *)')).toThrow(/not supported locally/);
    expect(() => parseScheduleExpression('cron(61 6 * * ? *)')).toThrow(/not in 0-59/);
    expect(() => parseScheduleExpression('every day')).toThrow(/Unsupported schedule expression/);
  });

  it('next run of a daily cron is the first matching minute after any instant (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        fc.date({ min: at('2024-01-01T00:00:00Z'), max: at('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        (minute, hour, after) => {
          const result = nextFireTime(parseScheduleExpression(`cron(${minute} ${hour} * * ? *)`), after)!;
          expect(result.getTime()).toBeGreaterThan(after.getTime());
          expect(result.getUTCMinutes()).toBe(minute);
          expect(result.getUTCHours()).toBe(hour);
          expect(result.getUTCSeconds()).toBe(0);
          // No earlier matching minute in between: the previous candidate (a day before) is not after `after`.
          expect(result.getTime() - 86_400_000).toBeLessThanOrEqual(after.getTime());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('rate expressions', () => {
  const anchor = '2025-03-10T10:00:00Z';

  it('fires every period from the anchor', () => {
    expect(next('rate(1 minute)', anchor, anchor)).toBe('2025-03-10T10:01:00.000Z');
    expect(next('rate(1 minute)', '2025-03-10T10:01:00Z', anchor)).toBe('2025-03-10T10:02:00.000Z');
    expect(next('rate(1 minute)', '2025-03-10T10:01:30Z', anchor)).toBe('2025-03-10T10:02:00.000Z');
    expect(next('rate(5 minutes)', '2025-03-10T10:12:00Z', anchor)).toBe('2025-03-10T10:15:00.000Z');
    expect(next('rate(2 hours)', anchor, anchor)).toBe('2025-03-10T12:00:00.000Z');
    expect(next('rate(1 day)', '2025-03-12T09:00:00Z', anchor)).toBe('2025-03-12T10:00:00.000Z');
  });

  it('rejects malformed rates', () => {
    expect(() => parseScheduleExpression('rate(1 minutes)')).toThrow(/Invalid rate/);
    expect(() => parseScheduleExpression('rate(5 minute)')).toThrow(/Invalid rate/);
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow(/Invalid rate/);
    expect(() => parseScheduleExpression('rate(1 week)')).toThrow(/Unsupported/);
  });
});

describe('one-time expressions', () => {
  it('fires once at the given UTC time', () => {
    expect(next('at(2026-01-01T00:00:00)', '2025-12-31T23:59:00Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(next('at(2026-01-01T00:00:00)', '2026-01-01T00:00:00Z')).toBeUndefined();
  });
});

describe('LocalScheduler timers', () => {
  it('fires an enabled schedule on its own at the scheduled time, once for at()', async () => {
    // The next whole second at least 1 s away, in at()'s format (UTC, second precision).
    const when = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000);
    const expr = `at(${when.toISOString().slice(0, 19)})`;
    const fired: Array<{ input?: string; at: number }> = [];
    const scheduler = new LocalScheduler(
      [{ logicalId: 'Once', name: 'once', expression: expr, enabled: true, target: { arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x', input: '{"n":1}' } }],
      async (target) => { fired.push({ input: target.input, at: Date.now() }); return 'started'; },
    );
    scheduler.start();
    expect(scheduler.next('once')?.getTime()).toBe(when.getTime());
    await new Promise((r) => setTimeout(r, when.getTime() - Date.now() + 500));
    scheduler.stop();
    expect(fired).toHaveLength(1);
    expect(fired[0].input).toBe('{"n":1}');
    expect(fired[0].at).toBeGreaterThanOrEqual(when.getTime());
    expect(scheduler.fired.map((f) => [f.schedule, f.result])).toEqual([['once', 'started']]);
    expect(scheduler.next('once')).toBeUndefined();
  });
});
