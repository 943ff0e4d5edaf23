/**
 * The local Step Functions service through the unmodified @aws-sdk/client-sfn over HTTP:
 * retries and catches (counted from GetExecutionHistory), inline Map concurrency, nested
 * executions (.sync:2), task tokens and heartbeats, StopExecution, listing, idempotent starts,
 * and definitions refused at load time.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SendTaskFailureCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { count, fnArn, executionHistory, lambdaHost, namedError, sfnClient, sleep, until, waitForEnd, type TestFn } from './helpers';

const fns: Record<string, TestFn> = {};
const events: unknown[][] = [];
let sfn: LocalStepFunctions;
let client: SFNClient;

beforeAll(async () => {
  sfn = new LocalStepFunctions({
    integrations: {
      invokeLambda: lambdaHost(fns),
      putEvents: async (entries) => {
        events.push(entries);
        return { Entries: entries.map((_, i) => ({ EventId: `evt-${events.length}-${i}` })), FailedEntryCount: 0 };
      },
    },
  });
  client = sfnClient(await sfn.listen(0));
});

afterAll(async () => {
  client?.destroy();
  await sfn?.close();
});

async function create(name: string, definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): Promise<string> {
  const r = await client.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), type, roleArn: 'arn:aws:iam::123456789012:role/test' }));
  return r.stateMachineArn!;
}

async function run(stateMachineArn: string, input: unknown, name?: string) {
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }));
  const d = await waitForEnd(client, executionArn!);
  return { ...d, executionArn: executionArn!, out: d.output === undefined ? undefined : JSON.parse(d.output) };
}

const invoke = (fn: string, extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: fnArn(fn), 'Payload.$': '$' },
  ...extra,
});

test('Retry with backoff and FULL jitter: two TransientErrors then success, each attempt visible in history', async () => {
  let calls = 0;
  fns.flaky = (p: { n: number }) => {
    calls++;
    if (calls <= 2) throw namedError('TransientError', `bank down (attempt ${calls})`);
    return { value: p.n * 2, attempts: calls };
  };
  const arn = await create('retry', {
    StartAt: 'Call',
    States: {
      Call: invoke('flaky', {
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 1, MaxAttempts: 3, JitterStrategy: 'FULL' }],
        ResultSelector: { 'value.$': '$.Payload.value', 'attempts.$': '$.Payload.attempts', 'status.$': '$.StatusCode' },
        End: true,
      }),
    },
  });
  const r = await run(arn, { n: 21 });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.out).toEqual({ value: 42, attempts: 3, status: 200 });
  const h = await executionHistory(client, r.executionArn);
  expect(count(h, 'TaskScheduled')).toBe(3);
  expect(count(h, 'TaskStarted')).toBe(3);
  const failed = h.filter((e) => e.type === 'TaskFailed');
  expect(failed.map((e) => e.taskFailedEventDetails?.error)).toEqual(['TransientError', 'TransientError']);
  expect(JSON.parse(failed[1].taskFailedEventDetails!.cause!).errorMessage).toBe('bank down (attempt 2)');
  expect(count(h, 'TaskSucceeded')).toBe(1);
  expect(h[0].type).toBe('ExecutionStarted');
  expect(h[1]).toMatchObject({ type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Call', input: '{"n":21}' } });
  expect(h[h.length - 2].type).toBe('TaskStateExited');
  expect(h[h.length - 1]).toMatchObject({ type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: r.output } });
  expect(h.map((e) => e.id)).toEqual(h.map((_, i) => i + 1));
  expect(h[2].taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', parameters: JSON.stringify({ FunctionName: fnArn('flaky'), Payload: { n: 21 } }) });
});

test('Catch routes a non-retried error with Error/Cause; the unretried Lambda ran once; Fail state fails the execution', async () => {
  let calls = 0;
  fns.locked = () => {
    calls++;
    throw namedError('NeedsUserError', 'account locked');
  };
  const arn = await create('catcher', {
    StartAt: 'Call',
    States: {
      Call: invoke('locked', {
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 0, MaxAttempts: 3 }],
        Catch: [{ ErrorEquals: ['NeedsUserError'], ResultPath: '$.error', Next: 'Handled' }],
        Next: 'Done',
      }),
      Handled: { Type: 'Choice', Choices: [{ Variable: '$.failHard', BooleanEquals: true, Next: 'Boom' }], Default: 'Done' },
      Boom: { Type: 'Fail', ErrorPath: '$.error.Error', Cause: 'user must act' },
      Done: { Type: 'Succeed' },
    },
  });
  const ok = await run(arn, { failHard: false });
  expect(calls).toBe(1);
  expect(ok.status).toBe('SUCCEEDED');
  expect(ok.out.error.Error).toBe('NeedsUserError');
  expect(JSON.parse(ok.out.error.Cause)).toMatchObject({ errorType: 'NeedsUserError', errorMessage: 'account locked' });
  const bad = await run(arn, { failHard: true });
  expect(bad.status).toBe('FAILED');
  expect(bad.error).toBe('NeedsUserError');
  expect(bad.cause).toBe('user must act');
  const h = await executionHistory(client, bad.executionArn);
  expect(h.map((e) => e.type)).toEqual(
    expect.arrayContaining(['TaskFailed', 'TaskStateExited', 'ChoiceStateEntered', 'ChoiceStateExited', 'FailStateEntered', 'ExecutionFailed']),
  );
  expect(h[h.length - 1].executionFailedEventDetails).toEqual({ error: 'NeedsUserError', cause: 'user must act' });
});

test('inline Map honours MaxConcurrency; Tasks inside Map iterations and after the Map run their own functions', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  fns.square = async (p: { x: number }) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(40);
    inFlight--;
    return p.x * p.x;
  };
  fns.total = (p: { squares: number[] }) => p.squares.reduce((a, b) => a + b, 0);
  const arn = await create('inline-map', {
    StartAt: 'Squares',
    States: {
      Squares: {
        Type: 'Map',
        ItemsPath: '$.xs',
        MaxConcurrency: 2,
        ItemSelector: { 'x.$': '$$.Map.Item.Value' },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Square', States: { Square: { ...invoke('square'), OutputPath: '$.Payload', End: true } } },
        ResultPath: '$.squares',
        Next: 'Total',
      },
      Total: { ...invoke('total'), OutputPath: '$.Payload', End: true },
    },
  });
  const xs = [1, 2, 3, 4, 5, 6];
  const r = await run(arn, { xs });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.out).toBe(xs.reduce((a, x) => a + x * x, 0));
  expect(maxInFlight).toBe(2);
  const h = await executionHistory(client, r.executionArn);
  expect(count(h, 'MapIterationStarted')).toBe(xs.length);
  expect(count(h, 'MapIterationSucceeded')).toBe(xs.length);
  expect(count(h, 'TaskSucceeded')).toBe(xs.length + 1);
  expect(count(h, 'MapStateEntered')).toBe(1);
  expect(count(h, 'MapStateExited')).toBe(1);
  const entered = h.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name);
  expect(entered).toEqual([...xs.map(() => 'Square'), 'Total']);
  expect(h.find((e) => e.type === 'MapIterationStarted')?.mapIterationStartedEventDetails).toEqual({ name: 'Squares', index: 0 });
});

test('startExecution.sync:2 runs a child machine and returns its parsed Output; putEvents publishes', async () => {
  const child = await create(
    'child',
    { StartAt: 'Double', States: { Double: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)', 'parent.$': '$.parent' }, End: true } } },
    'EXPRESS',
  );
  const parent = await create('parent', {
    StartAt: 'RunChild',
    States: {
      RunChild: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: child, Input: { 'n.$': '$.n', 'parent.$': '$$.Execution.Id' } },
        OutputPath: '$.Output',
        Next: 'Publish',
      },
      Publish: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: { Entries: [{ Source: 'test', DetailType: 'Doubled', 'Detail.$': '$' }] },
        ResultPath: '$.published',
        End: true,
      },
    },
  });
  const before = events.length;
  const r = await run(parent, { n: 7 });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.out.doubled).toBe(14);
  expect(r.out.parent).toBe(r.executionArn);
  expect(r.out.published.FailedEntryCount).toBe(0);
  expect(events.length).toBe(before + 1);
  expect(events[before]).toEqual([{ Source: 'test', DetailType: 'Doubled', Detail: { doubled: 14, parent: r.executionArn } }]);
  const children = await client.send(new ListExecutionsCommand({ stateMachineArn: child }));
  expect(children.executions?.map((e) => e.status)).toEqual(['SUCCEEDED']);
});

test('waitForTaskToken: the task waits for SendTaskSuccess; used and unknown tokens are refused', async () => {
  const tokens: string[] = [];
  fns.askUser = (p: { token: string; entered: string; state: string }) => {
    tokens.push(p.token);
    expect(p.state).toBe('Approve');
    expect(Number.isNaN(Date.parse(p.entered))).toBe(false);
    return { queued: true };
  };
  const arn = await create('callback', {
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: fnArn('askUser'), Payload: { 'token.$': '$$.Task.Token', 'entered.$': '$$.State.EnteredTime', 'state.$': '$$.State.Name' } },
        TimeoutSeconds: 30,
        End: true,
      },
    },
  });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
  const token = await until(() => tokens[0]);
  await sleep(50);
  expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
  await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
  const d = await waitForEnd(client, executionArn!);
  expect(d.status).toBe('SUCCEEDED');
  expect(JSON.parse(d.output!)).toEqual({ approved: true });
  const h = await executionHistory(client, executionArn!);
  expect(h.map((e) => e.type)).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']));
  await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
});

test('SendTaskFailure fails the task with the given error, which Catch matches', async () => {
  const tokens: string[] = [];
  fns.askUser2 = (p: { token: string }) => void tokens.push(p.token);
  const arn = await create('callback-fail', {
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: fnArn('askUser2'), Payload: { 'token.$': '$$.Task.Token' } },
        Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.rejection', Next: 'No' }],
        End: true,
      },
      No: { Type: 'Pass', End: true },
    },
  });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
  await client.send(new SendTaskFailureCommand({ taskToken: await until(() => tokens[0]), error: 'Rejected', cause: 'user said no' }));
  const d = await waitForEnd(client, executionArn!);
  expect(d.status).toBe('SUCCEEDED');
  expect(JSON.parse(d.output!)).toEqual({ rejection: { Error: 'Rejected', Cause: 'user said no' } });
});

test('HeartbeatSeconds: a silent callback task times out with States.HeartbeatTimeout (States.TaskFailed does not match it)', async () => {
  fns.silent = () => ({ ok: true });
  const arn = await create('heartbeat-timeout', {
    StartAt: 'Wait4',
    States: {
      Wait4: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: fnArn('silent'), Payload: { 'token.$': '$$.Task.Token' } },
        HeartbeatSeconds: 1,
        TimeoutSeconds: 20,
        Catch: [
          { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.err', Next: 'Wrong' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.err', Next: 'TimedOut' },
        ],
        End: true,
      },
      Wrong: { Type: 'Fail', Error: 'WrongCatcher' },
      TimedOut: { Type: 'Pass', End: true },
    },
  });
  const t0 = Date.now();
  const r = await run(arn, {});
  const elapsed = Date.now() - t0;
  expect(r.status).toBe('SUCCEEDED');
  expect(r.out.err.Error).toBe('States.HeartbeatTimeout');
  expect(elapsed).toBeGreaterThanOrEqual(900);
  expect(elapsed).toBeLessThan(5000);
  const h = await executionHistory(client, r.executionArn);
  expect(h.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe('States.HeartbeatTimeout');
});

test('HeartbeatSeconds: a Lambda that runs past HeartbeatSeconds but sends SendTaskHeartbeat through the API succeeds', async () => {
  fns.longJob = async (p: { token: string }) => {
    for (let i = 0; i < 5; i++) {
      await sleep(400);
      await client.send(new SendTaskHeartbeatCommand({ taskToken: p.token }));
    }
    return { done: true };
  };
  fns.longJobNoBeat = async () => {
    await sleep(2000);
    return { done: true };
  };
  const def = (fn: string) => ({
    StartAt: 'Job',
    States: { Job: { ...invoke(fn), Parameters: { FunctionName: fnArn(fn), Payload: { 'token.$': '$$.Task.Token' } }, HeartbeatSeconds: 1, TimeoutSeconds: 10, OutputPath: '$.Payload', End: true } },
  });
  const [beating, quiet] = await Promise.all([run(await create('heartbeat-ok', def('longJob')), {}), run(await create('heartbeat-missing', def('longJobNoBeat')), {})]);
  expect(beating.status).toBe('SUCCEEDED');
  expect(beating.out).toEqual({ done: true });
  expect(quiet.status).toBe('FAILED');
  expect(quiet.error).toBe('States.HeartbeatTimeout');
});

test('TimeoutSeconds on a Task fails it with States.Timeout', async () => {
  fns.slow = async () => {
    await sleep(3000);
    return 1;
  };
  const r = await run(await create('task-timeout', { StartAt: 'Slow', States: { Slow: { ...invoke('slow'), TimeoutSeconds: 1, End: true } } }), {});
  expect(r.status).toBe('FAILED');
  expect(r.error).toBe('States.Timeout');
});

test('StopExecution aborts a waiting execution, records ExecutionAborted and invalidates its task token', async () => {
  const tokens: string[] = [];
  fns.park = (p: { token: string }) => void tokens.push(p.token);
  const arn = await create('stoppable', {
    StartAt: 'Park',
    States: {
      Park: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: fnArn('park'), Payload: { 'token.$': '$$.Task.Token' } }, Next: 'Never' },
      Never: { Type: 'Pass', End: true },
    },
  });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"a":1}' }));
  const token = await until(() => tokens[0]);
  const stopped = await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'test stop' }));
  expect(stopped.stopDate).toBeInstanceOf(Date);
  const d = await client.send(new DescribeExecutionCommand({ executionArn }));
  expect(d).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'test stop' });
  const h = await executionHistory(client, executionArn!);
  expect(h[h.length - 1]).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Operator', cause: 'test stop' } });
  expect(count(h, 'PassStateEntered')).toBe(0);
  await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
});

test('ListStateMachines, ListExecutions (newest first, statusFilter, pagination), DescribeExecution, history paging', async () => {
  const arn = await create('lister', {
    StartAt: 'Check',
    States: {
      Check: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: false, Next: 'Bad' }], Default: 'Good' },
      Bad: { Type: 'Fail', Error: 'NotOk', Cause: 'input said so' },
      Good: { Type: 'Pass', Result: { fine: true }, End: true },
    },
  });
  for (const [name, ok] of [['e1', true], ['e2', false], ['e3', true]] as const) await run(arn, { ok }, name);
  const machines = await client.send(new ListStateMachinesCommand({ maxResults: 1000 }));
  expect(machines.stateMachines?.map((m) => m.name)).toEqual(expect.arrayContaining(['lister', 'retry', 'child']));
  expect(machines.stateMachines?.find((m) => m.name === 'child')?.type).toBe('EXPRESS');

  const page1 = await client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
  expect(page1.executions?.map((e) => e.name)).toEqual(['e3', 'e2']);
  const page2 = await client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken: page1.nextToken }));
  expect(page2.executions?.map((e) => e.name)).toEqual(['e1']);
  expect(page2.nextToken).toBeUndefined();
  const failed = await client.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'FAILED' }));
  expect(failed.executions?.map((e) => e.name)).toEqual(['e2']);

  const d = await client.send(new DescribeExecutionCommand({ executionArn: page1.executions![0].executionArn }));
  expect(d).toMatchObject({ name: 'e3', status: 'SUCCEEDED', stateMachineArn: arn, input: '{"ok":true}', output: '{"fine":true}' });
  expect(d.startDate!.getTime()).toBeLessThanOrEqual(d.stopDate!.getTime());

  const all = await executionHistory(client, d.executionArn!);
  const reversed = [];
  let nextToken: string | undefined;
  do {
    const p = await client.send(new GetExecutionHistoryCommand({ executionArn: d.executionArn, reverseOrder: true, maxResults: 2, nextToken }));
    reversed.push(...p.events!);
    nextToken = p.nextToken;
  } while (nextToken);
  expect(reversed.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
  await expect(client.send(new DescribeExecutionCommand({ executionArn: `${d.executionArn}-nope` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
});

test('StartExecution is idempotent by name for a running STANDARD execution, refused otherwise', async () => {
  const tokens: string[] = [];
  fns.hold = (p: { token: string }) => void tokens.push(p.token);
  const arn = await create('idempotent', {
    StartAt: 'Hold',
    States: { Hold: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: fnArn('hold'), Payload: { 'token.$': '$$.Task.Token' } }, End: true } },
  });
  const first = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'user-42-2024-05-01', input: '{"user":"42"}' }));
  const again = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'user-42-2024-05-01', input: '{"user":"42"}' }));
  expect(again.executionArn).toBe(first.executionArn);
  expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
  await expect(client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'user-42-2024-05-01', input: '{"user":"43"}' }))).rejects.toMatchObject({
    name: 'ExecutionAlreadyExists',
  });
  await client.send(new SendTaskSuccessCommand({ taskToken: await until(() => tokens[0]), output: '{}' }));
  await waitForEnd(client, first.executionArn!);
  expect(tokens).toHaveLength(1);
  await expect(client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'user-42-2024-05-01', input: '{"user":"42"}' }))).rejects.toMatchObject({
    name: 'ExecutionAlreadyExists',
  });
  const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arn }));
  expect(listed.executions).toHaveLength(1);
});

test('StartSyncExecution on EXPRESS returns status/output or error/cause; refused on STANDARD', async () => {
  fns.maybe = (p: { fail: boolean }) => {
    if (p.fail) throw namedError('StatementParseError', 'bad OFX');
    return { parsed: 3 };
  };
  const arn = await create('sync-express', { StartAt: 'Call', States: { Call: { ...invoke('maybe'), OutputPath: '$.Payload', End: true } } }, 'EXPRESS');
  const ok = await client.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"fail":false}' }));
  expect(ok).toMatchObject({ status: 'SUCCEEDED', output: '{"parsed":3}', stateMachineArn: arn });
  expect(ok.executionArn).toMatch(/:express:sync-express:/);
  const bad = await client.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"fail":true}' }));
  expect(bad.status).toBe('FAILED');
  expect(bad.error).toBe('StatementParseError');
  expect(JSON.parse(bad.cause!).errorMessage).toBe('bad OFX');
  const standard = await create('sync-standard', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  await expect(client.send(new StartSyncExecutionCommand({ stateMachineArn: standard, input: '{}' }))).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
});

test('definitions the local engine cannot honour are refused with InvalidDefinition', async () => {
  const refused = async (name: string, definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') => {
    const e = await create(name, definition, type).then(
      () => undefined,
      (err) => err,
    );
    expect(e?.name).toBe('InvalidDefinition');
    return e.message as string;
  };
  expect(await refused('jsonata', { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input %}', End: true } } })).toMatch(/JSONata/);
  expect(await refused('assign', { StartAt: 'P', States: { P: { Type: 'Pass', Assign: { x: 1 }, End: true } } })).toMatch(/Assign/);
  expect(await refused('sqs', { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'q', MessageBody: 'm' }, End: true } } })).toMatch(
    /sqs:sendMessage/,
  );
  expect(
    await refused(
      'express-token',
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f', Payload: { 't.$': '$$.Task.Token' } }, End: true } } },
      'EXPRESS',
    ),
  ).toMatch(/EXPRESS/);
  expect(await refused('dangling', { StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Nowhere' } } })).toMatch(/Nowhere/);
  expect(
    await refused('no-s3', {
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', Key: 'k' } }, ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } },
    }),
  ).toMatch(/s3 integration/);
  const names = (await client.send(new ListStateMachinesCommand({}))).stateMachines!.map((m) => m.name);
  expect(names).not.toContain('jsonata');
});

test('Parallel branches run their Tasks; a Lambda ARN resource records LambdaFunction* events', async () => {
  fns.inc = (p: { v: number }) => ({ v: p.v + 1 });
  fns.neg = (p: { v: number }) => ({ v: -p.v });
  const arn = await create('parallel', {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Inc', States: { Inc: { ...invoke('inc'), OutputPath: '$.Payload', End: true } } },
          { StartAt: 'Neg', States: { Neg: { Type: 'Task', Resource: fnArn('neg'), End: true } } },
        ],
        End: true,
      },
    },
  });
  const r = await run(arn, { v: 5 });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.out).toEqual([{ v: 6 }, { v: -5 }]);
  const h = await executionHistory(client, r.executionArn);
  expect(count(h, 'ParallelStateEntered')).toBe(1);
  expect(count(h, 'ParallelStateSucceeded')).toBe(1);
  expect(count(h, 'TaskSucceeded')).toBe(1);
  expect(h.find((e) => e.type === 'LambdaFunctionScheduled')?.lambdaFunctionScheduledEventDetails).toMatchObject({ resource: fnArn('neg'), input: '{"v":5}' });
  expect(h.find((e) => e.type === 'LambdaFunctionSucceeded')?.lambdaFunctionSucceededEventDetails?.output).toBe('{"v":-5}');
});

test('execution TimeoutSeconds ends the execution as TIMED_OUT', async () => {
  const arn = await create('exec-timeout', { TimeoutSeconds: 1, StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 30, End: true } } });
  const r = await run(arn, {});
  expect(r.status).toBe('TIMED_OUT');
  const h = await executionHistory(client, r.executionArn);
  expect(h.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
  expect(h[2].executionTimedOutEventDetails?.error).toBe('States.Timeout');
});
