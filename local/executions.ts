/** Reading Step Functions executions through the unmodified SDK: every page of them, and their end. */
import {
  DescribeExecutionCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';

export async function listAllExecutions(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const out: ExecutionListItem[] = [];
  for await (const page of paginateListExecutions({ client: sfn, pageSize: 1000 }, { stateMachineArn })) out.push(...(page.executions ?? []));
  return out;
}

export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 1000 }, { executionArn })) events.push(...(page.events ?? []));
  return events;
}

/** Polls DescribeExecution until the execution ends or timeoutMs passes: its last description (still RUNNING if time ran out). */
export async function waitForExecution(sfn: SFNClient, executionArn: string, { timeoutMs, pollMs = 250 }: { timeoutMs: number; pollMs?: number }): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING' || Date.now() > deadline) return execution;
    await sleep(pollMs);
  }
}
