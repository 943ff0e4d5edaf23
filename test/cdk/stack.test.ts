import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REFRESH_DEADLINE_MS, routes as apiRoutes } from '../../lambdas/api';
import { LedgerFlowStack } from '../../lib/ledgerflow-stack';
import { DOWNLOAD_TASK, ROUTES } from '../../lib/settings';

const app = new App({ outdir: fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ledgerflow-cdk-')) });
const stack = new LedgerFlowStack(app, 'LedgerFlow', { dailySchedule: 'cron(0 6 * * ? *)' });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalIdOf = (type: string, prefix: string) => ofType(type).find(([id]) => id.startsWith(prefix))![0];

type State = Record<string, any>;
function allStates(definition: { States: Record<string, State> }): Array<[string, State]> {
  const out: Array<[string, State]> = [];
  for (const [name, state] of Object.entries(definition.States)) {
    out.push([name, state]);
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) out.push(...allStates(inner));
    for (const branch of state.Branches ?? []) out.push(...allStates(branch));
  }
  return out;
}
const asl = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'statemachines', `${name}.asl.json`), 'utf8'));

describe('data', () => {
  test('one on-demand table with PITR, encryption and the keys the store uses', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [Match.objectLike({ IndexName: 'byDate', KeySchema: Match.arrayWith([{ AttributeName: 'dateKey', KeyType: 'RANGE' }]) })],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'usersByShard' })],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('statements bucket: encrypted, private, TLS only, raw statements expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'raw/', ExpirationInDays: 30, Status: 'Enabled' })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('functions', () => {
  const functions = ofType('AWS::Lambda::Function').filter(([id]) => !id.startsWith('LogRetention') && !id.startsWith('AWS'));

  test('five functions on Node 22, arm64, with their own log groups and tracing', () => {
    expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['Api', 'Download', 'ListUsers', 'PostProcess', 'ProcessStatement']);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('ledgerflow');
    }
  });

  test('the download function has bank timeouts shorter than its own timeout', () => {
    const [, fn] = functions.find(([id]) => id.startsWith('Download'))!;
    const env = fn.Properties.Environment.Variables;
    expect(Number(env.BANK_CONNECT_TIMEOUT_MS) + Number(env.BANK_RESPONSE_TIMEOUT_MS)).toBeLessThan(fn.Properties.Timeout * 1000);
  });

  test('process-statement may only read raw statements and write normalized or quarantined ones', () => {
    const role = (fn: string) => resources[logicalIdOf('AWS::Lambda::Function', fn)].Properties.Role['Fn::GetAtt'][0];
    const roleId = role('ProcessStatement');
    const policy = ofType('AWS::IAM::Policy').find(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))![1];
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).not.toContain('s3:DeleteObject*');
    expect(actions.some((a: string) => a.startsWith('dynamodb:') && a !== 'dynamodb:UpdateItem')).toBe(false);
  });
});

describe('workflows', () => {
  const machines = ofType('AWS::StepFunctions::StateMachine');
  const machine = (name: string) => machines.find(([, m]) => m.Properties.StateMachineName === `ledgerflow-${name}`)![1].Properties;

  test('both workflows are Standard (refresh waits for Download callbacks); both log ALL events and trace with X-Ray', () => {
    expect(machine('refresh').StateMachineType).toBe('STANDARD');
    expect(machine('daily-refresh').StateMachineType).toBe('STANDARD');
    for (const name of ['refresh', 'daily-refresh']) {
      const m = machine(name);
      expect(m.LoggingConfiguration.Level).toBe('ALL');
      expect(m.LoggingConfiguration.IncludeExecutionData).toBe(true);
      expect(m.TracingConfiguration).toEqual({ Enabled: true });
      const logGroupId = m.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      expect(resources[logGroupId].Properties.LogGroupName).toBe(`/aws/vendedlogs/states/ledgerflow-${name}`);
    }
  });

  test.each(['refresh', 'daily-refresh'])('%s: the deployed definition is the ASL file with every placeholder substituted', (name) => {
    const m = machine(name);
    const file = fs.readFileSync(path.join(__dirname, '..', '..', 'statemachines', `${name}.asl.json`), 'utf8');
    const placeholders = new Set([...file.matchAll(/\$\{(\w+)\}/g)].map((x) => x[1]));
    expect(new Set(Object.keys(m.DefinitionSubstitutions))).toEqual(placeholders);
    // The definition is an asset: the staged file is byte-for-byte the ASL file.
    const assetKey: string = m.DefinitionS3Location.Key;
    const staged = fs.readdirSync(app.outdir).find((f) => assetKey.startsWith(f.replace(/^asset\./, '').replace(/\.json$/, '')));
    expect(staged).toBeDefined();
    expect(fs.readFileSync(path.join(app.outdir, staged!), 'utf8')).toBe(file);
  });

  test('refresh substitutions point at the right resources', () => {
    const subs = machine('refresh').DefinitionSubstitutions;
    expect(subs.DownloadFunctionArn).toEqual({ 'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function', 'Download'), 'Arn'] });
    expect(subs.ProcessStatementFunctionArn).toEqual({ 'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function', 'ProcessStatement'), 'Arn'] });
    expect(subs.PostProcessFunctionArn).toEqual({ 'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function', 'PostProcess'), 'Arn'] });
    expect(subs.TableName).toEqual({ Ref: logicalIdOf('AWS::DynamoDB::Table', 'Data') });
  });

  test.each(['refresh', 'daily-refresh'])('%s: every Task has a timeout; Lambda tasks retry service errors with full jitter', (name) => {
    const tasks = allStates(asl(name)).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [stateName, task] of tasks) {
      expect({ stateName, timeout: typeof task.TimeoutSeconds }).toEqual({ stateName, timeout: 'number' });
      if (task.Resource.startsWith('arn:aws:states:::lambda:invoke')) {
        const retry = task.Retry.find((r: any) => r.ErrorEquals.includes('Lambda.ServiceException'));
        expect(retry.ErrorEquals).toEqual(
          expect.arrayContaining(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException']),
        );
        expect(retry).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2 });
        expect(retry.MaxDelaySeconds).toBeGreaterThan(0);
      }
    }
  });

  test('refresh: Download is a callback Task whose heartbeats come well inside HeartbeatSeconds, and whose Lambda ends before its Task', () => {
    const [, download] = allStates(asl('refresh')).find(([n]) => n === 'Download')!;
    expect(download.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(download.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect({ HeartbeatSeconds: download.HeartbeatSeconds, TimeoutSeconds: download.TimeoutSeconds }).toEqual({
      HeartbeatSeconds: DOWNLOAD_TASK.heartbeatSeconds,
      TimeoutSeconds: DOWNLOAD_TASK.timeoutSeconds,
    });
    const fn = resources[logicalIdOf('AWS::Lambda::Function', 'Download')];
    const interval = Number(fn.Properties.Environment.Variables.HEARTBEAT_INTERVAL_SECONDS);
    expect(interval * 3).toBeLessThanOrEqual(download.HeartbeatSeconds); // two beats may be lost
    expect(fn.Properties.Timeout).toBeLessThan(download.TimeoutSeconds);
    const transient = download.Retry.find((r: any) => r.ErrorEquals.includes('TransientError'));
    expect(transient.ErrorEquals).toContain('States.HeartbeatTimeout');
    // The Lambda reports through the task token; nothing else may use its role on Step Functions.
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const policy = ofType('AWS::IAM::Policy').find(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))![1];
    const states = (policy.Properties.PolicyDocument.Statement as any[]).flatMap((st) => [st.Action].flat()).filter((a: string) => a.startsWith('states:'));
    expect(states.sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess']);
  });

  test('the API gives up on a RUNNING refresh only after its workflow has timed out', () => {
    expect(REFRESH_DEADLINE_MS).toBeGreaterThan(asl('refresh').TimeoutSeconds * 1000);
  });

  test('refresh: download retries transient bank errors but never a login the user must fix', () => {
    const [, download] = allStates(asl('refresh')).find(([n]) => n === 'Download')!;
    const transient = download.Retry.find((r: any) => r.ErrorEquals.includes('TransientError'));
    expect(transient).toMatchObject({ JitterStrategy: 'FULL', MaxAttempts: 3 });
    expect(download.Retry.flatMap((r: any) => r.ErrorEquals)).not.toContain('NeedsUserError');
    expect(download.Catch[0].ErrorEquals).toEqual(['States.ALL']);
    const maps = allStates(asl('refresh')).filter(([, s]) => s.Type === 'Map');
    for (const [, map] of maps) expect(map.MaxConcurrency).toBeGreaterThan(0);
  });

  test('daily-refresh fans out with a Distributed Map over the S3 manifest into the refresh machine', () => {
    const [, map] = allStates(asl('daily-refresh')).find(([, s]) => s.Type === 'Map')!;
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(map.MaxConcurrency).toBeGreaterThan(0);
    expect(map.ToleratedFailurePercentage).toBeGreaterThan(0);
    const child = Object.values(map.ItemProcessor.States as Record<string, State>)[0];
    expect(child.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
    expect(child.Parameters.StateMachineArn).toBe('${RefreshStateMachineArn}');
  });

  test('alarms on failed, throttled and timed-out executions of both machines', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.MetricName);
    expect(alarms.sort()).toEqual(['ExecutionThrottled', 'ExecutionThrottled', 'ExecutionsFailed', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsTimedOut']);
  });
});

describe('entry points', () => {
  test('the HTTP API routes are exactly the routes the API function serves', () => {
    const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
    expect(routeKeys).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(Object.keys(apiRoutes).sort()).toEqual(routeKeys);
  });

  test('a daily schedule starts the daily refresh', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      Target: { Arn: { Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'DailyRefresh') } },
    });
  });

  test('refresh completions go to the ledgerflow event bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'ledgerflow' });
    const [, publish] = allStates(asl('refresh')).find(([n]) => n === 'Publish')!;
    expect(publish.Parameters.Entries[0]).toMatchObject({ EventBusName: '${EventBusName}', Source: 'ledgerflow.refresh', DetailType: 'Refresh Completed' });
  });
});
