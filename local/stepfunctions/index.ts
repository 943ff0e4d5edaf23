/**
 * Local AWS Step Functions: aws-local-stepfunctions 3.0.0 behind the Step Functions JSON API, so code
 * and tools use the unmodified @aws-sdk/client-sfn with `endpoint` set to `listen()`'s URL.
 *
 *   const sfn = new LocalStepFunctions({ integrations: { invokeLambda, putEvents, s3, dynamodb } });
 *   const arn = sfn.createStateMachine({ name, definition, type: 'EXPRESS' });
 *   const url = await sfn.listen(0);            // http://127.0.0.1:PORT
 *   new SFNClient({ endpoint: url, region, credentials, disableHostPrefix: true });
 *   await sfn.close();                          // aborts running executions
 *
 * Note: StartSyncExecution carries the SDK host prefix "sync-" (sync-127.0.0.1 does not resolve):
 * clients that call it must set `disableHostPrefix: true`. Other operations do not need it.
 *
 * Operations: CreateStateMachine, UpdateStateMachine, DeleteStateMachine, DescribeStateMachine,
 * DescribeStateMachineForExecution, ListStateMachines, StartExecution, StartSyncExecution,
 * DescribeExecution, ListExecutions (stateMachineArn or mapRunArn, statusFilter, newest first),
 * GetExecutionHistory, StopExecution, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat,
 * DescribeMapRun, ListMapRuns.
 *
 * Task resources: lambda:invoke[.waitForTaskToken], Lambda function ARNs, events:putEvents,
 * states:startExecution[.sync|.sync:2|.waitForTaskToken], dynamodb:{put,get,update,delete}Item;
 * DISTRIBUTED Map with ItemReader s3:getObject (JSON, JSONL, CSV) or s3:listObjectsV2, ItemsPath,
 * ItemSelector, ItemBatcher, MaxConcurrency(Path), ToleratedFailure{Percentage,Count}(Path),
 * ResultWriter s3:putObject. HeartbeatSeconds and TimeoutSeconds are enforced per attempt.
 * Anything else (JSONata, Assign/variables, Credentials, other resources, $$.State.RetryCount, ...)
 * is refused by CreateStateMachine with InvalidDefinition rather than run differently from AWS.
 *
 * Local differences, on purpose: STANDARD and EXPRESS run alike, DescribeExecution/ListExecutions
 * /GetExecutionHistory also work for EXPRESS; executions live in memory (the last `maxExecutions`);
 * a DISTRIBUTED Map with MaxConcurrency 0/unset runs 100 children at once (AWS: up to 10,000);
 * history events are AWS-shaped but previousEventId is simply the preceding event.
 * Library limits that remain: a path that selects a falsy top-level value (an item `0`, `false`
 * or `""` read with `$`) fails with "does not point to a value", and a Pass `Result` that is falsy
 * is ignored; keep workflow data in objects.
 */
import './polyfill';
import type * as http from 'node:http';
import { SfnEngine } from './engine';
import { createSfnServer, listen } from './server';
import type { TaskIntegrations } from './integrations';

export type { TaskIntegrations } from './integrations';
export { SfnApiError } from './errors';

export interface LocalStepFunctionsOptions {
  integrations: TaskIntegrations;
  region?: string;
  accountId?: string;
  /** Executions kept in memory with their histories (default 10,000). */
  maxExecutions?: number;
}

export class LocalStepFunctions {
  readonly engine: SfnEngine;
  readonly region: string;
  readonly accountId: string;
  private server?: http.Server;
  url?: string;

  constructor(opts: LocalStepFunctionsOptions) {
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '123456789012';
    this.engine = new SfnEngine({ integrations: opts.integrations, region: this.region, accountId: this.accountId, maxExecutions: opts.maxExecutions ?? 10_000 });
  }

  /** Same as the CreateStateMachine operation; throws SfnApiError (InvalidDefinition, ...) on refusal. */
  createStateMachine(p: { name: string; definition: string; type: 'STANDARD' | 'EXPRESS'; roleArn?: string }): string {
    return this.engine.createStateMachine(p).arn;
  }

  /** Serves the API on 127.0.0.1:port (0 = a free port); resolves to the base URL. */
  async listen(port = 0): Promise<string> {
    if (this.url) return this.url;
    await this.engine.ready;
    this.server = createSfnServer((op, body) => this.engine.call(op, body));
    this.url = await listen(this.server, port);
    return this.url;
  }

  async close(): Promise<void> {
    await this.engine.shutdown();
    const server = this.server;
    this.server = undefined;
    this.url = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Requests still in flight after the executions stopped get a moment, then their sockets go.
    const force = setTimeout(() => server.closeAllConnections(), 1000);
    await closed;
    clearTimeout(force);
  }
}
