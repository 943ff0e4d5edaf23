/**
 * Two kinds of errors: API errors (returned to SDK callers as {"__type","message"}) and state errors
 * (raised inside a workflow; `name` is the States error name that Retry/Catch match, `message` the Cause).
 */
import './polyfill';
import { StateMachine, ExecutionError } from 'aws-local-stepfunctions';

export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export function stateError(name: string, cause: string, opts: { retryable?: boolean; catchable?: boolean } = {}): Error {
  const e = new Error(cause);
  e.name = name;
  // The library reads these two getters (RuntimeError's) and treats a missing one as true.
  if (opts.retryable === false) Object.defineProperty(e, 'isRetryable', { value: false });
  if (opts.catchable === false) Object.defineProperty(e, 'isCatchable', { value: false });
  return e;
}

/**
 * The library treats its own States.Timeout specially: `States.TaskFailed` in Retry/Catch does not match
 * it (as on AWS). That check is `instanceof StatesTimeoutError`, a class it does not export, so we
 * capture the class once from a 1 ms task timeout and build our timeout errors from it.
 */
type ErrorCtor = new () => Error;
let timeoutCtor: ErrorCtor | undefined;
let probe: Promise<void> | undefined;

export function loadTimeoutErrorClass(): Promise<void> {
  probe ??= (async () => {
    const m = new StateMachine(
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:probe', TimeoutSeconds: 0.001, End: true } } } as never,
      { validationOptions: { noValidate: true } },
    );
    const run = m.run({}, { overrides: { taskResourceLocalHandlers: { T: () => new Promise(() => undefined) } } });
    try {
      await run.result;
    } catch (e) {
      const cause = e instanceof ExecutionError ? (e as Error & { cause?: unknown }).cause : undefined;
      if (cause instanceof Error && cause.name === 'States.Timeout') timeoutCtor = cause.constructor as ErrorCtor;
    }
  })();
  return probe;
}

/** States.Timeout / States.HeartbeatTimeout that, like AWS, `States.TaskFailed` does not match. */
export function timeoutError(name: 'States.Timeout' | 'States.HeartbeatTimeout', cause: string): Error {
  const e = timeoutCtor ? new timeoutCtor() : new Error();
  e.name = name;
  e.message = cause;
  return e;
}

/** The States error name and cause of whatever a run rejected with. */
export function errorInfo(e: unknown): { error: string; cause: string } {
  if (e instanceof Error) return { error: e.name, cause: typeof e.message === 'string' ? e.message : String(e.message) };
  return { error: 'States.Runtime', cause: String(e) };
}
