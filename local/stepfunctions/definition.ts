/**
 * Load time: validate an ASL definition, refuse what the local engine cannot honour, and rewrite it
 * into something aws-local-stepfunctions runs faithfully:
 *  - every Task state is registered by name: the library keys local Task handlers by state name and
 *    inline Map / Parallel children share the root's handler table. Names are unique across a whole
 *    definition (asl-validator refuses duplicates, as AWS does); a DISTRIBUTED Map's processor is
 *    compiled as a machine of its own with its own table;
 *  - the library's 60 s default Task timeout becomes "no timeout" (AWS's default); TimeoutSeconds and
 *    HeartbeatSeconds are enforced by our handlers;
 *  - `States.Timeout` in Retry/Catch also matches `States.HeartbeatTimeout` (as on AWS);
 *  - each DISTRIBUTED Map becomes a Task that our handler runs (ItemReader, ItemBatcher, child
 *    executions, tolerated failures, ResultWriter); its ItemProcessor is compiled on its own.
 */
import './polyfill';
import { StateMachine } from 'aws-local-stepfunctions';

/** Context values that only exist per Task attempt: our handlers substitute them in the Task's input. */
export const ATTEMPT_CONTEXT_MARKER = {
  taskToken: '__lfsfn:Task.Token__',
  stateName: '__lfsfn:State.Name__',
  enteredTime: '__lfsfn:State.EnteredTime__',
} as const;

/** Largest delay setTimeout accepts (2^31-1 ms), used as "no timeout". */
export const NO_TIMEOUT_SECONDS = 2_147_483;

export type TaskKind =
  | { kind: 'lambdaInvoke'; callback: boolean }
  | { kind: 'lambdaArn' }
  | { kind: 'putEvents' }
  | { kind: 'startExecution'; mode: 'async' | 'sync' | 'sync2' | 'callback' }
  | { kind: 'dynamodb'; op: 'putItem' | 'getItem' | 'updateItem' | 'deleteItem' }
  | { kind: 'distributedMap'; map: DistributedMapSpec };

export interface TaskSpec {
  name: string;
  resource: string;
  task: TaskKind;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

export interface DistributedMapSpec {
  stateName: string;
  label: string;
  itemReader?: {
    resource: 'getObject' | 'listObjectsV2';
    parameters: unknown;
    inputType?: 'JSON' | 'JSONL' | 'CSV';
    csvHeaderLocation?: 'FIRST_ROW' | 'GIVEN';
    csvHeaders?: string[];
    maxItems?: number;
    maxItemsPath?: string;
  };
  itemsPath?: string;
  itemSelector?: unknown;
  itemBatcher?: { maxItemsPerBatch?: number; maxInputBytesPerBatch?: number; batchInput?: unknown };
  resultWriter?: { parameters: unknown; transformation: 'NONE' | 'COMPACT' | 'FLATTEN'; outputType: 'JSON' | 'JSONL' };
  maxConcurrency?: number;
  maxConcurrencyPath?: string;
  toleratedFailurePercentage?: number;
  toleratedFailurePercentagePath?: string;
  toleratedFailureCount?: number;
  toleratedFailureCountPath?: string;
  executionType: 'STANDARD' | 'EXPRESS';
  processor: CompiledMachine;
  processorDefinition: string;
}

export interface CompiledMachine {
  machine: StateMachine;
  /** Task state name -> what to run. */
  tasks: Map<string, TaskSpec>;
  /** Names of the Task states that stand for a DISTRIBUTED Map. */
  distributedMaps: Set<string>;
  /** DISTRIBUTED Map specs reachable from this machine (not nested ones' children). */
  mapSpecs: DistributedMapSpec[];
}

export interface CompileOptions {
  type: 'STANDARD' | 'EXPRESS';
  /** Which optional integrations the host provides. */
  has: { putEvents: boolean; s3: boolean; dynamodb: boolean };
}

export class InvalidDefinition extends Error {}

type Json = any; // ASL is free-form JSON; shapes are checked by hand below.
type Scope = { StartAt: string; States: Record<string, Json> };

const OPTIMIZED = /^arn:aws:states:::([a-z0-9-]+):([A-Za-z0-9.:]+)$/;
const LAMBDA_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const JSONATA_FIELDS = ['Assign', 'Output', 'Arguments', 'Items', 'Condition'];

export function compileDefinition(definitionText: string, opts: CompileOptions): CompiledMachine {
  let def: Json;
  try {
    def = JSON.parse(definitionText);
  } catch (e) {
    throw new InvalidDefinition(`Definition is not valid JSON: ${(e as Error).message}`);
  }
  if (!def || typeof def !== 'object' || Array.isArray(def)) throw new InvalidDefinition('Definition must be a JSON object');
  // The library's own validation (asl-validator): transitions, reachability, paths, ARNs.
  try {
    new StateMachine(def);
  } catch (e) {
    throw new InvalidDefinition((e as Error).message);
  }
  if (def.QueryLanguage !== undefined && def.QueryLanguage !== 'JSONPath') {
    throw new InvalidDefinition(`QueryLanguage ${def.QueryLanguage} is not supported locally (JSONPath only)`);
  }
  return compileNamespace(cloneJson(def), opts, 'the definition');
}

/** A namespace is a machine plus its inline Map processors and Parallel branches (one handler table). */
function compileNamespace(root: Json, opts: CompileOptions, where: string): CompiledMachine {
  const out: CompiledMachine = {
    machine: undefined as unknown as StateMachine,
    tasks: new Map(),
    distributedMaps: new Set(),
    mapSpecs: [],
  };
  compileScope(root, opts, out, where);
  const { StartAt, States, TimeoutSeconds, Comment, Version } = root;
  out.machine = new StateMachine({ StartAt, States, TimeoutSeconds, Comment, Version } as never, { validationOptions: { noValidate: true } });
  return out;
}

function compileScope(scope: Scope, opts: CompileOptions, out: CompiledMachine, where: string): void {
  for (const [name, state] of Object.entries<Json>(scope.States)) {
    const at = `state "${name}" in ${where}`;
    checkJsonPathOnly(state, at);
    switch (state.Type) {
      case 'Task':
        registerTask(name, compileTask(state, opts, at), out);
        break;
      case 'Map': {
        const proc = state.ItemProcessor ?? state.Iterator;
        if (!proc) throw new InvalidDefinition(`${at}: Map needs an ItemProcessor`);
        if (proc.ProcessorConfig?.Mode === 'DISTRIBUTED') {
          const spec = compileDistributedMap(name, state, opts, at);
          const task = rewriteDistributedMap(state);
          scope.States[name] = task;
          out.mapSpecs.push(spec);
          registerTask(name, { name, resource: 'distributedMap', task: { kind: 'distributedMap', map: spec } }, out);
          out.distributedMaps.add(name);
        } else {
          for (const f of ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath']) {
            if (state[f] !== undefined) throw new InvalidDefinition(`${at}: ${f} needs ProcessorConfig.Mode DISTRIBUTED`);
          }
          addHeartbeatToTimeoutMatchers(state);
          compileScope(proc, opts, out, `the ItemProcessor of ${at}`);
        }
        break;
      }
      case 'Parallel':
        addHeartbeatToTimeoutMatchers(state);
        (state.Branches ?? []).forEach((b: Scope, i: number) => compileScope(b, opts, out, `branch ${i} of ${at}`));
        break;
      case 'Choice':
        for (const rule of state.Choices ?? []) if (rule.Condition !== undefined) throw new InvalidDefinition(`${at}: JSONata Condition is not supported`);
        break;
      case 'Pass':
      case 'Wait':
      case 'Succeed':
      case 'Fail':
        break;
      default:
        throw new InvalidDefinition(`${at}: unknown state Type ${state.Type}`);
    }
  }
}

function checkJsonPathOnly(state: Json, at: string): void {
  if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') throw new InvalidDefinition(`${at}: QueryLanguage ${state.QueryLanguage} is not supported locally`);
  for (const f of JSONATA_FIELDS) if (state[f] !== undefined) throw new InvalidDefinition(`${at}: field ${f} (JSONata / variables) is not supported locally`);
  // Per-attempt context values are substituted in Task Parameters only (see ATTEMPT_CONTEXT_MARKER).
  for (const [field, value] of Object.entries(state)) {
    if (field === 'Parameters' && state.Type === 'Task') continue;
    if (field === 'ItemProcessor' || field === 'Iterator' || field === 'Branches') continue;
    const text = JSON.stringify(value);
    if (/\$\$\.(State|Task)\b/.test(text)) throw new InvalidDefinition(`${at}: $$.State / $$.Task are only supported in a Task's Parameters`);
  }
  if (state.Type === 'Task' && /\$\$\.State\.RetryCount/.test(JSON.stringify(state.Parameters ?? null))) {
    throw new InvalidDefinition(`${at}: $$.State.RetryCount is not supported locally`);
  }
}

function compileTask(state: Json, opts: CompileOptions, at: string): TaskSpec {
  if (state.Credentials !== undefined) throw new InvalidDefinition(`${at}: Credentials (cross-account) is not supported locally`);
  if (state.HeartbeatSecondsPath !== undefined) throw new InvalidDefinition(`${at}: HeartbeatSecondsPath is not supported locally`);
  const resource: string = state.Resource;
  const task = classifyResource(resource, opts, at);
  const isCallback = (task.kind === 'lambdaInvoke' && task.callback) || (task.kind === 'startExecution' && task.mode === 'callback');
  const isSync = task.kind === 'startExecution' && (task.mode === 'sync' || task.mode === 'sync2');
  if (opts.type === 'EXPRESS' && (isCallback || isSync)) throw new InvalidDefinition(`${at}: EXPRESS state machines do not support .sync or .waitForTaskToken`);
  if (isCallback && !JSON.stringify(state.Parameters ?? null).includes('$$.Task.Token')) {
    throw new InvalidDefinition(`${at}: a .waitForTaskToken Task must pass $$.Task.Token in its Parameters`);
  }
  if (state.TimeoutSeconds !== undefined && state.HeartbeatSeconds !== undefined && state.HeartbeatSeconds >= state.TimeoutSeconds) {
    throw new InvalidDefinition(`${at}: HeartbeatSeconds must be smaller than TimeoutSeconds`);
  }
  const spec: TaskSpec = { name: '', resource, task, timeoutSeconds: state.TimeoutSeconds, heartbeatSeconds: state.HeartbeatSeconds };
  // We enforce TimeoutSeconds ourselves (to clean up tokens and record TaskTimedOut); the library only
  // keeps TimeoutSecondsPath, which needs the state's input.
  if (state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = NO_TIMEOUT_SECONDS;
  addHeartbeatToTimeoutMatchers(state);
  return spec;
}

function classifyResource(resource: string, opts: CompileOptions, at: string): TaskKind {
  if (typeof resource !== 'string') throw new InvalidDefinition(`${at}: Task needs a Resource`);
  if (LAMBDA_ARN.test(resource)) return { kind: 'lambdaArn' };
  const m = OPTIMIZED.exec(resource);
  const service = m?.[1];
  const action = m?.[2];
  if (service === 'lambda' && action === 'invoke') return { kind: 'lambdaInvoke', callback: false };
  if (service === 'lambda' && action === 'invoke.waitForTaskToken') return { kind: 'lambdaInvoke', callback: true };
  if (service === 'events' && action === 'putEvents') {
    if (!opts.has.putEvents) throw new InvalidDefinition(`${at}: events:putEvents needs the putEvents integration`);
    return { kind: 'putEvents' };
  }
  if (service === 'states') {
    const modes: Record<string, 'async' | 'sync' | 'sync2' | 'callback'> = {
      startExecution: 'async',
      'startExecution.sync': 'sync',
      'startExecution.sync:2': 'sync2',
      'startExecution.waitForTaskToken': 'callback',
    };
    if (action && modes[action]) return { kind: 'startExecution', mode: modes[action] };
  }
  if (service === 'dynamodb' && (action === 'putItem' || action === 'getItem' || action === 'updateItem' || action === 'deleteItem')) {
    if (!opts.has.dynamodb) throw new InvalidDefinition(`${at}: dynamodb:${action} needs the dynamodb integration`);
    return { kind: 'dynamodb', op: action };
  }
  throw new InvalidDefinition(`${at}: Task Resource ${resource} is not supported locally`);
}

function registerTask(name: string, spec: TaskSpec, out: CompiledMachine): void {
  if (out.tasks.has(name)) throw new InvalidDefinition(`Duplicate state name ${name}`);
  spec.name = name;
  out.tasks.set(name, spec);
}

function addHeartbeatToTimeoutMatchers(state: Json): void {
  for (const r of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
    if (Array.isArray(r.ErrorEquals) && r.ErrorEquals.includes('States.Timeout') && !r.ErrorEquals.includes('States.HeartbeatTimeout')) {
      r.ErrorEquals.push('States.HeartbeatTimeout');
    }
  }
}

const MAP_ONLY_FIELDS = [
  'ItemReader', 'ItemsPath', 'ItemSelector', 'Parameters', 'ItemBatcher', 'ResultWriter', 'MaxConcurrency', 'MaxConcurrencyPath',
  'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount', 'ToleratedFailureCountPath',
  'ItemProcessor', 'Iterator', 'Label',
];

function compileDistributedMap(name: string, state: Json, opts: CompileOptions, at: string): DistributedMapSpec {
  if (opts.type === 'EXPRESS') throw new InvalidDefinition(`${at}: a DISTRIBUTED Map cannot run in an EXPRESS state machine`);
  const proc = state.ItemProcessor ?? state.Iterator;
  const executionType = proc.ProcessorConfig?.ExecutionType ?? 'STANDARD';
  if (executionType !== 'STANDARD' && executionType !== 'EXPRESS') throw new InvalidDefinition(`${at}: unknown ExecutionType ${executionType}`);
  const spec: DistributedMapSpec = {
    stateName: name,
    label: state.Label ?? name,
    itemsPath: state.ItemsPath,
    itemSelector: state.ItemSelector ?? state.Parameters,
    maxConcurrency: state.MaxConcurrency,
    maxConcurrencyPath: state.MaxConcurrencyPath,
    toleratedFailurePercentage: state.ToleratedFailurePercentage,
    toleratedFailurePercentagePath: state.ToleratedFailurePercentagePath,
    toleratedFailureCount: state.ToleratedFailureCount,
    toleratedFailureCountPath: state.ToleratedFailureCountPath,
    executionType,
    processor: undefined as unknown as CompiledMachine,
    processorDefinition: '',
  };
  if (state.ItemReader) spec.itemReader = compileItemReader(state.ItemReader, opts, at);
  if (state.ItemReader && state.ItemsPath) throw new InvalidDefinition(`${at}: ItemsPath cannot be used with ItemReader`);
  if (state.ItemBatcher) {
    const b = state.ItemBatcher;
    for (const k of Object.keys(b)) {
      if (!['MaxItemsPerBatch', 'MaxInputBytesPerBatch', 'BatchInput'].includes(k)) throw new InvalidDefinition(`${at}: ItemBatcher.${k} is not supported locally`);
    }
    if (b.MaxItemsPerBatch === undefined && b.MaxInputBytesPerBatch === undefined) throw new InvalidDefinition(`${at}: ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch`);
    spec.itemBatcher = { maxItemsPerBatch: b.MaxItemsPerBatch, maxInputBytesPerBatch: b.MaxInputBytesPerBatch, batchInput: b.BatchInput };
  }
  if (state.ResultWriter) {
    const w = state.ResultWriter;
    if (w.Resource !== 'arn:aws:states:::s3:putObject' || !w.Parameters) throw new InvalidDefinition(`${at}: ResultWriter needs Resource arn:aws:states:::s3:putObject and Parameters`);
    if (!opts.has.s3) throw new InvalidDefinition(`${at}: ResultWriter needs the s3 integration`);
    const transformation = w.WriterConfig?.Transformation ?? 'NONE';
    const outputType = w.WriterConfig?.OutputType ?? 'JSON';
    if (!['NONE', 'COMPACT', 'FLATTEN'].includes(transformation) || !['JSON', 'JSONL'].includes(outputType)) throw new InvalidDefinition(`${at}: unsupported ResultWriter.WriterConfig`);
    spec.resultWriter = { parameters: w.Parameters, transformation, outputType };
  }
  const procDef = { StartAt: proc.StartAt, States: proc.States, Comment: proc.Comment };
  spec.processorDefinition = JSON.stringify(procDef);
  spec.processor = compileNamespace(cloneJson(procDef), { ...opts, type: executionType }, `the ItemProcessor of ${at}`);
  return spec;
}

function compileItemReader(r: Json, opts: CompileOptions, at: string): NonNullable<DistributedMapSpec['itemReader']> {
  if (!opts.has.s3) throw new InvalidDefinition(`${at}: ItemReader needs the s3 integration`);
  const cfg = r.ReaderConfig ?? {};
  for (const k of Object.keys(cfg)) {
    if (!['InputType', 'CSVHeaderLocation', 'CSVHeaders', 'MaxItems', 'MaxItemsPath'].includes(k)) throw new InvalidDefinition(`${at}: ItemReader.ReaderConfig.${k} is not supported locally`);
  }
  if (r.Resource === 'arn:aws:states:::s3:listObjectsV2') {
    return { resource: 'listObjectsV2', parameters: r.Parameters, maxItems: cfg.MaxItems, maxItemsPath: cfg.MaxItemsPath };
  }
  if (r.Resource !== 'arn:aws:states:::s3:getObject') throw new InvalidDefinition(`${at}: ItemReader Resource ${r.Resource} is not supported locally`);
  if (!['JSON', 'JSONL', 'CSV'].includes(cfg.InputType)) throw new InvalidDefinition(`${at}: ItemReader InputType ${cfg.InputType} is not supported locally (JSON, JSONL, CSV)`);
  const headerLocation = cfg.CSVHeaderLocation ?? 'FIRST_ROW';
  if (cfg.InputType === 'CSV' && headerLocation === 'GIVEN' && !Array.isArray(cfg.CSVHeaders)) throw new InvalidDefinition(`${at}: CSVHeaderLocation GIVEN needs CSVHeaders`);
  return {
    resource: 'getObject',
    parameters: r.Parameters,
    inputType: cfg.InputType,
    csvHeaderLocation: headerLocation,
    csvHeaders: cfg.CSVHeaders,
    maxItems: cfg.MaxItems,
    maxItemsPath: cfg.MaxItemsPath,
  };
}

/** The Task that stands in for a DISTRIBUTED Map: keeps the state-level I/O, Retry and Catch. */
function rewriteDistributedMap(state: Json): Json {
  const task: Json = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: NO_TIMEOUT_SECONDS };
  for (const [k, v] of Object.entries(state)) {
    if (k === 'Type' || MAP_ONLY_FIELDS.includes(k)) continue;
    task[k] = v;
  }
  addHeartbeatToTimeoutMatchers(task);
  return task;
}

/** A clone made in this module's realm (structuredClone's objects fail the library's plain-object test under jest). */
function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}
