/**
 * Lambda, locally: each function's bundled handler runs in worker threads that play the
 * part of warm Lambda containers (own process.env, module state kept between invocations,
 * one invocation at a time per container, up to `maxConcurrency` containers per function).
 * Invocation results follow the Lambda Invoke API: errors come back as FunctionError
 * "Unhandled" with {errorType, errorMessage, trace}, and the function's Timeout is enforced
 * by terminating the container (errorType "Sandbox.Timedout").
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';

export interface LambdaFunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** Absolute path of the module holding the handler; undefined when the code was not found. */
  handlerFile?: string;
  exportName: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The complete process.env of the function's containers. */
  environment: Record<string, string>;
  /** Why handlerFile is missing, reported to callers on invoke. */
  missingCodeReason?: string;
}

export interface LambdaInvokeResult {
  StatusCode: number;
  FunctionError?: 'Unhandled';
  /** The returned value (or the error object), after the JSON round-trip Lambda performs. */
  Payload: unknown;
  ExecutedVersion: '$LATEST';
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

const WORKER_FILE = path.join(__dirname, 'lambda-worker.js');
const INIT_TIMEOUT_MS = 10_000; // Lambda's limit for the init phase

type Outcome = { ok: true; payload: string } | { ok: false; error: LambdaError };

class Container {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private pending?: { id: string; settle: (o: Outcome) => void };
  dead = false;

  constructor(spec: LambdaFunctionSpec, log: (line: string) => void) {
    this.worker = new Worker(WORKER_FILE, {
      workerData: { file: spec.handlerFile, exportName: spec.exportName },
      env: spec.environment,
      execArgv: [], // no TypeScript loader or test-runner flags: the bundle runs as on Lambda
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: spec.memorySize },
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => log(`[${spec.name}] ${line}`));
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(lambdaErr('Runtime.InitTimeout', `Init did not finish within ${INIT_TIMEOUT_MS} ms`)), INIT_TIMEOUT_MS);
      this.worker.on('message', (msg: any) => {
        if (msg.type === 'ready') { clearTimeout(timer); resolve(); }
        else if (msg.type === 'init-error') { clearTimeout(timer); reject(msg.error); }
        else if (msg.type === 'result') this.finish(msg.id, { ok: true, payload: msg.payload });
        else if (msg.type === 'error' || msg.type === 'crash') this.finish(msg.id, { ok: false, error: msg.error });
      });
      this.worker.on('error', (err: any) => {
        const error = err?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? lambdaErr('Runtime.OutOfMemory', `Runtime exited with error: out of memory (limit ${spec.memorySize} MB)`)
          : lambdaErr('Runtime.ExitError', String(err?.message ?? err));
        clearTimeout(timer);
        reject(error);
        this.finish(this.pending?.id, { ok: false, error });
      });
      this.worker.on('exit', (code) => {
        this.dead = true;
        clearTimeout(timer);
        const error = lambdaErr('Runtime.ExitError', `Runtime exited with exit code ${code}`);
        reject(error);
        this.finish(this.pending?.id, { ok: false, error });
      });
    });
    this.ready.catch(() => {}); // observed by invoke(); avoid an unhandled rejection meanwhile
  }

  run(id: string, event: string, context: Record<string, unknown>, deadline: number): Promise<Outcome> {
    return new Promise<Outcome>((settle) => {
      this.pending = { id, settle };
      this.worker.postMessage({ type: 'invoke', id, event, context, deadline });
    });
  }

  private finish(id: string | undefined, outcome: Outcome) {
    if (!this.pending || (id !== undefined && id !== null && id !== this.pending.id)) return;
    const { settle } = this.pending;
    this.pending = undefined;
    settle(outcome);
  }

  async terminate() {
    this.dead = true;
    await this.worker.terminate();
  }
}

function lambdaErr(errorType: string, errorMessage: string): LambdaError {
  return { errorType, errorMessage, trace: [] };
}

/** Warm containers of one function, created lazily up to maxConcurrency. */
class FunctionPool {
  private readonly idle: Container[] = [];
  private readonly all = new Set<Container>();
  private readonly waiters: Array<(c: Container) => void> = [];

  constructor(readonly spec: LambdaFunctionSpec, private readonly maxConcurrency: number, private readonly log: (l: string) => void) {}

  acquire(): Promise<Container> {
    const warm = this.idle.pop();
    if (warm) return Promise.resolve(warm);
    if (this.all.size < this.maxConcurrency) return Promise.resolve(this.create());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(c: Container) {
    if (c.dead) return this.discard(c);
    const waiter = this.waiters.shift();
    if (waiter) waiter(c);
    else this.idle.push(c);
  }

  discard(c: Container) {
    this.all.delete(c);
    void c.terminate();
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.create());
  }

  private create(): Container {
    const c = new Container(this.spec, this.log);
    this.all.add(c);
    return c;
  }

  get size() {
    return this.all.size;
  }

  async close() {
    await Promise.all([...this.all].map((c) => c.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}

export class LambdaRuntime {
  private readonly byName = new Map<string, FunctionPool>();
  private closed = false;

  constructor(
    specs: LambdaFunctionSpec[],
    private readonly opts: { maxConcurrency?: number; log?: (line: string) => void } = {},
  ) {
    for (const spec of specs) {
      this.byName.set(spec.name, new FunctionPool(spec, opts.maxConcurrency ?? 4, opts.log ?? (() => {})));
    }
  }

  functionNames(): string[] {
    return [...this.byName.keys()];
  }

  spec(nameOrArn: string): LambdaFunctionSpec | undefined {
    return this.byName.get(functionNameOf(nameOrArn))?.spec;
  }

  /** Number of live containers of a function (for tests and diagnostics). */
  containers(nameOrArn: string): number {
    return this.byName.get(functionNameOf(nameOrArn))?.size ?? 0;
  }

  /**
   * Synchronous (RequestResponse) invoke. `payload` is the event value; a Uint8Array is taken
   * as the raw JSON bytes, like the SDK's Payload.
   */
  async invoke(nameOrArn: string, payload: unknown): Promise<LambdaInvokeResult> {
    if (this.closed) throw new Error('Local Lambda runtime is stopped');
    const pool = this.byName.get(functionNameOf(nameOrArn));
    if (!pool) {
      const e = new Error(`Function not found: ${nameOrArn}`);
      e.name = 'ResourceNotFoundException';
      throw e;
    }
    const { spec } = pool;
    const event = payload instanceof Uint8Array ? Buffer.from(payload).toString('utf8') || '{}' : JSON.stringify(payload ?? {});
    const requestId = randomUUID();
    const log = this.opts.log ?? (() => {});
    if (!spec.handlerFile) {
      return failed(lambdaErr('Runtime.ImportModuleError', spec.missingCodeReason ?? `No code found for ${spec.name}`));
    }

    const container = await pool.acquire();
    try {
      await container.ready;
    } catch (err) {
      pool.discard(container);
      return failed(err as LambdaError);
    }
    const started = Date.now();
    const timeoutMs = spec.timeoutSeconds * 1000;
    const deadline = started + timeoutMs;
    const context = {
      awsRequestId: requestId,
      functionName: spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: spec.arn,
      memoryLimitInMB: String(spec.memorySize),
      logGroupName: `/aws/lambda/${spec.name}`,
      logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const outcome = await Promise.race([container.run(requestId, event, context, deadline), timedOut]);
    clearTimeout(timer);
    const duration = Date.now() - started;

    if (outcome === 'timeout') {
      pool.discard(container); // a timed-out container is frozen mid-work: never reuse it
      log(`[${spec.name}] REPORT RequestId: ${requestId} Duration: ${duration} ms Status: timeout`);
      return failed(lambdaErr('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`));
    }
    if (container.dead) pool.discard(container);
    else pool.release(container);
    log(`[${spec.name}] REPORT RequestId: ${requestId} Duration: ${duration} ms${outcome.ok ? '' : ` Error: ${outcome.error.errorType}`}`);
    if (!outcome.ok) return failed(outcome.error);
    return { StatusCode: 200, Payload: JSON.parse(outcome.payload), ExecutedVersion: '$LATEST' };
  }

  async close() {
    this.closed = true;
    await Promise.all([...this.byName.values()].map((p) => p.close()));
  }
}

function failed(error: LambdaError): LambdaInvokeResult {
  return { StatusCode: 200, FunctionError: 'Unhandled', Payload: error, ExecutedVersion: '$LATEST' };
}

/** Accepts a name, a full or partial ARN, with or without a qualifier. */
export function functionNameOf(nameOrArn: string): string {
  const arnMatch = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(nameOrArn);
  if (arnMatch) return arnMatch[1];
  // API Gateway integration URIs wrap the function ARN.
  const apigw = /functions\/(arn:[^/]+)\/invocations/.exec(nameOrArn);
  if (apigw) return functionNameOf(apigw[1]);
  const partial = /^(?:\d{12}:)?function:([^:]+)/.exec(nameOrArn);
  if (partial) return partial[1];
  return nameOrArn.split(':')[0];
}
