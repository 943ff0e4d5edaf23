/**
 * lambdas/shared/callback-task.ts against the local Step Functions service (real task tokens,
 * HeartbeatSeconds and TimeoutSeconds): the work's result and typed errors reach the waiting Task,
 * heartbeats keep a long attempt alive, and work Step Functions has given up on is aborted.
 */
import { CreateStateMachineCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { callbackTask, TaskAbandonedError } from '../../lambdas/shared/callback-task';
import { TransientError } from '../../lambdas/shared/errors';
import { logger } from '../../lambdas/shared/logger';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { count, fnArn, executionHistory, lambdaHost, sfnClient, sleep, waitForEnd, type TestFn } from '../stepfunctions/helpers';

const BEAT_MS = 200;
const fns: Record<string, TestFn> = {};
let sfn: LocalStepFunctions;
let client: SFNClient;

beforeAll(async () => {
  logger.setLogLevel('SILENT'); // the handler's warnings are expected here
  sfn = new LocalStepFunctions({ integrations: { invokeLambda: lambdaHost(fns) } });
  const endpoint = await sfn.listen(0);
  client = sfnClient(endpoint);
  // What the wrapped handler reads, as a deployed Lambda would.
  Object.assign(process.env, { AWS_ENDPOINT_URL_SFN: endpoint, HEARTBEAT_INTERVAL_SECONDS: String(BEAT_MS / 1000), AWS_REGION: 'us-east-1' });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
});
afterAll(async () => {
  client?.destroy();
  await sfn?.close();
});

/** One callback Task around fns[fn], with a Retry of TransientError and a Catch that keeps the error. */
async function runCallbackTask(fn: string, limits: { HeartbeatSeconds: number; TimeoutSeconds: number }, input: object) {
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: `cb-${fn}`,
      type: 'STANDARD',
      roleArn: 'arn:aws:iam::123456789012:role/test',
      definition: JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: fnArn(fn), Payload: { 'n.$': '$.n', 'taskToken.$': '$$.Task.Token' } },
            ...limits,
            Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, MaxAttempts: 1, MaxDelaySeconds: 1, JitterStrategy: 'FULL' }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      }),
    }),
  );
  const started = Date.now();
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  const d = await waitForEnd(client, executionArn!, 20_000);
  return { status: d.status, out: JSON.parse(d.output ?? 'null'), ms: Date.now() - started, history: await executionHistory(client, executionArn!) };
}

test('work longer than HeartbeatSeconds keeps its attempt alive by beating, and its result is the Task output', async () => {
  fns.long = callbackTask(async ({ n }: { n: number }) => {
    await sleep(2_500);
    return { doubled: String(n * 2) };
  });
  const r = await runCallbackTask('long', { HeartbeatSeconds: 1, TimeoutSeconds: 10 }, { n: 21 });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.out).toEqual({ doubled: '42' });
  expect(r.ms).toBeGreaterThan(2_500);
  expect(count(r.history, 'TaskScheduled')).toBe(1);
});

test('a typed error is reported with its name (Retry matches it) and a Lambda-shaped cause', async () => {
  let calls = 0;
  fns.failing = callbackTask(async () => {
    calls++;
    throw new TransientError('INSTITUTION_DOWN', `bank down (call ${calls})`);
  });
  const r = await runCallbackTask('failing', { HeartbeatSeconds: 5, TimeoutSeconds: 10 }, { n: 1 });
  expect(r.status).toBe('SUCCEEDED'); // through the Catch
  expect(calls).toBe(2); // the first attempt and its one retry
  expect(r.out.error.Error).toBe('TransientError');
  expect(JSON.parse(r.out.error.Cause)).toEqual({ errorType: 'TransientError', errorMessage: 'bank down (call 2)' });
  expect(count(r.history, 'TaskFailed')).toBe(2);
});

test('work whose attempt timed out is aborted at its next heartbeat, and reports nothing', async () => {
  let abortedWith: unknown;
  let abortedAfterMs = 0;
  fns.stuck = callbackTask(async (_input: { n: number }, signal) => {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, 8_000);
      signal.addEventListener('abort', () => {
        abortedWith = signal.reason;
        abortedAfterMs = Date.now() - started;
        clearTimeout(giveUp);
        resolve();
      });
    });
    signal.throwIfAborted();
    return { never: true };
  });
  const r = await runCallbackTask('stuck', { HeartbeatSeconds: 1, TimeoutSeconds: 2 }, { n: 1 });
  expect(r.out.error.Error).toBe('States.Timeout');
  await sleep(2 * BEAT_MS); // the beat after the timeout
  expect(abortedWith).toBeInstanceOf(TaskAbandonedError);
  expect(abortedAfterMs).toBeGreaterThanOrEqual(2_000);
  expect(abortedAfterMs).toBeLessThan(2_000 + 3 * BEAT_MS);
});

test('without a task token the handler refuses to run', async () => {
  let ran = false;
  const handler = callbackTask(async () => {
    ran = true;
  });
  await expect(handler({} as any)).rejects.toThrow(/taskToken is required/);
  expect(ran).toBe(false);
});
