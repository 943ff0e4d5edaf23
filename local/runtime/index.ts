/**
 * The local stack: deploys the synthesized CloudFormation template (cdk.out) onto local
 * services, the way `sam local` reads a template. DynamoDB Local, s3rver, the Step Functions
 * wrapper, Lambda handlers in worker threads, an HTTP API server, a scheduler and an event bus.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startDynamoDbLocal } from './dynamodb-local';
import { freePort } from './ports';

export { freePort } from './ports';
import { LocalEventBus, PutEventsEntry, serveEventBridgeApi } from './events';
import { LocalHttpApi } from './http-api';
import { IntrinsicResolver, PSEUDO } from './intrinsics';
import { LambdaInvokeResult, LambdaRuntime } from './lambda';
import { PhysicalIds } from './physical';
import { TemplateResources } from './resources';
import { startS3Local } from './s3-local';
import { LocalScheduler, ScheduleTarget } from './scheduler';
import { dynamoClient, ensureTable } from './tables';
import { loadStack } from './template';
import { StepFunctionsFactory, StepFunctionsService, defaultStepFunctions } from './stepfunctions-service';

export type { LambdaInvokeResult } from './lambda';
export type { RecordedEvent, EventFilter } from './events';
export type { StepFunctionsService, StepFunctionsIntegrations } from './stepfunctions-service';

export interface LocalStackPorts {
  api?: number;
  stepfunctions?: number;
  dynamodb?: number;
  s3?: number;
  eventbridge?: number;
}

export interface LocalStackOptions {
  /** Cloud assembly directory (default "cdk.out"). */
  cdkOut?: string;
  /** Stack to deploy when the assembly holds several. */
  stackName?: string;
  /** Where DynamoDB and S3 keep their data between runs (default ".local"). */
  dataDir?: string;
  /** Fixed ports; 0 or absent = a free port. */
  ports?: LocalStackPorts;
  /** Extra environment for every Lambda (e.g. the sandbox bank URL). */
  extraEnv?: Record<string, string>;
  /** Extra environment for some Lambdas, by the start of their logical id (e.g. "Download"); wins over extraEnv. */
  functionEnv?: Record<string, Record<string, string>>;
  log?: (line: string) => void;
  /** Warm containers per function (default 4). */
  lambdaConcurrency?: number;
  /** Arm schedule timers (default true); fireNow works either way. */
  startSchedules?: boolean;
  /** Builds the Step Functions service (default: LocalStepFunctions from local/stepfunctions). */
  stepFunctionsFactory?: StepFunctionsFactory;
}

export interface LocalStack {
  endpoints: { api: string; stepfunctions: string; dynamodb: string; s3: string; eventbridge: string };
  /** Every API's base URL by logical id (endpoints.api is the first). */
  apis: Record<string, string>;
  /** Logical id -> physical id (what `Ref` returns: a name or an ARN). */
  physicalIds: Record<string, string>;
  stackName: string;
  invokeLambda(functionNameOrArn: string, payload: unknown): Promise<LambdaInvokeResult>;
  lambdas: LambdaRuntime;
  sfn: StepFunctionsService;
  scheduler: Pick<LocalScheduler, 'fireNow' | 'next' | 'list' | 'fired'>;
  events: LocalEventBus;
  /** pid of the DynamoDB Local JVM (for diagnostics and tests). */
  dynamodbPid: number;
  /** Milliseconds spent in startLocalStack. */
  startMs: number;
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const CLIENT_TIMEOUTS = { connectionTimeout: 5000, requestTimeout: 30000, throwOnRequestTimeout: true };

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir ?? '.local');
  const ports = options.ports ?? {};
  const stack = loadStack(options.cdkOut ?? 'cdk.out', options.stackName);
  fs.mkdirSync(dataDir, { recursive: true });

  // Everything started so far, stopped in reverse order on failure or stop().
  const cleanups: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try { await c(); } catch (err) { log(`[local] stop: ${(err as Error).message}`); }
    }
  };

  try {
    // Java is the slow part: start it first and do the rest meanwhile.
    const dynamoPort = ports.dynamodb || (await freePort());
    const sfnPort = ports.stepfunctions || (await freePort());
    const dynamoStarting = startDynamoDbLocal({ dbPath: path.join(dataDir, 'dynamodb'), port: dynamoPort, log: (l) => log(l) });
    dynamoStarting.catch(() => {}); // awaited below; a failure meanwhile must not be an unhandled rejection
    cleanups.push(async () => { await (await dynamoStarting.catch(() => undefined))?.stop(); });

    const s3 = await startS3Local({ directory: path.join(dataDir, 's3'), port: ports.s3 ?? 0 });
    cleanups.push(() => s3.stop());

    // API servers listen first: their URLs are ApiEndpoint values the template may reference.
    let lambdaRuntime: LambdaRuntime | undefined;
    const invoke = (fn: string, payload: unknown) => {
      if (!lambdaRuntime) throw new Error('Lambda runtime not started');
      return lambdaRuntime.invoke(fn, payload);
    };
    const apiIds = Object.entries(stack.template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api').map(([id]) => id);
    const apiServers = new Map<string, LocalHttpApi>();
    for (const [i, id] of apiIds.entries()) {
      const server = new LocalHttpApi({ invoke, log });
      await server.listen(i === 0 ? ports.api ?? 0 : 0);
      cleanups.push(() => server.close());
      apiServers.set(id, server);
    }

    const physical = new PhysicalIds(stack.template, { apiEndpoint: (id) => apiServers.get(id)?.endpoint ?? '' });
    const resolver = new IntrinsicResolver(stack.template, stack.stackName, physical);
    physical.resolver = resolver;
    const resources = new TemplateResources(stack, resolver, physical);

    const ignored = resources.ignored();
    log(`[local] stack ${stack.stackName}: ignoring ${ignored.length} resources locally: ${ignored.join(', ')}`);

    const events = new LocalEventBus(resources.eventBuses(), log);
    const eventbridge = await serveEventBridgeApi(events, ports.eventbridge ?? 0);
    cleanups.push(() => eventbridge.close());

    const endpoints = {
      api: apiServers.size ? [...apiServers.values()][0].endpoint : '',
      stepfunctions: `http://127.0.0.1:${sfnPort}`,
      dynamodb: `http://127.0.0.1:${dynamoPort}`,
      s3: s3.endpoint,
      eventbridge: eventbridge.endpoint,
    };

    const baseEnv = (name: string, memorySize: number): Record<string, string> => ({
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      AWS_REGION: PSEUDO.region,
      AWS_DEFAULT_REGION: PSEUDO.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      // sfn.localhost: resolvable with the SDK's "sync-" host prefix (see lambda-worker.js).
      AWS_ENDPOINT_URL_SFN: endpoints.stepfunctions.replace('//127.0.0.1:', '//sfn.localhost:'),
      AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      // Lambda runs Node 22; the SDK's "Node 20 is ending" warning is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const extraEnvOf = (logicalId: string) => {
      const env = { ...options.extraEnv };
      for (const [prefix, vars] of Object.entries(options.functionEnv ?? {})) if (logicalId.startsWith(prefix)) Object.assign(env, vars);
      return env;
    };
    const lambdaSpecs = resources.lambdas(baseEnv, extraEnvOf, path.join(dataDir, 'inline-code'));
    for (const spec of lambdaSpecs) if (spec.missingCodeReason) log(`[local] WARNING ${spec.missingCodeReason}`);
    lambdaRuntime = new LambdaRuntime(lambdaSpecs, { maxConcurrency: options.lambdaConcurrency, log });
    cleanups.push(() => lambdaRuntime!.close());

    const s3Client = new S3Client({ endpoint: endpoints.s3, forcePathStyle: true, region: PSEUDO.region, credentials: LOCAL_CREDENTIALS, requestHandler: CLIENT_TIMEOUTS });
    const ddbClient = dynamoClient(endpoints.dynamodb, 30000);
    cleanups.push(() => { s3Client.destroy(); ddbClient.destroy(); });

    const factory = options.stepFunctionsFactory ?? defaultStepFunctions;
    const sfn = factory({
      invokeLambda: (fn, payload) => invoke(fn, payload),
      putEvents: async (entries: PutEventsEntry[]) => events.put(entries),
      s3: s3Client,
      dynamodb: ddbClient,
    });
    cleanups.push(() => sfn.close());
    for (const sm of resources.stateMachines()) {
      const arn = await sfn.createStateMachine({ name: sm.name, definition: sm.definition, type: sm.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD', roleArn: sm.roleArn });
      if (arn !== sm.arn) log(`[local] WARNING state machine ${sm.name} registered as ${arn}, template refers to ${sm.arn}`);
      log(`[local] state machine ${sm.name} (${sm.type})`);
    }
    const sfnUrl = await sfn.listen(sfnPort);
    if (sfnUrl && sfnUrl.replace(/\/$/, '') !== endpoints.stepfunctions) endpoints.stepfunctions = sfnUrl.replace(/\/$/, '');

    const apis: Record<string, string> = {};
    for (const api of resources.httpApis()) {
      const server = apiServers.get(api.logicalId)!;
      server.configure(api.apiId, api.stageName, api.routes);
      apis[api.logicalId] = server.endpoint;
      for (const note of api.notes) log(`[local] api ${api.logicalId}: ${note}`);
      log(`[local] api ${api.logicalId} on ${server.endpoint}: ${api.routes.map((r) => r.routeKey).join(', ')}`);
    }

    for (const bucket of resources.buckets()) {
      const created = await s3.ensureBucket(bucket);
      log(`[local] bucket ${bucket}: ${created ? 'created' : 'exists'}`);
    }

    const dynamo = await dynamoStarting;
    for (const t of resources.tables()) {
      log(`[local] table ${t.name}: ${await ensureTable(ddbClient, t.name, t.props)}`);
    }

    const sfnClient = new SFNClient({ endpoint: endpoints.stepfunctions, region: PSEUDO.region, credentials: LOCAL_CREDENTIALS, requestHandler: CLIENT_TIMEOUTS });
    cleanups.push(() => sfnClient.destroy());
    const fireTarget = async (target: ScheduleTarget): Promise<string> => {
      if (/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:/.test(target.arn)) {
        const out = await sfnClient.send(new StartExecutionCommand({ stateMachineArn: target.arn, input: target.input ?? '{}' }));
        return out.executionArn!;
      }
      if (/^arn:[^:]+:lambda:/.test(target.arn)) {
        // Scheduler invokes Lambda asynchronously: do not wait for the result.
        void invoke(target.arn, JSON.parse(target.input ?? '{}')).then((r) => {
          if (r.FunctionError) log(`[scheduler] ${target.arn} failed: ${JSON.stringify(r.Payload)}`);
        });
        return `invoked ${target.arn}`;
      }
      throw new Error(`Schedule target ${target.arn} is not supported locally (state machines and Lambda functions are)`);
    };
    const scheduler = new LocalScheduler(resources.schedules(), fireTarget, log);
    cleanups.push(() => scheduler.stop());
    if (options.startSchedules ?? true) scheduler.start();

    const startMs = Date.now() - started;
    log(`[local] stack ${stack.stackName} up in ${startMs} ms: ${JSON.stringify(endpoints)}`);
    return {
      endpoints,
      apis,
      physicalIds: physical.all(resources.deployed().map(([id]) => id)),
      stackName: stack.stackName,
      invokeLambda: invoke,
      lambdas: lambdaRuntime,
      sfn,
      scheduler,
      events,
      dynamodbPid: dynamo.javaPid,
      startMs,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
