/**
 * No JVM outlives the process that started DynamoDB Local: not after stop(), not after a
 * SIGTERM (handlers run), and not after a SIGKILL (no handler runs; the watchdog notices).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../local/runtime/ports';
import { startDynamoDbLocal } from '../../local/runtime/dynamodb-local';

const isAlive = (pid: number) => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

async function waitDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-ddb-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('stop() ends the JVM and creates the data directory it needs', async () => {
  const dbPath = path.join(dir, 'nested', 'dynamodb'); // does not exist yet: DynamoDB Local would die silently
  const db = await startDynamoDbLocal({ dbPath, port: await freePort() });
  expect(isAlive(db.javaPid)).toBe(true);
  expect(fs.existsSync(dbPath)).toBe(true);
  await db.stop();
  expect(isAlive(db.javaPid)).toBe(false);
});

it.each(['SIGKILL', 'SIGTERM'] as const)('a parent killed with %s leaves no JVM behind', async (signal) => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'hold-dynamodb.ts'), path.join(dir, signal)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const { javaPid } = JSON.parse(line) as { javaPid: number };
  expect(isAlive(javaPid)).toBe(true);
  child.kill(signal);
  expect(await waitDead(javaPid, 5000)).toBe(true);
});
