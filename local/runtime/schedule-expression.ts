/**
 * EventBridge Scheduler expressions: rate(n unit), cron(min hour dom month dow year), at(...).
 * Times are UTC (a non-UTC ScheduleExpressionTimezone is rejected by the caller rather than
 * silently shifted). cron supports *, ?, lists, ranges, steps and month/day names; L, W and #
 * are refused at load time.
 */

export type ScheduleExpression =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; fields: CronFields }
  | { kind: 'at'; at: Date };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number> | '?';
  months: Set<number>;
  /** 1 = Sunday ... 7 = Saturday, as in AWS cron. */
  daysOfWeek: Set<number> | '?';
  years: Set<number>;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function parseScheduleExpression(expr: string): ScheduleExpression {
  const s = expr.trim();
  let m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    const unit = m[2].replace(/s$/, '');
    if (n < 1) throw new Error(`Invalid rate expression ${expr}: value must be >= 1`);
    if ((n === 1) !== (m[2] === unit)) throw new Error(`Invalid rate expression ${expr}: use "1 ${unit}" or "n ${unit}s"`);
    return { kind: 'rate', everyMs: n * UNIT_MS[unit] };
  }
  m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(s);
  if (m) return { kind: 'at', at: new Date(`${m[1]}Z`) };
  m = /^cron\((.*)\)$/.exec(s);
  if (m) return { kind: 'cron', fields: parseCron(m[1], expr) };
  throw new Error(`Unsupported schedule expression: ${expr}`);
}

function parseCron(body: string, expr: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`Invalid cron expression ${expr}: expected 6 fields, got ${parts.length}`);
  const [min, hour, dom, month, dow, year] = parts;
  if ((dom === '?') === (dow === '?')) {
    throw new Error(`Invalid cron expression ${expr}: exactly one of day-of-month and day-of-week must be "?"`);
  }
  return {
    minutes: field(min, 0, 59, expr),
    hours: field(hour, 0, 23, expr),
    daysOfMonth: dom === '?' ? '?' : field(dom, 1, 31, expr),
    months: field(month, 1, 12, expr, MONTHS),
    daysOfWeek: dow === '?' ? '?' : field(dow, 1, 7, expr, DAYS),
    years: field(year, 1970, 2199, expr),
  };
}

function field(text: string, lo: number, hi: number, expr: string, names?: string[]): Set<number> {
  const out = new Set<number>();
  const value = (v: string): number => {
    const idx = names?.indexOf(v.toUpperCase()) ?? -1;
    const n = idx >= 0 ? idx + 1 : /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isNaN(n) && /[LW#]/i.test(v)) throw new Error(`Cron expression ${expr}: "${v}" (L, W and # are not supported locally)`);
    if (!(n >= lo && n <= hi)) throw new Error(`Invalid cron expression ${expr}: "${v}" is not in ${lo}-${hi}`);
    return n;
  };
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1) || !Number.isInteger(step)) throw new Error(`Invalid cron expression ${expr}: bad step in "${item}"`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [lo, hi];
    else if (range.includes('-')) [from, to] = range.split('-').map(value) as [number, number];
    else [from, to] = [value(range), stepText === undefined ? value(range) : hi];
    if (from > to) throw new Error(`Invalid cron expression ${expr}: range "${range}" runs backwards`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * First fire time strictly after `after`. For rate expressions the schedule is anchored at
 * `anchor` (when the schedule was created): fires at anchor + k * rate. Returns undefined when
 * the schedule never fires again.
 */
export function nextFireTime(expr: ScheduleExpression, after: Date, anchor: Date = after): Date | undefined {
  if (expr.kind === 'at') return expr.at.getTime() > after.getTime() ? expr.at : undefined;
  if (expr.kind === 'rate') {
    const k = Math.floor((after.getTime() - anchor.getTime()) / expr.everyMs) + 1;
    return new Date(anchor.getTime() + Math.max(k, 1) * expr.everyMs);
  }
  const f = expr.fields;
  // Start at the next whole minute after `after`.
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  // Walk day by day (at most ~5 years), then pick the first matching hour:minute that day.
  for (let i = 0; i < 366 * 5; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!f.years.has(day.getUTCFullYear()) || !f.months.has(day.getUTCMonth() + 1)) continue;
    if (f.daysOfMonth !== '?' && !f.daysOfMonth.has(day.getUTCDate())) continue;
    if (f.daysOfWeek !== '?' && !f.daysOfWeek.has(day.getUTCDay() + 1)) continue;
    const sameDay = day.getTime() === Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
    for (const h of [...f.hours].sort((a, b) => a - b)) {
      for (const mi of [...f.minutes].sort((a, b) => a - b)) {
        const t = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, mi);
        if (!sameDay || t >= start.getTime()) return new Date(t);
      }
    }
  }
  return undefined;
}
