/**
 * The Step Functions service state: state machines (one compiled StateMachine each, reused by every
 * execution), executions (bounded, in memory) and their histories, task tokens, and the API
 * operations that read and change them. The HTTP layer (server.ts) only decodes and encodes.
 */
import './polyfill';
import { randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import { compileDefinition, InvalidDefinition, ATTEMPT_CONTEXT_MARKER, type CompiledMachine, type DistributedMapSpec, type TaskSpec } from './definition';
import { SfnApiError, errorInfo, loadTimeoutErrorClass, stateError } from './errors';
import { ExecutionHistory, StateEventRecorder, json } from './history';
import { TokenRegistry, type TaskAttempt } from './tokens';
import * as svc from './integrations';
import { runDistributedMap, type ChildResult, type MapRunStatus } from './distributedMap';

type MachineType = 'STANDARD' | 'EXPRESS';
type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface EngineOptions {
  integrations: svc.TaskIntegrations;
  region: string;
  accountId: string;
  /** Executions kept in memory (oldest closed ones are dropped first). */
  maxExecutions: number;
}

interface Machine {
  arn: string;
  name: string;
  type: MachineType;
  definition: string;
  roleArn: string;
  creationDate: Date;
  updateDate?: Date;
  compiled: CompiledMachine;
  /** Child machine of a DISTRIBUTED Map (listed under `<parentArn>/<label>`, hidden from ListStateMachines). */
  synthetic: boolean;
}

interface Execution {
  seq: number;
  arn: string;
  name: string;
  machine: Machine;
  compiled: CompiledMachine;
  input: string;
  status: Status;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  mapRunArn?: string;
  history: ExecutionHistory;
  context: Record<string, unknown>;
  abortController: AbortController;
  stopRun: () => void;
  /** Children that end with this execution (.sync children, Distributed Map children). */
  children: Set<Execution>;
  done: Promise<void>;
}

/** Step Functions' payload quota (input, output, state data): 256 KiB. */
export const MAX_PAYLOAD_BYTES = 262_144;
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;
const MACHINE_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;

export class SfnEngine {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  private readonly mapRuns = new Map<string, MapRunStatus & { executionArn: string }>();
  private readonly syntheticFor = new WeakMap<DistributedMapSpec, Machine>();
  private readonly tokens = new TokenRegistry();
  private seq = 0;
  readonly ready: Promise<void>;

  constructor(private readonly opts: EngineOptions) {
    this.ready = loadTimeoutErrorClass();
  }

  // ---------------------------------------------------------------- state machines

  createStateMachine(p: { name?: unknown; definition?: unknown; type?: unknown; roleArn?: unknown }): Machine {
    const name = p.name;
    if (typeof name !== 'string' || !MACHINE_NAME.test(name)) throw new SfnApiError('InvalidName', `Invalid state machine name: ${String(name)}`);
    if (typeof p.definition !== 'string') throw new SfnApiError('InvalidDefinition', 'definition must be a string');
    const type = (p.type ?? 'STANDARD') as MachineType;
    if (type !== 'STANDARD' && type !== 'EXPRESS') throw new SfnApiError('ValidationException', `Invalid type ${String(type)}`);
    const arn = `arn:aws:states:${this.opts.region}:${this.opts.accountId}:stateMachine:${name}`;
    const roleArn = typeof p.roleArn === 'string' ? p.roleArn : `arn:aws:iam::${this.opts.accountId}:role/local-stepfunctions`;
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.definition === p.definition && existing.type === type && existing.roleArn === roleArn) return existing; // idempotent, as on AWS
      throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const machine: Machine = { arn, name, type, definition: p.definition, roleArn, creationDate: new Date(), compiled: this.compile(p.definition, type), synthetic: false };
    this.machines.set(arn, machine);
    this.registerMapChildren(machine);
    return machine;
  }

  private compile(definition: string, type: MachineType): CompiledMachine {
    const i = this.opts.integrations;
    try {
      return compileDefinition(definition, { type, has: { putEvents: !!i.putEvents, s3: !!i.s3, dynamodb: !!i.dynamodb } });
    } catch (e) {
      if (e instanceof InvalidDefinition) throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${e.message}`);
      throw e;
    }
  }

  /** Each DISTRIBUTED Map's processor runs as its own machine, `<parent>/<label>`, like AWS labels Map Runs. */
  private registerMapChildren(parent: Machine): void {
    for (const spec of parent.compiled.mapSpecs) {
      const child: Machine = {
        arn: `${parent.arn}/${spec.label}`,
        name: `${parent.name}/${spec.label}`,
        type: spec.executionType,
        definition: spec.processorDefinition,
        roleArn: parent.roleArn,
        creationDate: new Date(),
        compiled: spec.processor,
        synthetic: true,
      };
      this.machines.set(child.arn, child);
      this.syntheticFor.set(spec, child);
      this.registerMapChildren(child);
    }
  }

  private machine(arn: unknown): Machine {
    const m = typeof arn === 'string' ? this.machines.get(arn) : undefined;
    if (!m) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return m;
  }

  private execution(arn: unknown): Execution {
    const e = typeof arn === 'string' ? this.executions.get(arn) : undefined;
    if (!e) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return e;
  }

  // ---------------------------------------------------------------- executions

  private start(machine: Machine, name: unknown, input: unknown, link: { parent?: Execution; mapRunArn?: string } = {}): { exec: Execution; existing: boolean } {
    const inputText = input === undefined || input === null ? '{}' : input;
    if (typeof inputText !== 'string') throw new SfnApiError('InvalidExecutionInput', 'input must be a JSON string');
    let inputValue: unknown;
    try {
      inputValue = JSON.parse(inputText);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
    }
    if (Buffer.byteLength(inputText) > MAX_PAYLOAD_BYTES) throw new SfnApiError('InvalidExecutionInput', `Execution input exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    const execName = name === undefined || name === null ? randomUUID() : name;
    if (typeof execName !== 'string' || !NAME.test(execName)) throw new SfnApiError('InvalidName', `Invalid Name: '${String(execName)}'`);
    const { region, accountId } = this.opts;
    const arn =
      machine.type === 'STANDARD'
        ? `arn:aws:states:${region}:${accountId}:execution:${machine.name}:${execName}`
        : `arn:aws:states:${region}:${accountId}:express:${machine.name}:${execName}:${randomUUID()}`;
    const prior = this.executions.get(arn);
    if (prior) {
      // AWS: same name + same input while RUNNING returns the running execution; anything else is refused.
      if (prior.status === 'RUNNING' && prior.input === inputText) return { exec: prior, existing: true };
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }

    const startDate = new Date();
    const abortController = new AbortController();
    const exec: Execution = {
      seq: ++this.seq,
      arn,
      name: execName,
      machine,
      compiled: machine.compiled,
      input: inputText,
      status: 'RUNNING',
      startDate,
      mapRunArn: link.mapRunArn,
      history: new ExecutionHistory(() => this.fail(exec, 'States.Runtime', 'The execution reached the maximum number of history events (25000).')),
      context: {
        Execution: { Id: arn, Name: execName, RoleArn: machine.roleArn, StartTime: startDate.toISOString(), RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
        State: { Name: ATTEMPT_CONTEXT_MARKER.stateName, EnteredTime: ATTEMPT_CONTEXT_MARKER.enteredTime },
        Task: { Token: ATTEMPT_CONTEXT_MARKER.taskToken },
      },
      abortController,
      stopRun: () => undefined,
      children: new Set(),
      done: Promise.resolve(),
    };
    this.executions.set(arn, exec);
    this.evict();
    if (link.parent) link.parent.children.add(exec);
    exec.history.add('ExecutionStarted', { executionStartedEventDetails: { input: inputText, inputDetails: { truncated: false }, roleArn: machine.roleArn } });

    const handlers: Record<string, (input: unknown) => Promise<any>> = {};
    for (const [stateName, spec] of exec.compiled.tasks) handlers[stateName] = (taskInput) => this.runTask(exec, spec, taskInput);
    const run = exec.compiled.machine.run(inputValue as never, {
      overrides: { taskResourceLocalHandlers: handlers },
      noThrowOnAbort: true,
      context: exec.context as never,
    });
    exec.stopRun = run.abort;
    const recorder = new StateEventRecorder(exec.history, exec.compiled);
    const consumed = (async () => {
      for await (const ev of run.eventLogs) recorder.record(ev as never);
    })();
    exec.done = Promise.allSettled([run.result, consumed]).then(([r]) => this.finish(exec, r));
    return { exec, existing: false };
  }

  private finish(exec: Execution, r: PromiseSettledResult<unknown>): void {
    if (exec.status === 'RUNNING') {
      if (r.status === 'fulfilled') {
        const output = json(r.value);
        if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) this.close(exec, 'FAILED', 'States.DataLimitExceeded', `The execution output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
        else {
          exec.output = output;
          this.close(exec, 'SUCCEEDED');
        }
      } else if (r.reason instanceof ExecutionTimeoutError) {
        this.close(exec, 'TIMED_OUT', 'States.Timeout', 'The execution timed out (TimeoutSeconds)');
      } else {
        const inner = r.reason instanceof ExecutionError ? (r.reason as Error & { cause?: unknown }).cause : r.reason;
        const { error, cause } = errorInfo(inner);
        this.close(exec, 'FAILED', error, cause);
      }
    }
    const d = { error: exec.error, cause: exec.cause };
    const terminal: Record<Exclude<Status, 'RUNNING'>, [string, Record<string, unknown>]> = {
      SUCCEEDED: ['ExecutionSucceeded', { executionSucceededEventDetails: { output: exec.output, outputDetails: { truncated: false } } }],
      FAILED: ['ExecutionFailed', { executionFailedEventDetails: d }],
      TIMED_OUT: ['ExecutionTimedOut', { executionTimedOutEventDetails: d }],
      ABORTED: ['ExecutionAborted', { executionAbortedEventDetails: d }],
    };
    const [type, details] = terminal[exec.status as Exclude<Status, 'RUNNING'>];
    exec.history.add(type, details, true);
  }

  /** Marks an execution closed and ends everything it owns: task attempts, children, the library run. */
  private close(exec: Execution, status: Exclude<Status, 'RUNNING'>, error?: string, cause?: string): void {
    if (exec.status !== 'RUNNING') return;
    exec.status = status;
    exec.stopDate = new Date();
    exec.error = error;
    exec.cause = cause;
    if (status === 'SUCCEEDED') return;
    this.tokens.abortExecution(exec.arn, `Execution ${status}`);
    for (const child of exec.children) this.close(child, 'ABORTED', error, `Parent execution ${exec.arn} ${status}`);
    exec.abortController.abort();
    exec.stopRun();
  }

  private fail(exec: Execution, error: string, cause: string): void {
    this.close(exec, 'FAILED', error, cause);
  }

  private evict(): void {
    if (this.executions.size <= this.opts.maxExecutions) return;
    for (const [arn, e] of this.executions) {
      if (e.status === 'RUNNING') continue;
      this.executions.delete(arn);
      if (this.executions.size <= this.opts.maxExecutions) return;
    }
  }

  // ---------------------------------------------------------------- tasks

  private async runTask(exec: Execution, spec: TaskSpec, rawInput: unknown): Promise<unknown> {
    // Let the history consumer record this state's StateEntered before our Task events.
    await new Promise<void>((r) => setImmediate(r));
    if (exec.status !== 'RUNNING') throw stateError('States.Aborted', 'The execution is no longer running', { retryable: false, catchable: false });
    if (spec.task.kind === 'distributedMap') return this.runMap(exec, spec.task.map, rawInput);

    const t = spec.task;
    const callback = (t.kind === 'lambdaInvoke' && t.callback) || (t.kind === 'startExecution' && t.mode === 'callback');
    const attempt = this.tokens.create(exec.arn, callback, spec.heartbeatSeconds, spec.timeoutSeconds);
    const input = substitute(rawInput, [
      [ATTEMPT_CONTEXT_MARKER.taskToken, attempt.token],
      [ATTEMPT_CONTEXT_MARKER.stateName, spec.name],
      [ATTEMPT_CONTEXT_MARKER.enteredTime, new Date().toISOString()],
    ]);
    const ev = new TaskEvents(exec.history, spec, this.opts.region);
    ev.scheduled(input);
    ev.started();
    try {
      const raw = await Promise.race([attempt.outcome, this.perform(exec, spec, input, attempt, ev)]);
      // A task result crosses a JSON boundary on AWS: same here (drops undefined, Dates become strings).
      const text = json(raw);
      if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
        throw stateError('States.DataLimitExceeded', `The state/task returned a result exceeding ${MAX_PAYLOAD_BYTES} bytes`, { retryable: false, catchable: false });
      }
      const result = JSON.parse(text);
      if (exec.status === 'RUNNING') ev.succeeded(result);
      return result;
    } catch (e) {
      if (exec.status === 'RUNNING') {
        if (attempt.ended === 'timeout' || attempt.ended === 'heartbeat') ev.timedOut(e);
        else ev.failed(e);
      }
      throw e;
    } finally {
      this.tokens.release(attempt);
    }
  }

  private async perform(exec: Execution, spec: TaskSpec, input: unknown, attempt: TaskAttempt, ev: TaskEvents): Promise<unknown> {
    const i = this.opts.integrations;
    const t = spec.task;
    switch (t.kind) {
      case 'lambdaInvoke': {
        const r = await svc.lambdaInvoke(i, input);
        if (!t.callback) return r;
        ev.submitted(r);
        return attempt.outcome;
      }
      case 'lambdaArn':
        return svc.lambdaArnInvoke(i, spec.resource, input);
      case 'putEvents':
        return svc.putEvents(i, input);
      case 'dynamodb':
        return svc.dynamodb(i.dynamodb!, t.op, input);
      case 'startExecution':
        return this.startExecutionTask(exec, t.mode, input, attempt, ev);
      default:
        throw stateError('States.Runtime', `Unsupported task ${spec.resource}`);
    }
  }

  /** arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken] */
  private async startExecutionTask(parent: Execution, mode: 'async' | 'sync' | 'sync2' | 'callback', input: unknown, attempt: TaskAttempt, ev: TaskEvents): Promise<unknown> {
    const p = (input ?? {}) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
    const childInput = p.Input === undefined ? '{}' : typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input);
    let child: Execution;
    try {
      child = this.start(this.machine(p.StateMachineArn), p.Name, childInput, mode === 'sync' || mode === 'sync2' ? { parent } : {}).exec;
    } catch (e) {
      if (e instanceof SfnApiError) throw stateError(`StepFunctions.${e.type}Exception`, e.message);
      throw e;
    }
    const started = { ExecutionArn: child.arn, StartDate: child.startDate.getTime() };
    if (mode === 'async') return started;
    if (mode === 'callback') {
      ev.submitted(started);
      return attempt.outcome;
    }
    // A timed-out or aborted .sync task stops its child, as on AWS.
    attempt.outcome.catch(() => this.close(child, 'ABORTED', 'States.Aborted', `The parent task ended (${attempt.ended})`));
    await child.done;
    parent.children.delete(child);
    const d: Record<string, unknown> = {
      ExecutionArn: child.arn,
      Input: mode === 'sync2' ? JSON.parse(child.input) : child.input,
      InputDetails: { Included: true },
      Name: child.name,
      StartDate: child.startDate.getTime(),
      StateMachineArn: child.machine.arn,
      Status: child.status,
      StopDate: child.stopDate?.getTime(),
    };
    if (child.status === 'SUCCEEDED') return { ...d, Output: mode === 'sync2' ? JSON.parse(child.output ?? 'null') : child.output, OutputDetails: { Included: true } };
    throw stateError('States.TaskFailed', JSON.stringify({ ...d, Error: child.error, Cause: child.cause }));
  }

  private runMap(exec: Execution, spec: DistributedMapSpec, input: unknown): Promise<unknown> {
    const childMachine = this.syntheticFor.get(spec)!;
    return runDistributedMap(spec, input, {
      region: this.opts.region,
      accountId: this.opts.accountId,
      parentMachineName: exec.machine.name,
      s3: this.opts.integrations.s3,
      context: exec.context,
      signal: exec.abortController.signal,
      record: (type, details) => exec.history.add(type, details),
      mapRunStarted: (status) => {
        status.stateMachineArn = exec.machine.arn;
        // the live object: its counts change as the run progresses
        this.mapRuns.set(status.mapRunArn, Object.assign(status, { executionArn: exec.arn }));
        if (this.mapRuns.size > this.opts.maxExecutions) this.mapRuns.delete(this.mapRuns.keys().next().value as string);
      },
      startChild: (childInput, mapRunArn) => {
        const { exec: child } = this.start(childMachine, undefined, JSON.stringify(childInput), { parent: exec, mapRunArn });
        return {
          executionArn: child.arn,
          done: child.done.then(() => {
            exec.children.delete(child);
            return childResult(child);
          }),
          stop: (error, cause) => this.close(child, 'ABORTED', error, cause),
        };
      },
    });
  }

  // ---------------------------------------------------------------- API operations

  /** Runs one Step Functions API operation (the JSON body of an AWS JSON 1.0 request). */
  async call(op: string, b: Record<string, any>): Promise<unknown> {
    await this.ready;
    switch (op) {
      case 'CreateStateMachine': {
        const m = this.createStateMachine(b);
        return { stateMachineArn: m.arn, creationDate: m.creationDate };
      }
      case 'UpdateStateMachine': {
        const m = this.machine(b.stateMachineArn);
        if (m.synthetic) throw new SfnApiError('ValidationException', 'Distributed Map child machines cannot be updated');
        if (typeof b.definition === 'string') {
          m.compiled = this.compile(b.definition, m.type);
          m.definition = b.definition;
          this.registerMapChildren(m);
        }
        if (typeof b.roleArn === 'string') m.roleArn = b.roleArn;
        m.updateDate = new Date();
        return { updateDate: m.updateDate };
      }
      case 'DeleteStateMachine': {
        const m = this.machines.get(b.stateMachineArn);
        if (m && !m.synthetic) this.machines.delete(m.arn);
        return {};
      }
      case 'DescribeStateMachine': {
        const m = this.machine(b.stateMachineArn);
        return {
          stateMachineArn: m.arn,
          name: m.name,
          status: 'ACTIVE',
          definition: m.definition,
          roleArn: m.roleArn,
          type: m.type,
          creationDate: m.creationDate,
          loggingConfiguration: { level: 'OFF', includeExecutionData: false },
          tracingConfiguration: { enabled: false },
        };
      }
      case 'DescribeStateMachineForExecution': {
        const e = this.execution(b.executionArn);
        return { stateMachineArn: e.machine.arn, name: e.machine.name, definition: e.machine.definition, roleArn: e.machine.roleArn, updateDate: e.machine.updateDate ?? e.machine.creationDate, mapRunArn: e.mapRunArn };
      }
      case 'ListStateMachines': {
        const all = [...this.machines.values()].filter((m) => !m.synthetic);
        const { page, nextToken } = paginate(all, b.maxResults, b.nextToken);
        return { stateMachines: page.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: m.creationDate })), nextToken };
      }
      case 'StartExecution': {
        const { exec } = this.start(this.machine(b.stateMachineArn), b.name, b.input);
        return { executionArn: exec.arn, startDate: exec.startDate };
      }
      case 'StartSyncExecution': {
        const m = this.machine(b.stateMachineArn);
        if (m.type !== 'EXPRESS') throw new SfnApiError('StateMachineTypeNotSupported', 'This operation is only supported for EXPRESS state machines');
        const { exec } = this.start(m, b.name, b.input);
        await exec.done;
        return {
          executionArn: exec.arn,
          stateMachineArn: m.arn,
          name: exec.name,
          startDate: exec.startDate,
          stopDate: exec.stopDate,
          status: exec.status,
          error: exec.error,
          cause: exec.cause,
          input: exec.input,
          inputDetails: { included: true },
          output: exec.output,
          outputDetails: exec.output === undefined ? undefined : { included: true },
          billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil((exec.stopDate!.getTime() - exec.startDate.getTime()) / 100) * 100) },
        };
      }
      case 'DescribeExecution': {
        const e = this.execution(b.executionArn);
        return {
          executionArn: e.arn,
          stateMachineArn: e.machine.arn,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
          stopDate: e.stopDate,
          input: e.input,
          inputDetails: { included: true },
          output: e.output,
          outputDetails: e.output === undefined ? undefined : { included: true },
          error: e.error,
          cause: e.cause,
          mapRunArn: e.mapRunArn,
          redriveCount: 0,
          redriveStatus: 'NOT_REDRIVABLE',
        };
      }
      case 'ListExecutions': {
        if (!b.stateMachineArn && !b.mapRunArn) throw new SfnApiError('ValidationException', 'stateMachineArn or mapRunArn is required');
        if (b.stateMachineArn) this.machine(b.stateMachineArn);
        const after = b.nextToken === undefined || b.nextToken === null ? Infinity : Number(b.nextToken);
        if (Number.isNaN(after)) throw new SfnApiError('InvalidToken', 'Invalid nextToken');
        const max = clampMax(b.maxResults);
        const page: Execution[] = [];
        let more = false;
        for (const e of [...this.executions.values()].reverse()) {
          if (e.seq >= after) continue;
          if (b.stateMachineArn && e.machine.arn !== b.stateMachineArn) continue;
          if (b.mapRunArn && e.mapRunArn !== b.mapRunArn) continue;
          if (b.statusFilter && e.status !== b.statusFilter) continue;
          if (page.length === max) {
            more = true;
            break;
          }
          page.push(e);
        }
        return {
          executions: page.map((e) => ({ executionArn: e.arn, stateMachineArn: e.machine.arn, name: e.name, status: e.status, startDate: e.startDate, stopDate: e.stopDate, mapRunArn: e.mapRunArn })),
          nextToken: more ? String(page[page.length - 1].seq) : undefined,
        };
      }
      case 'GetExecutionHistory': {
        const e = this.execution(b.executionArn);
        const events = b.reverseOrder ? [...e.history.events].reverse() : e.history.events;
        const { page, nextToken } = paginate(events, b.maxResults, b.nextToken);
        return { events: page, nextToken };
      }
      case 'StopExecution': {
        const e = this.execution(b.executionArn);
        this.close(e, 'ABORTED', typeof b.error === 'string' ? b.error : undefined, typeof b.cause === 'string' ? b.cause : undefined);
        await Promise.race([e.done, new Promise((r) => setTimeout(r, 2000).unref())]);
        return { stopDate: e.stopDate };
      }
      case 'SendTaskSuccess': {
        const a = this.tokens.lookup(b.taskToken, true);
        let output: unknown;
        try {
          output = JSON.parse(b.output);
        } catch {
          throw new SfnApiError('InvalidOutput', 'Invalid Output: not valid JSON');
        }
        a.succeed(output);
        return {};
      }
      case 'SendTaskFailure': {
        const a = this.tokens.lookup(b.taskToken, true);
        a.fail(typeof b.error === 'string' ? b.error : 'States.TaskFailed', typeof b.cause === 'string' ? b.cause : '');
        return {};
      }
      case 'SendTaskHeartbeat': {
        this.tokens.lookup(b.taskToken, false).heartbeat();
        return {};
      }
      case 'DescribeMapRun': {
        const r = this.mapRuns.get(b.mapRunArn);
        if (!r) throw new SfnApiError('ResourceNotFound', `Map Run Does Not Exist: '${String(b.mapRunArn)}'`);
        const counts = { ...r.itemCounts, resultsWritten: 0, failuresNotRedrivable: 0, pendingRedrive: 0 };
        return {
          mapRunArn: r.mapRunArn,
          executionArn: r.executionArn,
          status: r.status,
          startDate: r.startDate,
          stopDate: r.stopDate,
          maxConcurrency: r.maxConcurrency,
          toleratedFailurePercentage: r.toleratedFailurePercentage,
          toleratedFailureCount: r.toleratedFailureCount,
          itemCounts: counts,
          executionCounts: counts,
          redriveCount: 0,
        };
      }
      case 'ListMapRuns': {
        this.execution(b.executionArn);
        const runs = [...this.mapRuns.values()].filter((r) => r.executionArn === b.executionArn);
        const { page, nextToken } = paginate(runs, b.maxResults, b.nextToken);
        return { mapRuns: page.map((r) => ({ executionArn: r.executionArn, mapRunArn: r.mapRunArn, stateMachineArn: r.stateMachineArn, startDate: r.startDate, stopDate: r.stopDate })), nextToken };
      }
      default:
        throw new SfnApiError('UnknownOperationException', `Operation ${op} is not supported by the local Step Functions service`);
    }
  }

  /** Stops every running execution (their tasks, timers and children) and waits briefly for them to settle. */
  async shutdown(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const e of running) this.close(e, 'ABORTED', 'States.Aborted', 'The local Step Functions service was closed');
    await Promise.race([Promise.allSettled(running.map((e) => e.done)), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}

function childResult(e: Execution): ChildResult {
  return { executionArn: e.arn, name: e.name, stateMachineArn: e.machine.arn, status: e.status, input: e.input, output: e.output, error: e.error, cause: e.cause, startDate: e.startDate, stopDate: e.stopDate };
}

function clampMax(v: unknown): number {
  const n = typeof v === 'number' && v > 0 ? v : 100;
  return Math.min(n, 1000);
}

/** Offset-token pagination over a list that only grows at the end. */
function paginate<T>(all: T[], maxResults: unknown, token: unknown): { page: T[]; nextToken?: string } {
  const start = token === undefined || token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  const max = clampMax(maxResults);
  const page = all.slice(start, start + max);
  return { page, nextToken: start + max < all.length ? String(start + max) : undefined };
}

/** Replaces per-attempt context markers ($$.Task.Token, $$.State.*) inside a Task's input. */
function substitute(v: unknown, pairs: [string, string][]): unknown {
  if (typeof v === 'string') {
    if (!v.includes('__lfsfn:')) return v;
    let s = v;
    for (const [from, to] of pairs) s = s.split(from).join(to);
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, pairs));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, pairs)]));
  return v;
}

/** History events of one Task attempt: Task* for service integrations, LambdaFunction* for Lambda ARNs. */
class TaskEvents {
  private readonly legacy: boolean;
  private readonly resourceType: string;
  private readonly resource: string;

  constructor(
    private readonly h: ExecutionHistory,
    private readonly spec: TaskSpec,
    private readonly region: string,
  ) {
    this.legacy = spec.task.kind === 'lambdaArn';
    const m = /^arn:aws:states:::([^:]+):(.+)$/.exec(spec.resource);
    this.resourceType = m?.[1] ?? 'lambda';
    this.resource = m?.[2] ?? spec.resource;
  }

  private get ids() {
    return { resourceType: this.resourceType, resource: this.resource };
  }

  scheduled(input: unknown): void {
    const timeoutInSeconds = this.spec.timeoutSeconds;
    if (this.legacy) this.h.add('LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource: this.spec.resource, input: json(input), inputDetails: { truncated: false }, timeoutInSeconds } });
    else this.h.add('TaskScheduled', { taskScheduledEventDetails: { ...this.ids, region: this.region, parameters: json(input), timeoutInSeconds, heartbeatInSeconds: this.spec.heartbeatSeconds } });
  }

  started(): void {
    if (this.legacy) this.h.add('LambdaFunctionStarted');
    else this.h.add('TaskStarted', { taskStartedEventDetails: this.ids });
  }

  submitted(output: unknown): void {
    this.h.add('TaskSubmitted', { taskSubmittedEventDetails: { ...this.ids, output: json(output), outputDetails: { truncated: false } } });
  }

  succeeded(output: unknown): void {
    if (this.legacy) this.h.add('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: { truncated: false } } });
    else this.h.add('TaskSucceeded', { taskSucceededEventDetails: { ...this.ids, output: json(output), outputDetails: { truncated: false } } });
  }

  failed(e: unknown): void {
    const { error, cause } = errorInfo(e);
    if (this.legacy) this.h.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } });
    else this.h.add('TaskFailed', { taskFailedEventDetails: { ...this.ids, error, cause } });
  }

  timedOut(e: unknown): void {
    const { error, cause } = errorInfo(e);
    if (this.legacy) this.h.add('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error, cause } });
    else this.h.add('TaskTimedOut', { taskTimedOutEventDetails: { ...this.ids, error, cause } });
  }
}
