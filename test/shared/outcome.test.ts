import { refreshOutcome, type DownloadResult, type ProcessResult } from '../../lambdas/post-process/outcome';
import type { Connection } from '../../lambdas/shared/store';

const connection = (connectionId: string, status: Connection['status']): Connection => ({
  userId: 'u',
  connectionId,
  institutionId: 'i',
  status,
  credentials: { username: 'x', password: 'y' },
});
const downloaded = (connectionId: string, n = 1): DownloadResult => ({
  connectionId,
  outcome: 'DOWNLOADED',
  statements: Array.from({ length: n }, (_, i) => ({ rawKey: `${connectionId}/${i}` })),
});
const normalized = (rawKey: string): ProcessResult => ({ rawKey, outcome: 'NORMALIZED', normalizedKeys: [`n/${rawKey}`] });

test('everything landed: SUCCEEDED', () => {
  const r = refreshOutcome([downloaded('a', 2), downloaded('b')], ['a/0', 'a/1', 'b/0'].map(normalized), [connection('a', 'OK'), connection('b', 'OK')]);
  expect(r).toEqual({ status: 'SUCCEEDED', connections: { a: 'DOWNLOADED', b: 'DOWNLOADED' }, statements: { total: 3, normalized: 3, quarantined: 0, failed: 0 } });
});

test('a quarantined statement beside good ones: PARTIAL', () => {
  const r = refreshOutcome([downloaded('a', 2)], [normalized('a/0'), { rawKey: 'a/1', outcome: 'QUARANTINED', normalizedKeys: [] }], [connection('a', 'OK')]);
  expect(r.status).toBe('PARTIAL');
  expect(r.statements.quarantined).toBe(1);
});

test('one connection locked, the other landed: PARTIAL naming the locked one', () => {
  const r = refreshOutcome(
    [downloaded('a'), { connectionId: 'b', outcome: 'FAILED', error: 'NeedsUserError', statements: [] }],
    [normalized('a/0')],
    [connection('a', 'OK'), connection('b', 'LOCKED')],
  );
  expect(r.status).toBe('PARTIAL');
  expect(r.connections).toEqual({ a: 'DOWNLOADED', b: 'LOCKED' });
});

test('nothing landed because the user must act: the connection status', () => {
  const r = refreshOutcome([{ connectionId: 'b', outcome: 'FAILED', error: 'NeedsUserError', statements: [] }], [], [connection('b', 'MFA_REQUIRED')]);
  expect(r.status).toBe('MFA_REQUIRED');
});

test('every institution circuit open: DEFERRED; transient failures everywhere: FAILED', () => {
  expect(refreshOutcome([{ connectionId: 'a', outcome: 'DEFERRED', statements: [] }], [], [connection('a', 'OK')]).status).toBe('DEFERRED');
  const failed = refreshOutcome([{ connectionId: 'a', outcome: 'FAILED', error: 'TransientError', statements: [] }], [], [connection('a', 'OK')]);
  expect(failed).toMatchObject({ status: 'FAILED', connections: { a: 'FAILED:TransientError' } });
});
