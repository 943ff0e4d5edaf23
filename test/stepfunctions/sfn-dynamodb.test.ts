/**
 * dynamodb:putItem/getItem/updateItem/deleteItem Tasks against DynamoDB Local (as the refresh
 * workflow's RecordFailure step uses them), with $$.State.EnteredTime / $$.Execution.Name in
 * Parameters and DynamoDB.* error names that Catch matches.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/runtime/dynamodb-local';
import { freePort } from '../../local/runtime/ports';
import { sfnClient, waitForEnd } from './helpers';

const TABLE = 'ledger';
let dir: string;
let db: DynamoDbLocal;
let ddb: DynamoDBClient;
let sfn: LocalStepFunctions;
let client: SFNClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-ddb-'));
  db = await startDynamoDbLocal({ dbPath: dir, port: await freePort() });
  ddb = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 10_000, connectionTimeout: 2_000 },
  });
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  sfn = new LocalStepFunctions({ integrations: { invokeLambda: async () => ({ StatusCode: 200, Payload: null }), dynamodb: ddb } });
  client = sfnClient(await sfn.listen(0));
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await sfn?.close();
  ddb?.destroy();
  await db?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const key = { pk: { 'S.$': "States.Format('USER#{}', $.userId)" }, sk: { 'S.$': "States.Format('REFRESH#{}', $.refreshId)" } };

test('put, conditional update (its ConditionalCheckFailed caught), get and delete items from a workflow', async () => {
  const def = {
    StartAt: 'Put',
    States: {
      Put: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: { TableName: TABLE, Item: { ...key, status: { S: 'RUNNING' }, startedAt: { 'S.$': '$$.State.EnteredTime' }, run: { 'S.$': '$$.Execution.Name' } } },
        ResultPath: null,
        Next: 'FinishOnce',
      },
      FinishOnce: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'SET #s = :done',
          ConditionExpression: '#s = :running',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':done': { S: 'SUCCEEDED' }, ':running': { S: 'RUNNING' } },
          ReturnValues: 'ALL_NEW',
        },
        ResultSelector: { 'status.$': '$.Attributes.status.S' },
        ResultPath: '$.first',
        Next: 'FinishAgain',
      },
      FinishAgain: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'SET #s = :done',
          ConditionExpression: '#s = :running',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':done': { S: 'SUCCEEDED' }, ':running': { S: 'RUNNING' } },
        },
        Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.second', Next: 'Get' }],
        ResultPath: '$.second',
        Next: 'Get',
      },
      Get: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:getItem',
        Parameters: { TableName: TABLE, Key: key },
        ResultSelector: { 'status.$': '$.Item.status.S', 'startedAt.$': '$.Item.startedAt.S', 'run.$': '$.Item.run.S' },
        ResultPath: '$.item',
        Next: 'MaybeDelete',
      },
      MaybeDelete: { Type: 'Choice', Choices: [{ Variable: '$.delete', BooleanEquals: true, Next: 'Delete' }], Default: 'Done' },
      Delete: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:deleteItem', Parameters: { TableName: TABLE, Key: key }, ResultPath: null, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'ddb', definition: JSON.stringify(def), roleArn: 'arn:aws:iam::123456789012:role/x' }));
  const before = Date.now();
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'run-1', input: JSON.stringify({ userId: '0042', refreshId: 'r1', delete: false }) }));
  const d = await waitForEnd(client, executionArn!);
  expect(d.status).toBe('SUCCEEDED');
  const out = JSON.parse(d.output!);
  expect(out.first).toEqual({ status: 'SUCCEEDED' });
  expect(out.second.Error).toBe('DynamoDB.ConditionalCheckFailedException');
  expect(out.item.status).toBe('SUCCEEDED');
  expect(out.item.run).toBe('run-1');
  const entered = Date.parse(out.item.startedAt);
  expect(entered).toBeGreaterThanOrEqual(before - 1000);
  expect(entered).toBeLessThanOrEqual(Date.now());
  const stored = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'USER#0042' }, sk: { S: 'REFRESH#r1' } } }));
  expect(stored.Item?.status.S).toBe('SUCCEEDED');

  const second = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ userId: '0043', refreshId: 'r2', delete: true }) }));
  expect((await waitForEnd(client, second.executionArn!)).status).toBe('SUCCEEDED');
  const gone = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'USER#0043' }, sk: { S: 'REFRESH#r2' } } }));
  expect(gone.Item).toBeUndefined();
});
