import { GetExecutionHistoryCommand, ListExecutionsCommand, ListStateMachinesCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { waitForExecution } from '../../local/executions';
import { expectMatchesTruth, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demoUsers: 3, bank: { date: '2026-12-01' } });
}, 120_000);
afterAll(async () => h?.stop());

test('the unmodified Step Functions client lists both state machines', async () => {
  const { stateMachines } = await h.sfn.send(new ListStateMachinesCommand({}));
  expect(stateMachines!.map((m) => m.name).sort()).toEqual(['ledgerflow-daily-refresh', 'ledgerflow-refresh']);
  expect(stateMachines!.find((m) => m.name === 'ledgerflow-refresh')!.type).toBe('STANDARD');
});

test('a refresh through the API lands exactly the sandbox truth, within 10 s', async () => {
  const started = Date.now();
  const refresh = await h.refreshAndWait('demo-0001', 10_000);
  const elapsed = Date.now() - started;
  expect(refresh.status).toBe('SUCCEEDED');
  expect(elapsed).toBeLessThan(10_000);
  expect(refresh.steps.download.done).toBe(h.flow.institutionIds.length);
  const matched = await expectMatchesTruth(h, 'demo-0001');
  expect(matched.accounts).toBeGreaterThanOrEqual(3);
  expect(matched.transactions).toBeGreaterThan(20);
  // Account numbers never leave whole: the mask is the last four characters.
  const { body } = await h.api('GET', '/users/demo-0001/accounts');
  for (const a of body.accounts) expect(a.mask).toMatch(/^.{4}$/);
});

test('a second refresh changes nothing', async () => {
  const before = await h.allTransactions('demo-0001');
  const refresh = await h.refreshAndWait('demo-0001');
  expect(refresh.status).toBe('SUCCEEDED');
  expect(refresh.changes).toEqual({ added: 0, modified: 0, removed: 0 });
  expect(await h.allTransactions('demo-0001')).toEqual(before);
});

test('the same refresh delivered twice at once, beside another refresh, leaves exactly the same stored state', async () => {
  const before = { accounts: (await h.api('GET', '/users/demo-0001/accounts')).body, transactions: await h.allTransactions('demo-0001') };
  const connections = (await h.api('GET', '/users/demo-0001/connections')).body.connections.map((c: any) => ({ connectionId: c.id }));
  // The same refresh started twice (a client retry under another name, a redelivered schedule): deliver the same input twice.
  const input = JSON.stringify({ userId: 'demo-0001', refreshId: 'ref_twice', trigger: 'api', connections });
  const runs = await Promise.all(['twice-a', 'twice-b'].map((name) => h.sfn.send(new StartExecutionCommand({ stateMachineArn: h.flow.stateMachines.refresh, name, input }))));
  const viaApi = await h.refreshAndWait('demo-0001', 60_000);
  for (const { executionArn } of runs) expect((await waitForExecution(h.sfn, executionArn!, { timeoutMs: 60_000 })).status).toBe('SUCCEEDED');
  expect(viaApi.status).toBe('SUCCEEDED');
  expect((await h.api('GET', '/users/demo-0001/refreshes/ref_twice')).body.status).toBe('SUCCEEDED');
  expect({ accounts: (await h.api('GET', '/users/demo-0001/accounts')).body, transactions: await h.allTransactions('demo-0001') }).toEqual(before);
  await expectMatchesTruth(h, 'demo-0001');
});

test('a repeated POST with the same Idempotency-Key starts one refresh', async () => {
  const headers = { 'idempotency-key': 'tap-42' };
  const first = await h.api('POST', '/users/demo-0002/refresh', undefined, headers);
  const second = await h.api('POST', '/users/demo-0002/refresh', undefined, headers);
  expect(first.status).toBe(202);
  expect(second).toEqual(first);
  await h.waitForRefresh('demo-0002', first.body.refreshId);
  const executions = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: h.flow.stateMachines.refresh, maxResults: 1000 }));
  expect(executions.executions!.filter((e) => e.name === first.body.refreshId)).toHaveLength(1);
});

test('days later, pending card transactions have posted and the ledger still equals the truth', async () => {
  const pendingBefore = (await h.truth('demo-0001')).accounts.flatMap((a) => a.transactions).filter((t) => t.status === 'pending');
  expect(pendingBefore.length).toBeGreaterThan(0);
  h.flow.bank.setDate('2026-12-05');
  const refresh = await h.refreshAndWait('demo-0001');
  expect(refresh.status).toBe('SUCCEEDED');
  expect(refresh.changes.added).toBeGreaterThan(0);
  await expectMatchesTruth(h, 'demo-0001');
  const heldIds = new Set((await h.allTransactions('demo-0001')).map((t) => t.externalId));
  const stillPending = (await h.truth('demo-0001')).accounts.flatMap((a) => a.transactions).filter((t) => t.status === 'pending').map((t) => t.id);
  for (const p of pendingBefore) if (!stillPending.includes(p.id)) expect(heldIds.has(p.id)).toBe(false);
});

test('the daily workflow refreshes every demo user and its history is readable', async () => {
  const executionArn = await h.flow.runDaily();
  expect((await waitForExecution(h.sfn, executionArn, { timeoutMs: 60_000 })).status).toBe('SUCCEEDED');
  const history = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  const types = history.events!.map((e) => e.type);
  expect(types[0]).toBe('ExecutionStarted');
  expect(types.at(-1)).toBe('ExecutionSucceeded');
  const refreshes = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: h.flow.stateMachines.refresh, maxResults: 100 }));
  expect(refreshes.executions!.length).toBeGreaterThanOrEqual(h.flow.demoUsers.length);
  for (const userId of h.flow.demoUsers) await expectMatchesTruth(h, userId);
}, 90_000);

describe('bad requests', () => {
  test('unknown user is a 404', async () => {
    const res = await h.api('POST', '/users/nobody-here/refresh');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
  test('a malformed page size is a 400 naming the field', async () => {
    const res = await h.api('GET', '/users/demo-0001/transactions?limit=abc');
    expect(res).toEqual({ status: 400, body: { error: { code: 'INVALID_REQUEST', field: 'limit', message: expect.stringContaining('limit') } } });
  });
  test('a forged cursor is a 400 naming the field', async () => {
    const res = await h.api('GET', '/users/demo-0001/transactions?cursor=bm9wZQ');
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('cursor');
  });
  test('a body that is not JSON is a 400 naming the body', async () => {
    const res = await h.api('POST', '/users/demo-0001/refresh', '{not json');
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('body');
  });
  test('unknown refresh is a 404', async () => {
    expect((await h.api('GET', '/users/demo-0001/refreshes/ref_missing')).status).toBe(404);
  });
});
