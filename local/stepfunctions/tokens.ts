/**
 * Task tokens: one per Task attempt. A token is how SendTaskSuccess/Failure complete a callback
 * (.waitForTaskToken) task and how SendTaskHeartbeat keeps any task with HeartbeatSeconds alive.
 * Each attempt also owns its TimeoutSeconds / HeartbeatSeconds timers (the library ignores heartbeats).
 */
import { randomBytes } from 'node:crypto';
import { SfnApiError, stateError, timeoutError } from './errors';

export type AttemptEnd = 'timeout' | 'heartbeat' | 'callback' | 'aborted';

export class TaskAttempt {
  readonly token = `lfsfn1.${randomBytes(48).toString('base64url')}`;
  /** Settles when the attempt is decided from outside the work itself: callback, timeout, abort. */
  readonly outcome: Promise<unknown>;
  ended?: AttemptEnd;
  private resolveOutcome!: (v: unknown) => void;
  private rejectOutcome!: (e: Error) => void;
  private heartbeatTimer?: NodeJS.Timeout;
  private timeoutTimer?: NodeJS.Timeout;

  constructor(
    readonly executionArn: string,
    readonly callback: boolean,
    private readonly heartbeatSeconds?: number,
    timeoutSeconds?: number,
  ) {
    this.outcome = new Promise((res, rej) => {
      this.resolveOutcome = res;
      this.rejectOutcome = rej;
    });
    this.outcome.catch(() => undefined); // observed by the Task runner; never an unhandled rejection
    if (timeoutSeconds !== undefined) {
      this.timeoutTimer = setTimeout(() => this.end('timeout', timeoutError('States.Timeout', `Task timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
    }
    this.heartbeat();
  }

  heartbeat(): void {
    if (this.heartbeatSeconds === undefined || this.ended) return;
    clearTimeout(this.heartbeatTimer);
    const s = this.heartbeatSeconds;
    this.heartbeatTimer = setTimeout(() => this.end('heartbeat', timeoutError('States.HeartbeatTimeout', `No heartbeat for ${s} s`)), s * 1000);
  }

  succeed(output: unknown): void {
    if (this.ended) return;
    this.ended = 'callback';
    this.dispose();
    this.resolveOutcome(output);
  }

  fail(error: string, cause: string): void {
    this.end('callback', stateError(error, cause));
  }

  abort(cause: string): void {
    this.end('aborted', stateError('States.Aborted', cause, { retryable: false, catchable: false }));
  }

  dispose(): void {
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.timeoutTimer);
  }

  private end(how: AttemptEnd, e: Error): void {
    if (this.ended) return;
    this.ended = how;
    this.dispose();
    this.rejectOutcome(e);
  }
}

const TOKEN_SHAPE = /^lfsfn1\.[A-Za-z0-9_-]{64}$/;
const CLOSED_MEMORY = 10_000;

export class TokenRegistry {
  private readonly live = new Map<string, TaskAttempt>();
  /** Tokens of finished attempts, so late callers get TaskTimedOut (as on AWS) instead of InvalidToken. */
  private readonly closed = new Set<string>();

  create(executionArn: string, callback: boolean, heartbeatSeconds?: number, timeoutSeconds?: number): TaskAttempt {
    const a = new TaskAttempt(executionArn, callback, heartbeatSeconds, timeoutSeconds);
    this.live.set(a.token, a);
    return a;
  }

  release(a: TaskAttempt): void {
    a.dispose();
    if (!this.live.delete(a.token)) return;
    this.closed.add(a.token);
    if (this.closed.size > CLOSED_MEMORY) this.closed.delete(this.closed.values().next().value as string);
  }

  /** Ends every attempt of an execution that stopped (its handlers must not linger). */
  abortExecution(executionArn: string, cause: string): void {
    for (const a of [...this.live.values()]) {
      if (a.executionArn !== executionArn) continue;
      a.abort(cause);
      this.release(a);
    }
  }

  lookup(token: unknown, needCallback: boolean): TaskAttempt {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw new SfnApiError('InvalidToken', 'Invalid token');
    const a = this.live.get(token);
    if (!a || a.ended) {
      if (this.closed.has(token) || a) throw new SfnApiError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
      throw new SfnApiError('TaskDoesNotExist', 'Provided task does not exist');
    }
    if (needCallback && !a.callback) throw new SfnApiError('InvalidToken', 'The task is not waiting for a callback (.waitForTaskToken)');
    return a;
  }

  size(): number {
    return this.live.size;
  }
}
