/**
 * A handler run as a callback Task (`lambda:invoke.waitForTaskToken`): it reports its own result
 * with SendTaskSuccess / SendTaskFailure and, while it works, sends SendTaskHeartbeat every few
 * seconds. The Task's HeartbeatSeconds then tells a long piece of work that is alive from one
 * whose Lambda died or froze, long before its TimeoutSeconds.
 *
 * When Step Functions answers a heartbeat with "this task is gone" (it timed out, or the execution
 * was stopped), the work is aborted through its AbortSignal: nobody waits for the result, so it
 * must stop calling the bank.
 */
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from './aws';
import { env } from './config';
import { logger } from './logger';

export interface CallbackInput {
  /** $$.Task.Token of the Task waiting for this work. */
  taskToken: string;
}

/** The Task no longer waits for this work (timed out or stopped): the work was abandoned. */
export class TaskAbandonedError extends Error {
  readonly name = 'TaskAbandonedError';
}

/** Set by the stack from lib/settings.ts DOWNLOAD_TASK, a fraction of the Task's HeartbeatSeconds. */
function heartbeatIntervalMs(): number {
  const seconds = Number(env('HEARTBEAT_INTERVAL_SECONDS'));
  if (!(seconds > 0)) throw new Error('environment variable HEARTBEAT_INTERVAL_SECONDS must be a positive number');
  return seconds * 1000;
}

/** Step Functions' answers meaning the token's Task is over. */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** SendTaskFailure limits. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export function callbackTask<I, O>(work: (input: I, signal: AbortSignal) => Promise<O>): (input: I & CallbackInput) => Promise<void> {
  return async (input) => {
    const { taskToken, ...rest } = input;
    if (typeof taskToken !== 'string' || taskToken === '') throw new TypeError('taskToken is required: this function runs as a callback Task (.waitForTaskToken)');
    const abandon = new AbortController();
    const stopBeating = heartbeat(taskToken, abandon, heartbeatIntervalMs());
    let output: O;
    try {
      output = await work(rest as I, abandon.signal);
    } catch (e) {
      stopBeating();
      const error = e as Error;
      if (abandon.signal.aborted) {
        logger.warn('task abandoned by Step Functions: work stopped', { reason: (abandon.signal.reason as Error).message });
        return;
      }
      logger.warn('task failed', { error: error?.name, errorMessage: error?.message });
      await report(new SendTaskFailureCommand({
        taskToken,
        error: (error?.name || 'Error').slice(0, MAX_ERROR),
        // Shaped like a Lambda error (errorType/errorMessage), as the console shows Lambda failures.
        cause: JSON.stringify({ errorType: error?.name, errorMessage: error?.message ?? String(e) }).slice(0, MAX_CAUSE),
      }));
      return;
    }
    stopBeating();
    await report(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  };
}

/** Beats until stopped; aborts `abandon` when Step Functions says the task is over. */
function heartbeat(taskToken: string, abandon: AbortController, everyMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    try {
      await stepFunctions().send(new SendTaskHeartbeatCommand({ taskToken }));
    } catch (e) {
      const name = (e as Error).name;
      if (TASK_GONE.has(name)) return abandon.abort(new TaskAbandonedError(`SendTaskHeartbeat answered ${name}`));
      // A missed beat is not fatal: HeartbeatSeconds allows several, and the next may get through.
      logger.warn('heartbeat not delivered', { error: name });
    }
    if (!stopped) timer = setTimeout(beat, everyMs);
  };
  timer = setTimeout(beat, everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Sends the result; a task already over cannot take it, which is logged, not thrown. */
async function report(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<void> {
  try {
    await stepFunctions().send(command as SendTaskSuccessCommand);
  } catch (e) {
    const name = (e as Error).name;
    if (!TASK_GONE.has(name)) throw e; // undelivered: the Lambda error fails the task instead
    logger.warn('result not taken: the task is already over', { error: name });
  }
}
