/**
 * The runtime against the project's own synthesized template (cdk.out, synthesized by the jest
 * global setup): every resource the stack declares is deployed locally, nothing is left unread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ROUTES } from '../../lib/settings';
import { LocalStack, startLocalStack } from '../../local/runtime';
import { loadStack } from '../../local/runtime/template';

const CDK_OUT = path.join(__dirname, '..', '..', 'cdk.out');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

let stack: LocalStack;
let dataDir: string;
const logs: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-runtime-real-'));
  stack = await startLocalStack({ cdkOut: CDK_OUT, dataDir, startSchedules: false, log: (l) => logs.push(l) });
});

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const resourcesOf = (type: string) =>
  Object.entries(loadStack(CDK_OUT).template.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => ({ id, r }));

it('starts the synthesized stack in under 10 s', () => {
  expect(stack.startMs).toBeLessThan(10_000);
});

it('finds the bundled code of every Lambda function in cdk.out', () => {
  const fns = resourcesOf('AWS::Lambda::Function');
  expect(fns.length).toBeGreaterThan(0);
  for (const { id } of fns) {
    const spec = stack.lambdas.spec(stack.physicalIds[id])!;
    expect([id, spec.missingCodeReason]).toEqual([id, undefined]);
    expect(fs.existsSync(spec.handlerFile!)).toBe(true);
  }
});

it('registers every state machine with the Step Functions service under its template ARN', async () => {
  const sfn = new SFNClient({ endpoint: stack.endpoints.stepfunctions, region, credentials });
  const listed = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines!.map((m) => m.stateMachineArn).sort();
  sfn.destroy();
  expect(listed).toEqual(resourcesOf('AWS::StepFunctions::StateMachine').map(({ id }) => stack.physicalIds[id]).sort());
});

it('creates each table with the key schema and indexes of the template', async () => {
  const ddb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region, credentials });
  for (const { id, r } of resourcesOf('AWS::DynamoDB::Table')) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: stack.physicalIds[id] }));
    expect(Table!.KeySchema).toEqual(r.Properties!.KeySchema);
    expect((Table!.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(
      (r.Properties!.GlobalSecondaryIndexes ?? []).map((g: { IndexName: string }) => g.IndexName).sort(),
    );
  }
  ddb.destroy();
});

it('serves exactly the routes of lib/settings.ts, each reaching its Lambda', async () => {
  const apiLog = logs.find((l) => l.startsWith('[local] api '))!;
  for (const route of ROUTES) expect(apiLog).toContain(`${route.method} ${route.path}`);
  const res = await fetch(`${stack.endpoints.api}/institutions`, { signal: AbortSignal.timeout(15_000) });
  expect(res.status).toBe(200); // the api Lambda ran in its worker and answered
  const missing = await fetch(`${stack.endpoints.api}/no/such/route`, { signal: AbortSignal.timeout(15_000) });
  expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
});
