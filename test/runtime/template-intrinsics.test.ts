import * as path from 'node:path';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { PhysicalIds, s3BucketName } from '../../local/runtime/physical';
import { loadStack } from '../../local/runtime/template';
import { TemplateResources } from '../../local/runtime/resources';
import { CfnTemplate } from '../../local/runtime/template';

const FIXTURE = path.join(__dirname, 'fixtures', 'assembly');

function resolverFor(template: CfnTemplate, stackName = 'TestStack') {
  const physical = new PhysicalIds(template, { apiEndpoint: (id) => `http://127.0.0.1:9/${id}` });
  const resolver = new IntrinsicResolver(template, stackName, physical);
  physical.resolver = resolver;
  return { resolver, physical };
}

const template: CfnTemplate = {
  Parameters: { Stage: { Type: 'String', Default: 'dev' } },
  Mappings: { Sizes: { dev: { memory: 256 } } },
  Conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
    IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] },
  },
  Resources: {
    Table1: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: { 'Fn::Sub': '${AWS::StackName}-data' } } },
    Bucket1: { Type: 'AWS::S3::Bucket' },
    Fn1: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'fn-one' } },
    Machine1: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
    Api1: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
  },
};

describe('intrinsic functions', () => {
  const { resolver } = resolverFor(template);

  it('resolves Ref and Fn::GetAtt to local physical names and ARNs', () => {
    expect(resolver.resolve({ Ref: 'Table1' })).toBe('TestStack-data');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table1', 'Arn'] })).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/TestStack-data');
    expect(resolver.resolve({ Ref: 'Bucket1' })).toBe('bucket1');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Fn1', 'Arn'] })).toBe('arn:aws:lambda:us-east-1:000000000000:function:fn-one');
    expect(resolver.resolve({ Ref: 'Machine1' })).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:Machine1');
    expect(resolver.resolve({ 'Fn::GetAtt': 'Machine1.Name' })).toBe('Machine1');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Api1', 'ApiEndpoint'] })).toBe('http://127.0.0.1:9/Api1');
    expect(resolver.resolve({ Ref: 'Stage' })).toBe('dev');
    expect(resolver.resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolver.resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
  });

  it('evaluates Fn::Sub in both forms, with GetAtt and escaped ${!...}', () => {
    expect(resolver.resolve({ 'Fn::Sub': '${Fn1.Arn}:live ${!NotMe} ${AWS::Region}' })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:fn-one:live ${NotMe} us-east-1',
    );
    expect(resolver.resolve({ 'Fn::Sub': ['${Name}/${Bucket1}', { Name: { 'Fn::Join': ['-', ['a', 'b']] } }] })).toBe('a-b/bucket1');
  });

  it('evaluates Join, Select, Split, FindInMap, Base64', () => {
    expect(resolver.resolve({ 'Fn::Join': [':', [{ Ref: 'AWS::AccountId' }, { 'Fn::Select': [2, { 'Fn::Split': ['/', 'a/b/c'] }] }]] })).toBe('000000000000:c');
    expect(resolver.resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'memory'] })).toBe(256);
    expect(resolver.resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
  });

  it('drops AWS::NoValue from objects and lists, and follows conditions', () => {
    const out = resolver.resolve({
      A: { 'Fn::If': ['IsProd', 'p', { Ref: 'AWS::NoValue' }] },
      B: { 'Fn::If': ['IsDev', 'd', 'p'] },
      L: ['x', { 'Fn::If': ['IsProd', 'y', { Ref: 'AWS::NoValue' }] }, 'z'],
      C: { 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Or': [false, true] }] },
    });
    expect(out).toEqual({ B: 'd', L: ['x', 'z'], C: true });
  });

  it('fails loudly on what it cannot evaluate', () => {
    expect(() => resolver.resolve({ Ref: 'Nope' })).toThrow(/unknown resource or parameter Nope/);
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/not supported/);
    expect(() => resolver.resolve({ 'Fn::GetAtt': ['Missing', 'Arn'] })).toThrow(/unknown resource Missing/);
  });

  it('derives valid S3 bucket names from logical ids', () => {
    expect(s3BucketName('StatementsBucket9F3A2B1C')).toBe('statementsbucket9f3a2b1c');
    expect(s3BucketName('My_Bucket')).toBe('my-bucket');
    const long = s3BucketName('X'.repeat(100));
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
  });
});

describe('reading the fixture cloud assembly', () => {
  const stack = loadStack(FIXTURE);
  const { resolver, physical } = resolverFor(stack.template, stack.stackName);
  const resources = new TemplateResources(stack, resolver, physical);

  it('finds the stack and maps asset object keys to staged files', () => {
    expect(stack.stackName).toBe('Fixture');
    expect(stack.assetsByObjectKey.get('fixtureworker.zip')).toBe(path.join(FIXTURE, 'asset.fixture-worker'));
  });

  it('loads Lambda code from aws:asset:path metadata, or from the S3Key when metadata is absent', () => {
    const specs = resources.lambdas(() => ({ BASE: '1' }), (id): Record<string, string> => (id.startsWith('Alpha') ? { EXTRA: 'e', ONLY_ALPHA: 'a' } : { EXTRA: 'e' }), '/tmp/unused');
    const alpha = specs.find((s) => s.logicalId === 'AlphaFnAAAA1111')!;
    const beta = specs.find((s) => s.logicalId === 'BetaFnBBBB2222')!;
    expect(alpha.handlerFile).toBe(path.join(FIXTURE, 'asset.fixture-worker', 'index.js'));
    expect(beta.handlerFile).toBe(alpha.handlerFile);
    expect(beta.name).toBe('fixture-beta');
    expect([alpha.timeoutSeconds, alpha.memorySize, beta.timeoutSeconds, beta.memorySize]).toEqual([2, 256, 1, 128]);
    expect(alpha.environment).toMatchObject({ BASE: '1', EXTRA: 'e', WHO: 'alpha', JOINED: 'y|aws', STACK_INFO: 'Fixture/us-east-1/000000000000/${Literal}' });
    expect(alpha.environment).not.toHaveProperty('PROD_ONLY');
    expect([alpha.environment.ONLY_ALPHA, beta.environment.ONLY_ALPHA, beta.environment.EXTRA]).toEqual(['a', undefined, 'e']);
  });

  it('reads state machine definitions from a file asset and applies DefinitionSubstitutions', () => {
    const machines = resources.stateMachines();
    const flow = machines.find((m) => m.name === 'fixture-flow')!;
    const def = JSON.parse(flow.definition);
    expect(def.States.Work.Parameters.FunctionName).toBe('arn:aws:lambda:us-east-1:000000000000:function:AlphaFnAAAA1111');
    expect(def.States.Announce.Parameters.Entries[0].EventBusName).toBe('fixture-bus');
    expect(flow.type).toBe('STANDARD');
    const echo = machines.find((m) => m.logicalId === 'EchoStateMachineE1C2')!;
    expect(JSON.parse(echo.definition).States.Echo.Result).toEqual({ bus: 'fixture-bus' });
    expect(echo.type).toBe('EXPRESS');
  });

  it('skips resources whose condition is false and lists what is ignored', () => {
    expect(resources.buckets()).toEqual(['statementsbucket9f3a2b1c']);
    expect(resources.ignored().map((s) => s.split(' ')[0]).sort()).toEqual(
      ['AlphaLogs5678', 'ApiFnInvokePermission', 'FlowFailedAlarm', 'StatementsBucketPolicyA1B2', 'WorkerRole1234'],
    );
  });

  it('reads routes with their Lambda integration and schedules with their targets', () => {
    const [api] = resources.httpApis();
    expect(api.stageName).toBe('$default');
    expect(api.routes.map((r) => r.routeKey)).toEqual([
      'POST /users/{userId}/refresh', 'GET /users/{userId}/refreshes/{refreshId}', 'GET /institutions', 'ANY /files/{proxy+}',
    ]);
    expect(new Set(api.routes.map((r) => r.functionName))).toEqual(new Set(['arn:aws:lambda:us-east-1:000000000000:function:ApiFnCCCC3333']));
    const schedules = resources.schedules();
    expect(schedules.map((s) => [s.name, s.expression, s.enabled, s.target.arn, s.target.input])).toEqual([
      ['DailySchedule1F2E', 'cron(0 6 * * ? *)', true, 'arn:aws:states:us-east-1:000000000000:stateMachine:fixture-flow', '{"trigger":"daily"}'],
      ['fixture-paused', 'rate(5 minutes)', false, 'arn:aws:states:us-east-1:000000000000:stateMachine:fixture-flow', undefined],
    ]);
  });
});
