/**
 * Calendar days as integers (days since 1970-01-01) and OFX date-times with a written zone.
 * Day arithmetic is done on integers so that no local machine time zone leaks in.
 */

const DAY_MS = 86_400_000;

export interface Zone {
  /** Offset from UTC in hours, as OFX writes it in brackets ("[-5:EST]"). */
  offsetHours: number;
  name: string;
}

export const UTC: Zone = { offsetHours: 0, name: 'GMT' };

export function parseDay(ymd: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) throw new Error(`invalid date ${JSON.stringify(ymd)} (expected YYYY-MM-DD)`);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const day = ms / DAY_MS;
  if (formatDay(day) !== ymd) throw new Error(`invalid date ${JSON.stringify(ymd)}`);
  return day;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dayParts(day: number): { year: number; month: number; dom: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, dom: d.getUTCDate() };
}

/** The day number of year/month/dom; dom is clamped to the month's length. */
export function dayOf(year: number, month: number, dom: number): number {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Date.UTC(year, month - 1, Math.min(dom, last)) / DAY_MS;
}

/** The instant (epoch ms) of a local wall-clock time on `day` in `zone`. */
export function instant(day: number, secondsOfDay: number, zone: Zone): number {
  return day * DAY_MS + secondsOfDay * 1000 - zone.offsetHours * 3_600_000;
}

/** OFX date-time "YYYYMMDDHHMMSS.XXX[-5:EST]" for a local wall-clock time on `day`. */
export function ofxDateTime(day: number, secondsOfDay: number, zone: Zone): string {
  const wall = new Date(day * DAY_MS + secondsOfDay * 1000).toISOString(); // wall clock, not UTC
  const digits = wall.slice(0, 19).replace(/[-T:]/g, '');
  return `${digits}.${wall.slice(20, 23)}[${formatOffset(zone.offsetHours)}:${zone.name}]`;
}

/** OFX date-time for an instant, written in `zone`. */
export function ofxDateTimeAt(ms: number, zone: Zone): string {
  const localMs = ms + zone.offsetHours * 3_600_000;
  const day = Math.floor(localMs / DAY_MS);
  return ofxDateTime(day, (localMs - day * DAY_MS) / 1000, zone);
}

function formatOffset(h: number): string {
  const sign = h < 0 ? '-' : '+';
  const abs = Math.abs(h);
  const whole = Math.floor(abs);
  const frac = abs - whole;
  return `${sign}${whole}${frac ? '.' + String(Math.round(frac * 100)).padStart(2, '0') : ''}`;
}

const OFX_DATE = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.(\d{1,3}))?)?)?\s*(?:\[\s*([+-]?\d+(?:\.\d+)?)(?::[^\]]*)?\])?$/;

/** Parses an OFX date-time to epoch ms; no zone means UTC (the OFX default). Null if unreadable. */
export function parseOfxDateTime(text: string): number | null {
  const m = OFX_DATE.exec(text.trim());
  if (!m) return null;
  const ms =
    Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0')) -
    (m[8] ? parseFloat(m[8]) * 3_600_000 : 0);
  return Number.isFinite(ms) ? ms : null;
}
