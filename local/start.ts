/**
 * `npm start`: LedgerFlow on this machine. Synthesizes the CDK app, deploys the template onto local
 * services, starts the sandbox bank, seeds demo users, runs the daily refresh once, keeps serving.
 *
 * Environment: LEDGERFLOW_DEMO_USERS (default 25), LEDGERFLOW_BANK_DATE (YYYY-MM-DD, default today),
 * LEDGERFLOW_PORT_{API,STEPFUNCTIONS,DYNAMODB,S3,BANK,EVENTBRIDGE} (default: fixed ports below; 0 = any free port).
 */
import * as path from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ROOT, startLedgerFlow, writeEndpoints } from './ledgerflow';
import { quietSdkNodeWarning } from './quiet-sdk-warning';

quietSdkNodeWarning();

const port = (name: string, fallback: number) => Number(process.env[`LEDGERFLOW_PORT_${name}`] ?? fallback);

async function main() {
  const started = Date.now();
  const dataDir = path.join(ROOT, '.local');
  const flow = await startLedgerFlow({
    dataDir,
    demoUsers: Number(process.env.LEDGERFLOW_DEMO_USERS ?? 25),
    bank: { date: process.env.LEDGERFLOW_BANK_DATE ?? new Date().toISOString().slice(0, 10) },
    ports: {
      api: port('API', 4000),
      stepfunctions: port('STEPFUNCTIONS', 4001),
      dynamodb: port('DYNAMODB', 4002),
      s3: port('S3', 4003),
      bank: port('BANK', 4004),
      eventbridge: port('EVENTBRIDGE', 4005),
    },
  });
  const file = writeEndpoints(dataDir, flow.endpoints);
  console.log(`LedgerFlow is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s). Endpoints (${path.relative(process.cwd(), file)}):`);
  for (const [name, url] of Object.entries(flow.endpoints)) console.log(`  ${name.padEnd(14)} ${url}`);
  console.log(`Try: curl -X POST ${flow.endpoints.api}/users/demo-0001/refresh`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping LedgerFlow…`);
    await flow.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const dailyArn = await flow.runDaily();
  console.log(`Daily refresh started: ${dailyArn}`);
  const sfn = new SFNClient({ endpoint: flow.endpoints.stepfunctions, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  while (!stopping) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: dailyArn }));
    if (status !== 'RUNNING') {
      console.log(`Daily refresh ${status} after ${((Date.now() - started) / 1000).toFixed(1)} s; ${flow.demoUsers.length} demo users.`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
