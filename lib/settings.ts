/** Settings shared by the stack's resources (one definition each). */

/**
 * Outbound bank calls: connect and response timeouts bound each request, well inside the Lambda
 * timeout. A whole download may take minutes (many accounts, a slow bank) because it is a callback
 * Task with heartbeats, not one bounded request-response call.
 */
export const BANK_TIMEOUTS = { connectMs: 3_000, responseMs: 20_000, lambdaSeconds: 300 } as const;

/**
 * The Download callback Task (statemachines/refresh.asl.json repeats the two Task values; a CDK
 * test checks they agree): the Lambda beats every heartbeatIntervalSeconds, Step Functions times out
 * an attempt silent for heartbeatSeconds (several missed beats) and retries it.
 */
export const DOWNLOAD_TASK = { heartbeatIntervalSeconds: 5, heartbeatSeconds: 20, timeoutSeconds: 330 } as const;

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
