/** Shared by the Step Functions tests: an SDK client for the local service, in-test Lambdas, polling. */
import { SFNClient, type DescribeExecutionCommandOutput, type HistoryEvent } from '@aws-sdk/client-sfn';
import { waitForExecution } from '../../local/executions';
import type { TaskIntegrations } from '../../local/stepfunctions';

export const REGION = 'us-east-1';
export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:123456789012:function:${name}`;

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    disableHostPrefix: true, // StartSyncExecution's "sync-" host prefix cannot resolve for 127.0.0.1
    maxAttempts: 1,
    requestHandler: { requestTimeout: 20_000, connectionTimeout: 2_000 },
  });
}

export type TestFn = (payload: any) => Promise<unknown> | unknown;

/** Lambda Invoke semantics for in-test handlers: a thrown error becomes FunctionError with {errorType, errorMessage}. */
export function lambdaHost(fns: Record<string, TestFn>): TaskIntegrations['invokeLambda'] {
  return async (functionName, payload) => {
    const name = functionName.split(':').pop()!;
    const fn = fns[name];
    if (!fn) {
      const e = new Error(`Function not found: ${functionName}`);
      e.name = 'ResourceNotFoundException';
      throw e;
    }
    try {
      return { StatusCode: 200, Payload: JSON.parse(JSON.stringify((await fn(payload)) ?? null)) };
    } catch (e) {
      const err = e as Error;
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: { errorType: err.name, errorMessage: err.message, trace: [] } };
    }
  };
}

export function namedError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

export { setTimeout as sleep } from 'node:timers/promises';
export { executionHistory } from '../../local/executions';
export { until } from '../poll';

export async function waitForEnd(client: SFNClient, executionArn: string, timeoutMs = 15_000): Promise<DescribeExecutionCommandOutput> {
  const d = await waitForExecution(client, executionArn, { timeoutMs, pollMs: 25 });
  if (d.status === 'RUNNING') throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
  return d;
}

export const count = (events: HistoryEvent[], type: string) => events.filter((e) => e.type === type).length;
