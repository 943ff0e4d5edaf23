/**
 * Crash safety: LedgerFlow runs in a child process on a fixed data directory, the daily batch
 * starts, and the child is SIGKILLed while refreshes are merging (no handler runs, nothing is
 * flushed). DynamoDB Local's JVM must die with it. The stack then restarts on the same directory:
 * nothing stored may be malformed, duplicated or inconsistent with the bank, and one refresh per
 * user must bring every user to exactly the bank's truth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { executionHistory, listAllExecutions } from '../../local/executions';
import { ROOT, startLedgerFlow, type LedgerFlow } from '../../local/ledgerflow';
import { transactionDateKey } from '../../lambdas/shared/keys';
import { parseAmount } from '../../lambdas/shared/money';
import type { Truth } from '../../local/bank';
import { expectMatchesTruth, harnessFor } from './harness';

const USERS = 10;
const BANK_DATE = '2026-12-20';
const LAMBDA_ENV = { BANK_RESPONSE_TIMEOUT_MS: '5000' };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

// The child: what `npm start` does, on our data directory and free ports, then the daily batch.
const CHILD = `
require(${JSON.stringify(path.join(ROOT, 'local/quiet-sdk-warning'))}).quietSdkNodeWarning();
const { startLedgerFlow } = require(${JSON.stringify(path.join(ROOT, 'local/ledgerflow'))});
(async () => {
  const flow = await startLedgerFlow({
    synth: false, dataDir: process.env.CRASH_DATA_DIR, demoUsers: ${USERS}, startSchedules: false,
    bank: { date: '${BANK_DATE}' }, lambdaEnv: ${JSON.stringify(LAMBDA_ENV)}, log: () => {},
  });
  const daily = await flow.runDaily();
  process.stdout.write(JSON.stringify({ endpoints: flow.endpoints, dynamodbPid: flow.stack.dynamodbPid, refresh: flow.stateMachines.refresh, daily }) + '\\n');
  setInterval(() => {}, 1 << 30);
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface ChildInfo {
  endpoints: LedgerFlow['endpoints'];
  dynamodbPid: number;
  refresh: string;
  daily: string;
}

const canonicalAmount = (v: unknown) => {
  try {
    return typeof v === 'string' && parseAmount(v) === v;
  } catch {
    return false;
  }
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let dataDir: string;
let child: ChildProcess | undefined;
let flow: LedgerFlow | undefined;
/** What the first test saw after the restart, for the second. */
let truths = new Map<string, Truth>();
let leases = new Map<string, number>();

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledgerflow-crash-'));
});
afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await flow?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function startChild(): Promise<ChildInfo> {
  child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, CRASH_DATA_DIR: dataDir, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child did not start within 90 s: ${stderr}`)), 90_000);
    child!.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before it was ready: ${stderr}`));
    });
  });
}

/** Waits until some refreshes have finished and another one is inside PostProcess, writing. */
async function waitForMidBatch(info: ChildInfo): Promise<{ succeeded: number; running: number; merging: number }> {
  const sfn = new SFNClient({ endpoint: info.endpoints.stepfunctions, region: 'us-east-1', credentials });
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      const executions = await listAllExecutions(sfn, info.refresh);
      const succeeded = executions.filter((e) => e.status === 'SUCCEEDED').length;
      const running = executions.filter((e) => e.status === 'RUNNING');
      let merging = 0;
      for (const e of running) {
        const events = await executionHistory(sfn, e.executionArn!);
        const entered = events.filter((x) => x.type === 'TaskStateEntered' && x.stateEnteredEventDetails?.name === 'PostProcess').length;
        const exited = events.filter((x) => x.type === 'TaskStateExited' && x.stateExitedEventDetails?.name === 'PostProcess').length;
        if (entered > exited) merging++;
      }
      if (succeeded >= 1 && merging >= 1) return { succeeded, running: running.length, merging };
      if (Date.now() > deadline) throw new Error(`the batch never reached the middle (${succeeded} done, ${running.length} running)`);
      await sleep(20);
    }
  } finally {
    sfn.destroy();
  }
}

test('a stack killed (SIGKILL) in the middle of the daily batch restarts with nothing corrupted', async () => {
  // 1. Run, start the daily batch, kill in the middle.
  const info = await startChild();
  expect(alive(info.dynamodbPid)).toBe(true);
  const mid = await waitForMidBatch(info);
  const exited = new Promise((r) => child!.once('exit', r));
  child!.kill('SIGKILL');
  await exited;
  // DynamoDB Local's JVM must not survive its parent.
  const deadline = Date.now() + 10_000;
  while (alive(info.dynamodbPid) && Date.now() < deadline) await sleep(50);
  expect(alive(info.dynamodbPid)).toBe(false);
  expect(mid.merging).toBeGreaterThanOrEqual(1);

  // 2. Restart on the same data directory (the users are there already: seeding keeps them).
  flow = await startLedgerFlow({ synth: false, dataDir, demoUsers: USERS, startSchedules: false, bank: { date: BANK_DATE }, lambdaEnv: LAMBDA_ENV, log: () => undefined });
  expect(flow.stack.dynamodbPid).not.toBe(info.dynamodbPid);
  const h = harnessFor(flow);
  for (const u of flow.demoUsers) truths.set(u, await h.truth(u));

  // 3. What the killed run left behind: well-formed, no duplicates, consistent with the bank.
  const items = await scanTable(flow);
  const txns = items.filter((i) => String(i.sk).startsWith('TXN#'));
  const accounts = items.filter((i) => String(i.sk).startsWith('ACCT#'));
  const refreshes = items.filter((i) => String(i.sk).startsWith('REFRESH#'));
  expect(txns.length).toBeGreaterThan(0); // the batch had merged some users before the kill
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const t of txns) {
    const where = `${t.pk} ${t.sk}`;
    if (t.pk !== `USER#${t.userId}` || t.sk !== `TXN#${t.accountId}#${t.id}`) problems.push(`${where}: keys do not match its attributes`);
    if (t.dateKey !== transactionDateKey(t.postedAt, t.id)) problems.push(`${where}: dateKey ${t.dateKey}`);
    if (!canonicalAmount(t.amount)) problems.push(`${where}: amount ${t.amount}`);
    if (typeof t.postedAt !== 'string' || new Date(t.postedAt).toISOString() !== t.postedAt) problems.push(`${where}: postedAt ${t.postedAt}`);
    if (t.status !== 'posted' && t.status !== 'pending') problems.push(`${where}: status ${t.status}`);
    const key = `${t.userId}|${t.accountId}|${t.externalId}`;
    if (seen.has(key)) problems.push(`${where}: duplicate of externalId ${t.externalId}`);
    seen.add(key);
    // Whatever was written is the bank's data (the date did not move): amount, date and status exact.
    const account = accounts.find((a) => a.userId === t.userId && a.accountId === t.accountId);
    const truth = truths.get(t.userId)!.accounts.filter((a) => !account || (a.mask === account.mask && a.type === account.type));
    const want = truth.flatMap((a) => a.transactions).find((x) => x.id === t.externalId);
    if (!want) problems.push(`${where}: externalId ${t.externalId} is not at the bank`);
    else if (want.amount !== t.amount || want.postedAt !== t.postedAt || want.status !== t.status) problems.push(`${where}: ${t.amount} ${t.postedAt} ${t.status} vs bank ${want.amount} ${want.postedAt} ${want.status}`);
  }
  for (const a of accounts) {
    const want = truths.get(a.userId)!.accounts.find((x) => x.mask === a.mask && x.type === a.type);
    if (!want) problems.push(`${a.pk} ${a.sk}: account ${a.type} ${a.mask} is not at the bank`);
    else if (a.balances?.current !== want.balances.current || a.balances?.available !== want.balances.available) {
      problems.push(`${a.pk} ${a.sk}: balances ${JSON.stringify(a.balances)} vs bank ${JSON.stringify(want.balances)}`);
    }
  }
  // Every normalized statement (the source of every merge) must still parse.
  for (const key of await listKeys(flow, 'normalized/')) {
    try {
      JSON.parse(await getText(flow, key));
    } catch {
      problems.push(`s3 ${key}: not JSON`);
    }
  }
  expect(problems).toEqual([]);
  const interrupted = refreshes.filter((r) => r.status === 'RUNNING').length;

  leases = new Map(items.filter((i) => String(i.sk).startsWith('LEASE#')).map((l) => [String(l.pk).slice('USER#'.length), Number(l.expiresAt)]));
  console.log(
    `[crash] killed with ${mid.succeeded} refreshes done, ${mid.running} running (${mid.merging} merging); after restart: ${txns.length} transactions, ` +
      `${accounts.length} accounts, all well-formed and consistent; ${interrupted} refresh records left RUNNING, ${leases.size} post-process leases left held`,
  );
}, 240_000);

test('after the restart, one refresh per user brings every user to exactly the bank truth', async () => {
  expect(flow).toBeDefined();
  const h = harnessFor(flow!);
  const results = await Promise.all(flow!.demoUsers.map(async (u) => ({ u, r: await h.refreshAndWait(u, 90_000) })));
  const failed = results
    .filter(({ r }) => r.status !== 'SUCCEEDED')
    .map(({ u, r }) => {
      const lease = leases.get(u);
      const why = lease ? ` (its post-process lease from the killed run still had ${lease - Math.floor(Date.now() / 1000)} s to go)` : '';
      return `${u}: ${r.status}${r.error ? ` ${r.error}` : ''}${why}`;
    });
  expect(failed).toEqual([]);
  let matched = 0;
  for (const u of flow!.demoUsers) matched += (await expectMatchesTruth(h, u)).transactions;
  expect(matched).toBe([...truths.values()].reduce((n, t) => n + t.accounts.reduce((m, a) => m + a.transactions.length, 0), 0));
}, 120_000);

// ---- helpers ----------------------------------------------------------------------------------

async function scanTable(f: LedgerFlow): Promise<Record<string, any>[]> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: f.endpoints.dynamodb, region: 'us-east-1', credentials }));
  const items: Record<string, any>[] = [];
  let start: Record<string, any> | undefined;
  try {
    do {
      const out = await doc.send(new ScanCommand({ TableName: process.env.TABLE_NAME, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
  } finally {
    doc.destroy();
  }
  return items;
}

const s3Of = (f: LedgerFlow) => new S3Client({ endpoint: f.endpoints.s3, forcePathStyle: true, region: 'us-east-1', credentials });

async function listKeys(f: LedgerFlow, prefix: string): Promise<string[]> {
  const s3 = s3Of(f);
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: process.env.BUCKET_NAME, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    s3.destroy();
  }
  return keys;
}

async function getText(f: LedgerFlow, key: string): Promise<string> {
  const s3 = s3Of(f);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: key }));
    return await out.Body!.transformToString();
  } finally {
    s3.destroy();
  }
}
