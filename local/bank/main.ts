/**
 * Runs the sandbox bank on its own: `npx tsx local/bank/main.ts [--port 4010] [--seed s] [--date YYYY-MM-DD] [--slow-ms 15000]`.
 */
import { startSandboxBank } from './server';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const bank = await startSandboxBank({
    port: Number(arg('port') ?? 4010),
    seed: arg('seed'),
    date: arg('date'),
    slowMs: arg('slow-ms') === undefined ? undefined : Number(arg('slow-ms')),
  });
  process.stdout.write(`sandbox bank at ${bank.url} (simulated date ${bank.getDate()})\n`);
  for (const i of bank.institutions()) process.stdout.write(`  ${i.id}: ${i.url} ORG=${i.org} FID=${i.fid}\n`);
  const stop = () => void bank.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
