/**
 * The local stack against the hand-written fixture assembly (test/runtime/fixtures/assembly):
 * real DynamoDB Local, s3rver, LocalStepFunctions, worker-thread Lambdas and HTTP servers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LocalStack, startLocalStack } from '../../local/runtime';

const FIXTURE = path.join(__dirname, 'fixtures', 'assembly');
const TABLE = 'DataTableC0FFEE01';
const BUCKET = 'statementsbucket9f3a2b1c';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const timeouts = { requestHandler: { connectionTimeout: 2000, requestTimeout: 10000 } };

let dataDir: string;
let stack: LocalStack;
const logs: string[] = [];

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-runtime-'));
  stack = await startLocalStack({ cdkOut: FIXTURE, dataDir, extraEnv: { EXTRA: 'extra-value' }, log: (l) => logs.push(l) });
});

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('start-up', () => {
  it('starts within 10 s and lists what it ignores', () => {
    expect(stack.startMs).toBeLessThan(10_000);
    const ignored = logs.find((l) => l.includes('ignoring'))!;
    for (const id of ['WorkerRole1234 (AWS::IAM::Role)', 'AlphaLogs5678 (AWS::Logs::LogGroup)', 'FlowFailedAlarm (AWS::CloudWatch::Alarm)']) {
      expect(ignored).toContain(id);
    }
    expect(stack.physicalIds).toMatchObject({ [TABLE]: TABLE, StatementsBucket9F3A2B1C: BUCKET, BetaFnBBBB2222: 'fixture-beta', EventsBus1A2B3C4D: 'fixture-bus' });
    expect(stack.physicalIds).not.toHaveProperty('ProdOnlyBucket'); // its condition is false
  });
});

describe('DynamoDB and S3', () => {
  it('creates the table with its key schema, indexes, on-demand billing and TTL', async () => {
    const ddb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region, credentials, ...timeouts });
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(Table!.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    expect(Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const gsi = Table!.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g.KeySchema, g.Projection?.ProjectionType]);
    expect(gsi).toEqual([['usersByShard', [{ AttributeName: 'shard', KeyType: 'HASH' }, { AttributeName: 'userId', KeyType: 'RANGE' }], 'KEYS_ONLY']]);
    expect(Table!.LocalSecondaryIndexes!.map((l) => l.IndexName)).toEqual(['byDate']);
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    ddb.destroy();
  });

  it('creates the buckets of the template, and only those whose condition holds', async () => {
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, forcePathStyle: true, region, credentials, ...timeouts });
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name);
    expect(names).toEqual([BUCKET]);
    s3.destroy();
  });
});

describe('Lambda', () => {
  it('runs each function with its own environment, concurrently', async () => {
    const calls = [0, 1, 2].flatMap(() => [
      stack.invokeLambda('AlphaFnAAAA1111', { action: 'env', delayMs: 400 }),
      stack.invokeLambda('arn:aws:lambda:us-east-1:000000000000:function:fixture-beta', { action: 'env', delayMs: 400 }),
    ]);
    const results = (await Promise.all(calls)).map((r) => r.Payload as any);
    const alpha = results.filter((_, i) => i % 2 === 0);
    const beta = results.filter((_, i) => i % 2 === 1);
    expect(alpha.map((p) => [p.who, p.functionName, p.contextFunctionName, p.memory])).toEqual(Array(3).fill(['alpha', 'AlphaFnAAAA1111', 'AlphaFnAAAA1111', '256']));
    expect(beta.map((p) => [p.who, p.functionName, p.contextFunctionName, p.memory])).toEqual(Array(3).fill(['beta', 'fixture-beta', 'fixture-beta', '128']));
    // Alpha and beta invocations really overlapped in time (each sleeps 400 ms; container start-up
    // times vary under load, so look for an overlapping pair), and each still saw its own env.
    const overlaps = alpha.some((a) => beta.some((b) => a.startedAt < b.endedAt && b.startedAt < a.endedAt));
    expect(overlaps).toBe(true);
    expect(stack.lambdas.containers('AlphaFnAAAA1111')).toBeLessThanOrEqual(4);
  });

  it('resolves the template environment (Ref, GetAtt, Sub, Join/Select/Split, If/NoValue) plus extra env', async () => {
    const { Payload } = await stack.invokeLambda('AlphaFnAAAA1111', { action: 'env' });
    const p = Payload as any;
    expect(p.table).toBe(TABLE);
    expect(p.env).toEqual({
      BUCKET_NAME: BUCKET,
      BUS_NAME: 'fixture-bus',
      TABLE_ARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`,
      STACK_INFO: 'Fixture/us-east-1/000000000000/${Literal}',
      JOINED: 'y|aws',
      API_URL: stack.endpoints.api,
      FLOW_ARN: stack.physicalIds.FlowStateMachine0A1B,
      ECHO_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:EchoStateMachineE1C2',
      EXTRA: 'extra-value',
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
    });
    expect(p.remainingMs).toBeGreaterThan(0);
    expect(p.remainingMs).toBeLessThanOrEqual(2000);
  });

  it('keeps containers warm: module state survives between invocations', async () => {
    const first = (await stack.invokeLambda('fixture-beta', { action: 'env' })).Payload as any;
    const second = (await stack.invokeLambda('fixture-beta', { action: 'env' })).Payload as any;
    expect(second.invocations).toBe(first.invocations + 1);
    expect(second.requestId).not.toBe(first.requestId);
  });

  it('reaches DynamoDB Local, s3rver and the event bus through the standard SDK endpoint variables', async () => {
    const ddbOut = await stack.invokeLambda('AlphaFnAAAA1111', { action: 'ddb', pk: 'user#42', amount: '1234.56' });
    expect(ddbOut).toMatchObject({ StatusCode: 200, Payload: { amount: '1234.56' } });
    expect(ddbOut.FunctionError).toBeUndefined();
    const ddb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region, credentials, ...timeouts });
    const item = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'user#42' }, sk: { S: 'item' } } }));
    expect(item.Item?.amount.S).toBe('1234.56');
    ddb.destroy();

    const s3Out = await stack.invokeLambda('AlphaFnAAAA1111', { action: 's3', key: 'raw/u42/stmt.ofx', body: 'OFXHEADER:100' });
    expect(s3Out.Payload).toEqual({ body: 'OFXHEADER:100' });
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, forcePathStyle: true, region, credentials, ...timeouts });
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw/u42/stmt.ofx' }));
    expect(await obj.Body!.transformToString()).toBe('OFXHEADER:100');
    s3.destroy();

    const evOut = await stack.invokeLambda('AlphaFnAAAA1111', { action: 'event', detailType: 'RefreshCompleted', detail: { userId: 'u42', accounts: 3 } });
    expect((evOut.Payload as any).failed).toBe(0);
    const [recorded] = stack.events.list({ detailType: 'RefreshCompleted' });
    expect(recorded).toMatchObject({ source: 'fixture.worker', eventBusName: 'fixture-bus', detail: { userId: 'u42', accounts: 3 } });
    expect(recorded.id).toBe((evOut.Payload as any).id);
  });

  it('reaches Step Functions, including StartSyncExecution and its "sync-" host prefix', async () => {
    const out = await stack.invokeLambda('AlphaFnAAAA1111', { action: 'sync', input: { userId: 'u7' } });
    expect(out.FunctionError).toBeUndefined();
    expect(out.Payload).toEqual({ status: 'SUCCEEDED', output: { userId: 'u7', echo: { bus: 'fixture-bus' } } });
  });

  it('reports a thrown error as FunctionError Unhandled with its errorType', async () => {
    const out = await stack.invokeLambda('fixture-beta', { action: 'throw', userId: 'u9' });
    expect(out.FunctionError).toBe('Unhandled');
    const p = out.Payload as any;
    expect(p.errorType).toBe('NeedsUserError');
    expect(p.errorMessage).toBe('user u9 must answer an MFA challenge');
    expect(p.trace[0]).toBe('NeedsUserError: user u9 must answer an MFA challenge');
  });

  it('enforces the Timeout by terminating the container (Sandbox.Timedout), then starts a fresh one', async () => {
    const before = Date.now();
    // A CPU-bound handler: only terminating the worker can stop it.
    const out = await stack.invokeLambda('fixture-beta', { action: 'spin', ms: 5000 });
    const elapsed = Date.now() - before;
    expect(out.FunctionError).toBe('Unhandled');
    expect((out.Payload as any).errorType).toBe('Sandbox.Timedout');
    expect((out.Payload as any).errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
    const next = (await stack.invokeLambda('fixture-beta', { action: 'env' })).Payload as any;
    expect(next.who).toBe('beta');
  });

  it('rejects an unknown function like the Invoke API', async () => {
    await expect(stack.invokeLambda('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('HTTP API', () => {
  it('turns a request into a payload v2 event for the matching route and maps the response back', async () => {
    const before = Date.now();
    const res = await fetch(`${stack.endpoints.api}/users/u-42/refresh?full=true&x=1&x=2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'Yes', Cookie: 'a=1; b=2' },
      body: JSON.stringify({ connectionIds: ['c1'] }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-route')).toBe('POST /users/{userId}/refresh');
    expect(res.headers.get('set-cookie')).toBe('session=abc; Path=/');
    const { event } = (await res.json()) as any;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /users/{userId}/refresh',
      rawPath: '/users/u-42/refresh',
      rawQueryString: 'full=true&x=1&x=2',
      queryStringParameters: { full: 'true', x: '1,2' },
      pathParameters: { userId: 'u-42' },
      cookies: ['a=1', 'b=2'],
      body: '{"connectionIds":["c1"]}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: stack.physicalIds.HttpApiF5A9A8A7,
        http: { method: 'POST', path: '/users/u-42/refresh', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        routeKey: 'POST /users/{userId}/refresh',
        stage: '$default',
        requestId: res.headers.get('apigw-requestid'),
      },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['x-custom-header']).toBe('Yes');
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.timeEpoch).toBeLessThanOrEqual(Date.now());
  });

  it('fills several path parameters and omits absent query strings', async () => {
    const res = await fetch(`${stack.endpoints.api}/users/u1/refreshes/r-9`);
    const { event } = (await res.json()) as any;
    expect(event.pathParameters).toEqual({ userId: 'u1', refreshId: 'r-9' });
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('body');
  });

  it('returns a plain object as 200 JSON and decodes base64 bodies', async () => {
    const plain = await fetch(`${stack.endpoints.api}/institutions`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toEqual({ institutions: ['sandbox'] });
    const file = await fetch(`${stack.endpoints.api}/files/2025/03/stmt.ofx`, { method: 'DELETE' });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('file:2025/03/stmt.ofx');
  });

  it('answers 404 {"message":"Not Found"} for unknown routes and methods, 500 when the Lambda fails', async () => {
    for (const [method, p] of [['GET', '/nowhere'], ['DELETE', '/users/u1/refresh'], ['GET', '/users/u1']]) {
      const res = await fetch(`${stack.endpoints.api}${p}`, { method });
      expect([method, p, res.status, await res.json()]).toEqual([method, p, 404, { message: 'Not Found' }]);
    }
    const failed = await fetch(`${stack.endpoints.api}/users/u1/refresh?fail=yes`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
  });
});

describe('EventBridge API', () => {
  it('serves PutEvents for the SDK and reports entries for unknown buses as failed', async () => {
    const eb = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge, region, credentials, ...timeouts });
    const out = await eb.send(new PutEventsCommand({
      Entries: [
        { EventBusName: 'fixture-bus', Source: 'test', DetailType: 'Ping', Detail: '{"n":1}' },
        { EventBusName: 'missing-bus', Source: 'test', DetailType: 'Ping', Detail: '{"n":2}' },
        { EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default', Source: 'test', DetailType: 'Ping', Detail: '{"n":3}' },
      ],
    }));
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries![1].ErrorCode).toBe('NotFoundException');
    expect(stack.events.list({ detailType: 'Ping' }).map((e) => [e.eventBusName, e.detail.n])).toEqual([['fixture-bus', 1], ['default', 3]]);
    eb.destroy();
  });
});

describe('scheduler', () => {
  it('computes the next run of each schedule and does not arm disabled ones', () => {
    const now = new Date();
    const expected = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 6));
    if (expected.getTime() <= now.getTime()) expected.setUTCDate(expected.getUTCDate() + 1);
    expect(stack.scheduler.next('DailySchedule1F2E')?.toISOString()).toBe(expected.toISOString());
    expect(stack.scheduler.next('fixture-paused')).toBeUndefined();
  });

  it('fireNow starts an execution of the target state machine with the schedule input', async () => {
    const record = await stack.scheduler.fireNow('DailySchedule1F2E');
    expect(record.result).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:fixture-flow:/);
    const sfn = new SFNClient({ endpoint: stack.endpoints.stepfunctions, region, credentials, ...timeouts });
    let status = 'RUNNING';
    let output = '';
    for (let i = 0; i < 100 && status === 'RUNNING'; i++) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: record.result! }));
      status = d.status!;
      output = d.output ?? '';
      if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 50));
    }
    sfn.destroy();
    expect(status).toBe('SUCCEEDED');
    expect(JSON.parse(output)).toEqual({ trigger: 'daily', work: { who: 'alpha', table: TABLE } });
    const done = await stack.events.waitFor({ detailType: 'FlowDone', eventBusName: 'fixture-bus' }, 5000);
    expect(done.detail).toEqual({ who: 'alpha', input: { trigger: 'daily', work: { who: 'alpha', table: TABLE } } });
  });

  it('fireNow of an unknown schedule fails', async () => {
    await expect(stack.scheduler.fireNow('nope')).rejects.toThrow(/No schedule nope/);
  });
});

describe('stop and restart', () => {
  it('stop() leaves no Java process; a restart on the same data dir keeps the data', async () => {
    const javaPid = stack.dynamodbPid;
    expect(isAlive(javaPid)).toBe(true);
    await stack.stop();
    expect(isAlive(javaPid)).toBe(false);

    stack = await startLocalStack({ cdkOut: FIXTURE, dataDir, log: () => {} });
    const ddb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region, credentials, ...timeouts });
    const item = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'user#42' }, sk: { S: 'item' } } }));
    expect(item.Item?.amount.S).toBe('1234.56');
    ddb.destroy();
    const s3 = new S3Client({ endpoint: stack.endpoints.s3, forcePathStyle: true, region, credentials, ...timeouts });
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw/u42/stmt.ofx' }));
    expect(await obj.Body!.transformToString()).toBe('OFXHEADER:100');
    s3.destroy();
  });
});
