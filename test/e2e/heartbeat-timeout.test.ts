/**
 * A download that cannot beat: its Lambda cannot reach Step Functions, so neither heartbeats nor its
 * result arrive. Step Functions times the attempt out after HeartbeatSeconds, long before the Task's
 * TimeoutSeconds, and retries it. (Its own stack: the fault is in the Download function's environment.)
 */
import { StopExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import * as net from 'node:net';
import { DOWNLOAD_TASK } from '../../lib/settings';
import { connectionIdFor, seedUser } from '../../local/seed';
import { downloadAttempts, firstTaskAttempt, refreshExecutionArn, refreshHistory, startHarness, until, type Harness } from './harness';
import { BANK, HEARTBEAT_MS, slowBank } from './heartbeat-scenario';

const SILENT = 'hb-silent';
let h: Harness;

beforeAll(async () => {
  const { options } = slowBank([SILENT]);
  h = await startHarness({ ...options, functionEnv: { Download: { AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${await portNobodyListensOn()}` } } });
  await seedUser(SILENT, [BANK], { scenario: 'slow' });
}, 120_000);
afterAll(async () => h?.stop());

test('a download that cannot beat is timed out after HeartbeatSeconds with States.HeartbeatTimeout and retried', async () => {
  const refreshId = await h.client.startRefresh(SILENT);
  let history: HistoryEvent[] = [];
  await until(async () => {
    history = await refreshHistory(h, refreshId);
    return history.filter((e) => e.type === 'TaskScheduled').length >= 2; // the retry has begun
  }, { timeoutMs: HEARTBEAT_MS + 15_000, pollMs: 200 });
  await h.sfn.send(new StopExecutionCommand({ executionArn: await refreshExecutionArn(h, refreshId) }));

  const first = firstTaskAttempt(history, 'Download');
  expect(first).toMatchObject({ end: 'TaskTimedOut', error: 'States.HeartbeatTimeout' });
  expect(first.ms).toBeGreaterThanOrEqual(HEARTBEAT_MS - 50);
  expect(first.ms).toBeLessThan(HEARTBEAT_MS + 3_000); // not the Task's TimeoutSeconds
  expect(downloadAttempts(history)[connectionIdFor(BANK)].attempts).toBe(2);
  console.log(`[heartbeat] a silent download timed out after ${first.ms} ms (HeartbeatSeconds ${HEARTBEAT_MS / 1000}, TimeoutSeconds ${DOWNLOAD_TASK.timeoutSeconds}) and was retried`);
}, 90_000);

async function portNobodyListensOn(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
