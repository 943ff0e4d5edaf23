/**
 * DISTRIBUTED Map over S3 (s3rver on a free port): ItemReader (JSON manifest, CSV), ItemSelector,
 * ItemBatcher, MaxConcurrency, ToleratedFailurePercentage, ResultWriter files, child executions
 * listed under `<parent>/<label>` with their own history, and DescribeMapRun counts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeMapRunCommand, ListExecutionsCommand, ListMapRunsCommand, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { count, fnArn, executionHistory, lambdaHost, namedError, sfnClient, sleep, waitForEnd, type TestFn } from './helpers';

// s3rver ships no types; the surface used here is small.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

const BUCKET = 'lf-dmap';
const fns: Record<string, TestFn> = {};
let dir: string;
let s3server: InstanceType<typeof S3rver>;
let s3: S3Client;
let sfn: LocalStepFunctions;
let client: SFNClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-dmap-'));
  s3server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET }], allowMismatchedSignatures: true });
  const { port } = await s3server.run();
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: { requestTimeout: 10_000, connectionTimeout: 2_000 },
  });
  sfn = new LocalStepFunctions({ integrations: { invokeLambda: lambdaHost(fns), s3 } });
  client = sfnClient(await sfn.listen(0));
});

afterAll(async () => {
  client?.destroy();
  await sfn?.close();
  s3?.destroy();
  await s3server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function putText(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function getJson(key: string): Promise<any> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await r.Body!.transformToString());
}

const users = Array.from({ length: 20 }, (_, i) => ({ userId: `u${String(i + 1).padStart(3, '0')}`, tier: i % 3 === 0 ? 'gold' : 'basic' }));

let inFlight = 0;
let maxInFlight = 0;
fns.refreshUser = async (p: { userId: string; index: number; runId: string; failIds: string[] }) => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  try {
    await sleep(15);
    if (p.failIds.includes(p.userId)) throw namedError('InstitutionError', `bank refused ${p.userId}`);
    return { userId: p.userId, index: p.index, runId: p.runId, accounts: p.index % 4 };
  } finally {
    inFlight--;
  }
};

const dailyRefresh = {
  StartAt: 'RefreshUsers',
  States: {
    RefreshUsers: {
      Type: 'Map',
      Label: 'Users',
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: BUCKET, 'Key.$': '$.manifestKey' } },
      ItemSelector: { 'userId.$': '$$.Map.Item.Value.userId', 'index.$': '$$.Map.Item.Index', 'runId.$': '$$.Execution.Name', 'failIds.$': '$.failIds' },
      MaxConcurrency: 4,
      ToleratedFailurePercentage: 10,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'RefreshUser',
        States: { RefreshUser: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fnArn('refreshUser'), 'Payload.$': '$' }, OutputPath: '$.Payload', End: true } },
      },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: BUCKET, Prefix: 'results/daily' } },
      ResultPath: '$.results',
      End: true,
    },
  },
};

test('Distributed Map over an S3 JSON manifest: tolerated failures, ResultWriter files, child executions and Map Run', async () => {
  await putText('manifests/day1.json', JSON.stringify(users));
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'daily', definition: JSON.stringify(dailyRefresh), roleArn: 'arn:aws:iam::123456789012:role/x' }));
  const failIds = [users[4].userId, users[11].userId]; // 2 of 20 = 10%: tolerated (not above 10%)
  maxInFlight = 0;
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'day1', input: JSON.stringify({ manifestKey: 'manifests/day1.json', failIds }) }));
  const d = await waitForEnd(client, executionArn!, 30_000);
  expect(d.status).toBe('SUCCEEDED');
  const out = JSON.parse(d.output!);
  expect(out.manifestKey).toBe('manifests/day1.json');
  const { MapRunArn, ResultWriterDetails } = out.results;
  expect(MapRunArn).toMatch(/^arn:aws:states:us-east-1:123456789012:mapRun:daily\/Users:/);
  expect(ResultWriterDetails.Bucket).toBe(BUCKET);
  expect(ResultWriterDetails.Key).toMatch(/^results\/daily\/[0-9a-f-]{36}\/manifest\.json$/);
  expect(maxInFlight).toBe(4);

  const manifest = await getJson(ResultWriterDetails.Key);
  expect(manifest.DestinationBucket).toBe(BUCKET);
  expect(manifest.MapRunArn).toBe(MapRunArn);
  const succeeded: any[] = await getJson(manifest.ResultFiles.SUCCEEDED[0].Key);
  const failed: any[] = await getJson(manifest.ResultFiles.FAILED[0].Key);
  expect(succeeded).toHaveLength(users.length - failIds.length);
  expect(failed).toHaveLength(failIds.length);
  const expectedOk = users.map((u, index) => ({ u, index })).filter(({ u }) => !failIds.includes(u.userId));
  expect(succeeded.map((e) => JSON.parse(e.Output)).sort((a, b) => a.index - b.index)).toEqual(
    expectedOk.map(({ u, index }) => ({ userId: u.userId, index, runId: 'day1', accounts: index % 4 })),
  );
  expect(failed.map((e) => e.Error)).toEqual(['InstitutionError', 'InstitutionError']);
  expect(failed.map((e) => JSON.parse(e.Input).userId).sort()).toEqual([...failIds].sort());
  expect(failed[0].Status).toBe('FAILED');
  expect(JSON.parse(failed[0].Cause).errorMessage).toMatch(/^bank refused u0(05|12)$/);

  // Children: listed under <parent>/<label>, and by Map Run, each with its own history.
  const childMachine = `${stateMachineArn}/Users`;
  const children = await client.send(new ListExecutionsCommand({ stateMachineArn: childMachine, maxResults: 100 }));
  expect(children.executions).toHaveLength(users.length);
  expect(children.executions!.filter((e) => e.status === 'SUCCEEDED')).toHaveLength(users.length - failIds.length);
  expect(children.executions!.every((e) => e.mapRunArn === MapRunArn)).toBe(true);
  const byRun = await client.send(new ListExecutionsCommand({ mapRunArn: MapRunArn, statusFilter: 'FAILED' }));
  expect(byRun.executions).toHaveLength(failIds.length);
  const childHistory = await executionHistory(client, byRun.executions![0].executionArn!);
  expect(childHistory.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'ExecutionFailed']);

  const parentHistory = await executionHistory(client, executionArn!);
  expect(parentHistory.map((e) => e.type)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  expect(parentHistory[2].mapRunStartedEventDetails?.mapRunArn).toBe(MapRunArn);

  const run = await client.send(new DescribeMapRunCommand({ mapRunArn: MapRunArn }));
  expect(run).toMatchObject({ status: 'SUCCEEDED', executionArn, maxConcurrency: 4, toleratedFailurePercentage: 10 });
  expect(run.itemCounts).toMatchObject({ total: users.length, succeeded: users.length - failIds.length, failed: failIds.length, pending: 0, running: 0 });
  const runs = await client.send(new ListMapRunsCommand({ executionArn }));
  expect(runs.mapRuns?.map((r) => r.mapRunArn)).toEqual([MapRunArn]);
});

test('Distributed Map fails with States.ExceedToleratedFailureThreshold above ToleratedFailurePercentage', async () => {
  await putText('manifests/day2.json', JSON.stringify(users));
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'daily2', definition: JSON.stringify(dailyRefresh), roleArn: 'arn:aws:iam::123456789012:role/x' }));
  const failIds = users.filter((_, i) => i % 6 === 1).map((u) => u.userId); // 4 of 20 = 20% > 10%
  expect(failIds.length * 100 / users.length).toBeGreaterThan(10);
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ manifestKey: 'manifests/day2.json', failIds }) }));
  const d = await waitForEnd(client, executionArn!, 30_000);
  expect(d.status).toBe('FAILED');
  expect(d.error).toBe('States.ExceedToleratedFailureThreshold');
  const h = await executionHistory(client, executionArn!);
  expect(h.map((e) => e.type)).toEqual(expect.arrayContaining(['MapRunStarted', 'MapRunFailed', 'MapStateFailed', 'ExecutionFailed']));
  const children = await client.send(new ListExecutionsCommand({ stateMachineArn: `${stateMachineArn}/Users`, maxResults: 100 }));
  expect(children.executions!.some((e) => e.status === 'RUNNING')).toBe(false);
  expect(children.executions!.filter((e) => e.status === 'FAILED').length).toBeGreaterThanOrEqual(3); // the 3rd failure (15%) crosses 10%
});

test('Distributed Map over CSV with ItemBatcher and no ResultWriter returns the batch outputs in order', async () => {
  const rows = users.slice(0, 7);
  await putText('manifests/users.csv', ['userId,tier', ...rows.map((u) => `${u.userId},"${u.tier}"`)].join('\r\n') + '\r\n');
  fns.sumBatch = (p: { BatchInput: { runId: string }; Items: { userId: string; tier: string }[] }) => ({
    runId: p.BatchInput.runId,
    ids: p.Items.map((i) => i.userId),
    gold: p.Items.filter((i) => i.tier === 'gold').length,
  });
  const def = {
    StartAt: 'Batches',
    States: {
      Batches: {
        Type: 'Map',
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }, Parameters: { 'Bucket.$': '$.bucket', Key: 'manifests/users.csv' } },
        ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'runId.$': '$.runId' } },
        MaxConcurrency: 2,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Sum',
          States: { Sum: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fnArn('sumBatch'), 'Payload.$': '$' }, OutputPath: '$.Payload', End: true } },
        },
        End: true,
      },
    },
  };
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'batches', definition: JSON.stringify(def), roleArn: 'arn:aws:iam::123456789012:role/x' }));
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ bucket: BUCKET, runId: 'r7' }) }));
  const d = await waitForEnd(client, executionArn!, 30_000);
  expect(d.status).toBe('SUCCEEDED');
  const expected = [];
  for (let i = 0; i < rows.length; i += 3) {
    const chunk = rows.slice(i, i + 3);
    expected.push({ runId: 'r7', ids: chunk.map((u) => u.userId), gold: chunk.filter((u) => u.tier === 'gold').length });
  }
  expect(JSON.parse(d.output!)).toEqual(expected);
  const children = await client.send(new ListExecutionsCommand({ stateMachineArn: `${stateMachineArn}/Batches` }));
  expect(children.executions).toHaveLength(Math.ceil(rows.length / 3));
  expect(children.executions![0].executionArn).toMatch(/:express:batches\/Batches:/);
  const h = await executionHistory(client, executionArn!);
  expect(count(h, 'MapRunSucceeded')).toBe(1);
});

test('StopExecution on the parent aborts the running Map Run and its child executions', async () => {
  const def = {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 3,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 30, End: true } } },
        End: true,
      },
    },
  };
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'stoppable-map', definition: JSON.stringify(def), roleArn: 'arn:aws:iam::123456789012:role/x' }));
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ items: [1, 2, 3, 4, 5].map((n) => ({ n })) }) }));
  const childArn = `${stateMachineArn}/Fan`;
  for (let i = 0; ; i++) {
    const l = await client.send(new ListExecutionsCommand({ stateMachineArn: childArn }));
    if ((l.executions ?? []).length === 3) break;
    if (i > 200) throw new Error('children did not start');
    await sleep(10);
  }
  await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'enough' }));
  expect((await waitForEnd(client, executionArn!)).status).toBe('ABORTED');
  const children = await client.send(new ListExecutionsCommand({ stateMachineArn: childArn }));
  expect(children.executions!.map((e) => e.status)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
  const h = await executionHistory(client, executionArn!);
  expect(h[h.length - 1].type).toBe('ExecutionAborted');
});
