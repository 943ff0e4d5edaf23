/**
 * EventBridge Scheduler, locally: arms a timer per ENABLED schedule from its expression and
 * fires its target. fireNow() runs a schedule immediately (e.g. the daily refresh at start-up),
 * whatever its state, as `aws scheduler` cannot but a developer wants.
 */
import { nextFireTime, parseScheduleExpression, ScheduleExpression } from './schedule-expression';

export interface ScheduleTarget {
  arn: string;
  input?: string;
}

export interface ScheduleSpec {
  logicalId: string;
  name: string;
  expression: string;
  enabled: boolean;
  target: ScheduleTarget;
}

export interface FireRecord {
  schedule: string;
  at: Date;
  /** What the target returned (e.g. the execution ARN), or the error message. */
  result?: string;
  error?: string;
}

/** Starts the target; returns an identifier of what was started (e.g. an execution ARN). */
export type FireTarget = (target: ScheduleTarget, schedule: ScheduleSpec) => Promise<string>;

const MAX_TIMER_MS = 2 ** 31 - 1;

export class LocalScheduler {
  readonly fired: FireRecord[] = [];
  private readonly parsed = new Map<string, ScheduleExpression>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly anchor = new Date();
  private stopped = false;

  constructor(
    private readonly schedules: ScheduleSpec[],
    private readonly fireTarget: FireTarget,
    private readonly log: (line: string) => void = () => {},
  ) {
    // Parse everything up front: a bad expression fails the start, as it would fail a deploy.
    for (const s of schedules) this.parsed.set(s.logicalId, parseScheduleExpression(s.expression));
  }

  list(): ScheduleSpec[] {
    return [...this.schedules];
  }

  /** Arms the timers of all enabled schedules. */
  start() {
    for (const s of this.schedules) {
      if (s.enabled) this.arm(s, new Date());
      else this.log(`[scheduler] ${s.name} (${s.expression}) is DISABLED: not armed`);
    }
  }

  /** The next time a schedule fires on its own, or undefined (disabled, or never again). */
  next(logicalIdOrName: string): Date | undefined {
    const s = this.find(logicalIdOrName);
    if (!s.enabled) return undefined;
    return nextFireTime(this.parsed.get(s.logicalId)!, new Date(), this.anchor);
  }

  /** Fires a schedule's target now; rejects if the target could not be started. */
  async fireNow(logicalIdOrName: string): Promise<FireRecord> {
    const record = await this.fire(this.find(logicalIdOrName));
    if (record.error) throw new Error(`Schedule ${record.schedule}: ${record.error}`);
    return record;
  }

  stop() {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private find(logicalIdOrName: string): ScheduleSpec {
    const s = this.schedules.find((x) => x.logicalId === logicalIdOrName || x.name === logicalIdOrName);
    if (!s) throw new Error(`No schedule ${logicalIdOrName}; have ${this.schedules.map((x) => x.name).join(', ') || 'none'}`);
    return s;
  }

  private arm(s: ScheduleSpec, after: Date) {
    if (this.stopped) return;
    const when = nextFireTime(this.parsed.get(s.logicalId)!, after, this.anchor);
    if (!when) return;
    this.log(`[scheduler] ${s.name} (${s.expression}) next fires at ${when.toISOString()}`);
    const wait = () => {
      const remaining = when.getTime() - Date.now();
      const timer = setTimeout(() => {
        if (when.getTime() > Date.now()) return wait(); // long delays are chunked
        void this.fire(s).finally(() => this.arm(s, when));
      }, Math.min(Math.max(remaining, 0), MAX_TIMER_MS));
      timer.unref(); // the servers keep the process alive; a pending schedule must not
      this.timers.set(s.logicalId, timer);
    };
    wait();
  }

  private async fire(s: ScheduleSpec): Promise<FireRecord> {
    const record: FireRecord = { schedule: s.name, at: new Date() };
    try {
      record.result = await this.fireTarget(s.target, s);
      this.log(`[scheduler] fired ${s.name} -> ${record.result}`);
    } catch (err) {
      record.error = (err as Error).message;
      this.log(`[scheduler] firing ${s.name} failed: ${record.error}`);
    }
    this.fired.push(record);
    return record;
  }
}
