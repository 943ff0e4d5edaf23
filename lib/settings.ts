/** Settings shared by the stack's resources (one definition each). */

/** Outbound bank calls: connect and response timeouts sit well inside the Lambda timeout. */
export const BANK_TIMEOUTS = { connectMs: 3_000, responseMs: 20_000, lambdaSeconds: 60 } as const;

/** The HTTP API's routes; one Lambda serves them all (lambdas/api routes on the same strings). */
export const ROUTES: ReadonlyArray<{ method: 'GET' | 'POST'; path: string }> = [
  { method: 'POST', path: '/users/{userId}/refresh' },
  { method: 'GET', path: '/users/{userId}/refreshes/{refreshId}' },
  { method: 'GET', path: '/users/{userId}/accounts' },
  { method: 'GET', path: '/users/{userId}/transactions' },
  { method: 'GET', path: '/users/{userId}/connections' },
  { method: 'POST', path: '/users/{userId}/connections/{connectionId}/mfa' },
  { method: 'GET', path: '/institutions' },
];
