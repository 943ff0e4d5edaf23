/** Bank-wide chaos: seeded and reproducible, counted, and mapped by the client onto TransientErrors. */
import { startSandboxBank, type ChaosConfig, type SandboxBank, type SandboxStats } from '../../local/bank';
import { TransientError } from '../../lambdas/shared/errors';
import { postOfx } from '../../lambdas/shared/ofx-client';
import { accountListRequest } from '../../lambdas/shared/ofx-client/request';
import { fetchAs } from './helpers';

const CHAOS: ChaosConfig = { seed: 'chaos-1', rates: { error5xx: 0.2, reset: 0.15, stall: 0.15, truncate: 0.15 }, stallMs: 40 };
const CALLS = 40;

/** CALLS account-list calls, one after the other; the outcome of each as the client reports it. */
async function drive(bank: SandboxBank): Promise<{ outcomes: string[]; stats: SandboxStats }> {
  const inst = bank.institutions()[0];
  const outcomes: string[] = [];
  for (let i = 0; i < CALLS; i++) {
    const body = accountListRequest({ org: inst.org, fid: inst.fid, username: `user_good+chaos-${i % 3}`, password: 'pass_good' });
    outcomes.push(await postOfx(inst.url, body, { timeouts: { connectMs: 1_000, responseMs: 2_000 } }).then(() => 'ok', (e: TransientError) => `${e.name}:${e.code}`));
  }
  return { outcomes, stats: bank.stats() };
}

async function withBank<T>(chaos: ChaosConfig, fn: (b: SandboxBank) => Promise<T>): Promise<T> {
  const bank = await startSandboxBank({ port: 0, seed: 'chaos', chaos });
  try {
    return await fn(bank);
  } finally {
    await bank.close();
  }
}

test('the same chaos seed injects the same faults; the client maps each to a TransientError', async () => {
  const a = await withBank(CHAOS, drive);
  const b = await withBank(CHAOS, drive);
  expect(b.outcomes).toEqual(a.outcomes);
  expect(b.stats.injected).toEqual(a.stats.injected);

  const { injected } = a.stats;
  for (const f of ['error5xx', 'reset', 'stall', 'truncate'] as const) expect(injected[f]).toBeGreaterThan(0);
  const count = (o: string) => a.outcomes.filter((x) => x === o).length;
  expect(count('TransientError:INSTITUTION_DOWN')).toBe(injected.error5xx);
  expect(count('TransientError:NETWORK')).toBe(injected.reset + injected.truncate);
  expect(count('ok')).toBe(CALLS - injected.error5xx - injected.reset - injected.truncate); // stalls still answer
  expect(a.stats.requests).toBe(CALLS);
  expect(a.stats.byInstitution).toEqual({ 'sandbox-bank': CALLS });
  expect(a.stats.byUser).toEqual({ 'user_good+chaos-0': 14, 'user_good+chaos-1': 13, 'user_good+chaos-2': 13 });

  const other = await withBank({ ...CHAOS, seed: 'chaos-2' }, drive);
  expect(other.outcomes).not.toEqual(a.outcomes);
});

test('chaos stats are served over HTTP and chaos can be switched at run time', async () => {
  await withBank({ seed: 'x', rates: { error5xx: 1 } }, async (bank) => {
    const e = await fetchAs(bank, 'sandbox-card', 'user_good+demo-0001').catch((x: TransientError) => x);
    expect((e as TransientError).code).toBe('INSTITUTION_DOWN');
    const stats = (await (await fetch(`${bank.url}/sandbox/stats`)).json()) as SandboxStats;
    expect(stats.injected.error5xx).toBe(1);
    expect(stats.byInstitution).toEqual({ 'sandbox-card': 1 });
    const off = await fetch(`${bank.url}/sandbox/chaos`, { method: 'POST', body: 'null' });
    expect(await off.json()).toEqual({ chaos: null });
    expect(await fetchAs(bank, 'sandbox-card', 'user_good+demo-0001')).toHaveLength(1);
    expect(bank.stats().injected.error5xx).toBe(1);
  });
});

test('chaos rates are validated', async () => {
  await expect(startSandboxBank({ port: 0, chaos: { seed: 's', rates: { reset: 0.7, stall: 0.5 } } })).rejects.toThrow(/more than 1/);
});
