/** Reading Step Functions executions through the unmodified SDK, every page of them. */
import { GetExecutionHistoryCommand, ListExecutionsCommand, type ExecutionListItem, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

export async function listAllExecutions(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const out: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
    out.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
