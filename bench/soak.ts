/**
 * `npm run soak`: the chaos soak (local/soak.ts) at full length. Prints the figures and exits 1 on
 * any lost, duplicated or mismatched transaction or balance, any refresh stuck RUNNING, or any
 * refresh that ended outside its scenario's outcomes.
 *
 * Flags (or env SOAK_<NAME>): --refreshes 500 --days 5 --concurrency 8 --seed soak-1
 *   --error5xx 0.08 --reset 0.06 --stall 0.05 --truncate 0.06 --stall-ms 3000
 *   --daily-on 2,4 (0-based days ending with a daily batch) --flaky-percent 20
 *   --users good=16,flaky=3,ratelimited=2,malformed=2,locked=1,mfa=1,down=1
 *   --no-synth (use the existing cdk.out) --cdk-out DIR --verbose (stack log to stderr)
 */
import { synth } from '../local/ledgerflow';
import { quietSdkNodeWarning } from '../local/quiet-sdk-warning';
import { formatReport, runSoak, type SoakScenario } from '../local/soak';

quietSdkNodeWarning();

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  return process.env[`SOAK_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
}
const has = (name: string) => process.argv.includes(`--${name}`);

function number(name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
}

function users(spec: string): Partial<Record<SoakScenario, number>> {
  const out: Partial<Record<SoakScenario, number>> = {};
  for (const part of spec.split(',')) {
    const [name, n] = part.split('=');
    if (!['good', 'flaky', 'ratelimited', 'malformed', 'locked', 'mfa', 'down'].includes(name) || !(Number(n) >= 0)) throw new Error(`--users: bad entry ${part}`);
    out[name as SoakScenario] = Number(n);
  }
  return out;
}

async function main() {
  const days = number('days', 5);
  const cdkOut = flag('cdk-out', '') || undefined;
  if (!has('no-synth')) synth(cdkOut);
  const report = await runSoak({
    refreshes: number('refreshes', 500),
    days,
    dailyOn: flag('daily-on', `${Math.floor(days / 2)},${days - 1}`).split(',').map(Number),
    concurrency: number('concurrency', 8),
    seed: flag('seed', 'soak-1'),
    rates: { error5xx: number('error5xx', 0.08), reset: number('reset', 0.06), stall: number('stall', 0.05), truncate: number('truncate', 0.06) },
    stallMs: number('stall-ms', 3000),
    users: users(flag('users', 'good=16,flaky=3,ratelimited=2,malformed=2,locked=1,mfa=1,down=1')),
    flakyPercent: number('flaky-percent', 20),
    cdkOut,
    stackLog: has('verbose') ? (line) => process.stderr.write(line + '\n') : undefined,
  });
  console.log(formatReport(report));
  process.exit(report.problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
