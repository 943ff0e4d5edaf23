/**
 * LedgerFlow on one machine: the sandbox bank, the synthesized template deployed onto local
 * services, the seeded institutions and demo users. `npm start` (local/start.ts) and the
 * end-to-end tests both start it through here, so they run the same thing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startSandboxBank, type SandboxBank, type SandboxBankOptions } from './bank';
import { startLocalStack, type LocalStack, type LocalStackPorts } from './runtime';
import { loadStack } from './runtime/template';
import { seedDemoUsers, seedInstitutions } from './seed';

export const ROOT = path.resolve(__dirname, '..');

export interface LedgerFlowOptions {
  dataDir?: string;
  cdkOut?: string;
  /** Run `cdk synth` first (default true; tests synthesize once in their global setup). */
  synth?: boolean;
  ports?: LocalStackPorts & { bank?: number };
  bank?: SandboxBankOptions;
  demoUsers?: number;
  /** Extra Lambda environment (e.g. shorter circuit-breaker cooldowns in tests). */
  lambdaEnv?: Record<string, string>;
  /** Extra environment for some Lambdas, by the start of their logical id (e.g. "Download"). */
  functionEnv?: Record<string, Record<string, string>>;
  log?: (line: string) => void;
  startSchedules?: boolean;
}

export interface Endpoints {
  api: string;
  stepfunctions: string;
  dynamodb: string;
  s3: string;
  bank: string;
  eventbridge: string;
}

export interface LedgerFlow {
  endpoints: Endpoints;
  bank: SandboxBank;
  stack: LocalStack;
  demoUsers: string[];
  institutionIds: string[];
  /** ARNs of the two workflows, by file name. */
  stateMachines: { refresh: string; dailyRefresh: string };
  /** Starts the daily refresh as the schedule would; resolves to its execution ARN. */
  runDaily(): Promise<string>;
  stop(): Promise<void>;
}

/** Inputs of the cloud assembly: when none is newer than cdk.out, synthesizing again changes nothing. */
const SYNTH_INPUTS = ['bin', 'lib', 'lambdas', 'statemachines', 'cdk.json', 'package-lock.json'];

function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), stat.mtimeMs);
}

export function isSynthFresh(cdkOut = path.join(ROOT, 'cdk.out')): boolean {
  const manifest = path.join(cdkOut, 'manifest.json');
  if (!fs.existsSync(manifest)) return false;
  const inputs = Math.max(...SYNTH_INPUTS.map((p) => path.join(ROOT, p)).filter((p) => fs.existsSync(p)).map(newestMtime));
  return fs.statSync(manifest).mtimeMs > inputs;
}

export function synth(cdkOut = path.join(ROOT, 'cdk.out')): void {
  // Another synth into the same folder holds a lock; wait for it rather than fail.
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', '--quiet', '--output', cdkOut], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 300_000,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      });
      return;
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? '');
      if (!/currently synthing/.test(stderr) || attempt >= 60) throw new Error(`cdk synth failed:\n${stderr}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    }
  }
}

export async function startLedgerFlow(options: LedgerFlowOptions = {}): Promise<LedgerFlow> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir ?? path.join(ROOT, '.local'));
  const cdkOut = path.resolve(options.cdkOut ?? path.join(ROOT, 'cdk.out'));
  if (options.synth !== false) synth(cdkOut);

  const bank = await startSandboxBank({ port: options.ports?.bank ?? 0, ...options.bank });
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ cdkOut, dataDir, ports: options.ports, log, extraEnv: options.lambdaEnv, functionEnv: options.functionEnv, startSchedules: options.startSchedules });
  } catch (e) {
    await bank.close();
    throw e;
  }
  const stop = async () => {
    await stack.stop();
    await bank.close();
  };
  try {
    useStackFromThisProcess(stack);
    const institutions = bank.institutions();
    await seedInstitutions(bank.url, institutions.map((i) => ({ institutionId: i.id, name: i.name, org: i.org, fid: i.fid })));
    const institutionIds = institutions.map((i) => i.id);
    const demoUsers = await seedDemoUsers(options.demoUsers ?? 25, institutionIds);
    const endpoints: Endpoints = { ...stack.endpoints, bank: bank.url };
    const stateMachines = {
      refresh: physicalIdOfType(stack, cdkOut, 'AWS::StepFunctions::StateMachine', 'ledgerflow-refresh'),
      dailyRefresh: physicalIdOfType(stack, cdkOut, 'AWS::StepFunctions::StateMachine', 'ledgerflow-daily-refresh'),
    };
    const scheduleName = stack.scheduler.list()[0]?.name;
    return {
      endpoints,
      bank,
      stack,
      demoUsers,
      institutionIds,
      stateMachines,
      runDaily: async () => {
        if (!scheduleName) throw new Error('the template has no schedule');
        const fired = await stack.scheduler.fireNow(scheduleName);
        if (!fired.result) throw new Error(`daily schedule did not start: ${fired.error}`);
        return fired.result;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The seeding code in this process uses the same store module as the Lambdas, configured the way
 * the template configures them: the table and bucket names and the local endpoints.
 */
function useStackFromThisProcess(stack: LocalStack): void {
  const env = stack.lambdas.spec(stack.lambdas.functionNames()[0])!.environment;
  process.env.TABLE_NAME = env.TABLE_NAME;
  process.env.BUCKET_NAME = env.BUCKET_NAME;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.endpoints.dynamodb;
  process.env.AWS_ENDPOINT_URL_S3 = stack.endpoints.s3;
  process.env.AWS_ENDPOINT_URL_SFN = stack.endpoints.stepfunctions;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}

function physicalIdOfType(stack: LocalStack, cdkOut: string, type: string, name: string): string {
  const { template } = loadStack(cdkOut, stack.stackName);
  const logicalId = Object.entries(template.Resources as Record<string, any>).find(([, r]) => r.Type === type && r.Properties.StateMachineName === name)?.[0];
  if (!logicalId) throw new Error(`no ${type} named ${name} in the template`);
  return stack.physicalIds[logicalId];
}

export function writeEndpoints(dataDir: string, endpoints: Endpoints): string {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'endpoints.json');
  fs.writeFileSync(file, JSON.stringify(endpoints, null, 2) + '\n');
  return file;
}
