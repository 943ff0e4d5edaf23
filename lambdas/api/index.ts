/**
 * The HTTP API. One function serves every route of lib/settings.ts ROUTES (a CDK test checks the
 * two lists agree). Amounts are decimal strings; full account numbers and credentials never leave.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { stepFunctions } from '../shared/aws';
import { readCircuit } from '../shared/circuit';
import { env } from '../shared/config';
import { stableId } from '../shared/hash';
import { logger } from '../shared/logger';
import * as store from '../shared/store';
import { badRequest, errorResponse, HttpError, json, notFound, parseJsonBody, pathId } from './http';

type Route = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

/** Longer than the refresh workflow's TimeoutSeconds (statemachines/refresh.asl.json; a CDK test checks). */
export const REFRESH_DEADLINE_MS = 20 * 60 * 1000;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;

export const routes: Record<string, Route> = {
  'POST /users/{userId}/refresh': async (event) => {
    const userId = await existingUser(event);
    const body = parseJsonBody(event.body, event.isBase64Encoded);
    if (body.connectionIds !== undefined && !(Array.isArray(body.connectionIds) && body.connectionIds.every((c) => typeof c === 'string'))) {
      throw badRequest('connectionIds', 'connectionIds must be an array of connection ids');
    }
    const idempotencyKey = event.headers?.['idempotency-key'];
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(idempotencyKey)) throw badRequest('Idempotency-Key', 'Idempotency-Key must be 1-128 visible ASCII characters');
    const refreshId = await startRefresh(userId, 'api', idempotencyKey, body.connectionIds as string[] | undefined);
    return json(202, { refreshId });
  },

  'GET /users/{userId}/refreshes/{refreshId}': async (event) => {
    const userId = await existingUser(event);
    const refresh = await store.getRefresh(userId, pathId(event.pathParameters, 'refreshId'));
    if (!refresh) throw notFound('refresh');
    if (refresh.status === 'RUNNING' && Date.now() - Date.parse(refresh.startedAt) > REFRESH_DEADLINE_MS) {
      // Its workflow has timed out or its process died without recording an end: it is over.
      await store.finishRefresh(userId, refresh.refreshId, refresh.trigger, 'FAILED', { outcome: 'FAILED', error: 'States.Timeout' });
      refresh.status = 'FAILED';
      refresh.error = 'States.Timeout';
    }
    const summary = refresh.summary as Record<string, any> | undefined;
    return json(200, {
      refreshId: refresh.refreshId,
      status: refresh.status,
      trigger: refresh.trigger,
      startedAt: refresh.startedAt,
      finishedAt: refresh.finishedAt,
      steps: {
        download: { done: refresh.downloadedConnections?.size ?? 0 },
        processStatements: { done: refresh.processedStatements?.size ?? 0 },
        postProcess: { done: refresh.finishedAt !== undefined && refresh.status !== 'FAILED' },
      },
      ...(summary ? { connections: summary.connections, statements: summary.statements, changes: summary.changes } : {}),
      ...(refresh.error ? { error: refresh.error } : {}),
    });
  },

  'GET /users/{userId}/accounts': async (event) => {
    const userId = await existingUser(event);
    const accounts = await store.listAccounts(userId);
    return json(200, {
      accounts: accounts.map((a) => ({
        id: a.accountId,
        connectionId: a.connectionId,
        institutionId: a.institutionId,
        type: a.type,
        mask: a.mask,
        currency: a.currency,
        balances: { current: a.balances.current ?? null, available: a.balances.available ?? null, asOf: a.balances.asOf ?? null },
        reconciled: a.reconciliation.ok,
      })),
    });
  },

  'GET /users/{userId}/transactions': async (event) => {
    const userId = await existingUser(event);
    const q = event.queryStringParameters ?? {};
    const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badRequest('limit', `limit must be an integer from 1 to ${MAX_PAGE}`);
    const accountId = q.accountId === undefined ? undefined : pathId(q, 'accountId');
    const page = await store.queryTransactions(userId, limit, decodeCursor(q.cursor, userId), accountId);
    return json(200, {
      transactions: page.transactions.map((t) => ({
        id: t.id,
        accountId: t.accountId,
        externalId: t.externalId ?? null,
        amount: t.amount,
        postedAt: t.postedAt,
        status: t.status,
        description: t.description ?? null,
        ...(t.memo ? { memo: t.memo } : {}),
        ...(t.pendingId ? { pendingTransactionId: t.pendingId } : {}),
      })),
      nextCursor: page.next ? Buffer.from(JSON.stringify(page.next)).toString('base64url') : null,
    });
  },

  'GET /users/{userId}/connections': async (event) => {
    const userId = await existingUser(event);
    const connections = await store.listConnections(userId);
    return json(200, {
      connections: connections.map((c) => ({
        id: c.connectionId,
        institutionId: c.institutionId,
        status: c.status,
        syncedThrough: c.syncedThrough ?? null,
        ...(c.lastError ? { lastError: c.lastError } : {}),
      })),
    });
  },

  'POST /users/{userId}/connections/{connectionId}/mfa': async (event) => {
    const userId = await existingUser(event);
    const connectionId = pathId(event.pathParameters, 'connectionId');
    const body = parseJsonBody(event.body, event.isBase64Encoded);
    if (typeof body.code !== 'string' || !/^[0-9A-Za-z]{1,32}$/.test(body.code)) throw badRequest('code', 'code must be the 1-32 character answer to the MFA challenge');
    if (!(await store.getConnection(userId, connectionId))) throw notFound('connection');
    await store.setMfaCode(userId, connectionId, body.code);
    const refreshId = await startRefresh(userId, 'mfa', undefined, [connectionId]);
    return json(202, { refreshId });
  },

  'GET /institutions': async () => {
    const institutions = await store.listInstitutions();
    const withCircuits = await Promise.all(
      institutions.map(async (i) => {
        const c = await readCircuit(i.institutionId);
        return { id: i.institutionId, name: i.name, circuit: { state: c.state, openedAt: c.openedAt ? new Date(c.openedAt).toISOString() : null, openings: c.openings } };
      }),
    );
    return json(200, { institutions: withCircuits });
  },
};

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const route = routes[event.routeKey];
  try {
    if (!route) throw new HttpError(404, 'NOT_FOUND', `no route ${event.routeKey}`);
    return await route(event);
  } catch (e) {
    if (e instanceof HttpError) return errorResponse(e);
    logger.error('request failed', { routeKey: event.routeKey, error: e as Error });
    return json(500, { error: { code: 'INTERNAL', message: 'internal error' } });
  }
}

async function existingUser(event: APIGatewayProxyEventV2): Promise<string> {
  const userId = pathId(event.pathParameters, 'userId');
  if (!(await store.userExists(userId))) throw notFound('user');
  return userId;
}

/** Creates the refresh record, then starts the workflow named after it (a repeated start is a no-op). */
async function startRefresh(userId: string, trigger: string, idempotencyKey: string | undefined, only?: string[]): Promise<string> {
  const refreshId = idempotencyKey ? stableId('ref_', userId, idempotencyKey) : newRefreshId();
  const connections = (await store.listConnections(userId)).filter((c) => !only || only.includes(c.connectionId));
  if (only && connections.length !== only.length) throw badRequest('connectionIds', 'connectionIds names a connection this user does not have');
  const created = await store.createRefresh(userId, refreshId, trigger, new Date().toISOString());
  if (!created) return refreshId;
  await stepFunctions().send(
    new StartExecutionCommand({
      stateMachineArn: env('REFRESH_STATE_MACHINE_ARN'),
      name: refreshId,
      input: JSON.stringify({ userId, refreshId, trigger, connections: connections.map((c) => ({ connectionId: c.connectionId })) }),
    }),
  );
  logger.info('refresh started', { userId, refreshId, trigger });
  return refreshId;
}

/** Time-ordered and unique: base-36 milliseconds plus randomness. */
function newRefreshId(): string {
  return `ref_${Date.now().toString(36)}${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

function decodeCursor(cursor: string | undefined, userId: string): Record<string, any> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key && typeof key === 'object' && key.pk === `USER#${userId}` && typeof key.sk === 'string' && typeof key.dateKey === 'string') return key;
  } catch {
    /* fall through */
  }
  throw badRequest('cursor', 'cursor is not a nextCursor this API returned for this user');
}
