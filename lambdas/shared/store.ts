/**
 * Reads and writes of the LedgerFlow table. Keys come from keys.ts; items carry their own
 * attributes plus pk/sk. Everything here is idempotent: puts of deterministic items, updates that
 * converge, conditional writes where a race matters.
 */
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { dynamo, writeIf } from './aws';
import { tableName } from './config';
import * as k from './keys';
import type { LedgerTransaction } from './ledger/types';
import type { AccountType } from './model';

export type ConnectionStatus = 'OK' | 'PENDING' | 'LOGIN_REQUIRED' | 'LOCKED' | 'MFA_REQUIRED' | 'ERROR';
export type RefreshOutcome = 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'LOGIN_REQUIRED' | 'LOCKED' | 'MFA_REQUIRED' | 'DEFERRED' | 'FAILED';

export interface Credentials {
  username: string;
  password: string;
  /** One-time MFA answer the user gave through the API; used on the next login. */
  mfaCode?: string;
}

export interface Connection {
  userId: string;
  connectionId: string;
  institutionId: string;
  status: ConnectionStatus;
  credentials: Credentials;
  /** Newest statement date merged into the ledger; the next download asks from a little before it. */
  syncedThrough?: string;
  lastError?: { code: string; message: string; at: string };
  updatedAt?: string;
}

export interface Institution {
  institutionId: string;
  name: string;
  /** OFX Direct Connect URL. */
  url: string;
  org: string;
  fid: string;
}

export interface AccountItem {
  userId: string;
  accountId: string;
  connectionId: string;
  institutionId: string;
  type: AccountType;
  mask: string;
  currency: string;
  balances: { current?: string; available?: string; asOf?: string };
  reconciliation: { ok: boolean; mismatches: unknown[] };
  updatedAt: string;
}

/** A ledger transaction (lambdas/shared/ledger) as stored: plus its owner and account. */
export type TransactionItem = LedgerTransaction & { userId: string; accountId: string };

export interface RefreshItem {
  userId: string;
  refreshId: string;
  status: RefreshOutcome;
  trigger: string;
  startedAt: string;
  finishedAt?: string;
  downloadedConnections?: Set<string>;
  processedStatements?: Set<string>;
  summary?: Record<string, unknown>;
  error?: string;
}

type Item = Record<string, NativeAttributeValue>;
const db = () => dynamo();
const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, shard: _s, dateKey: _d, expiresAt: _e, ...rest } = item;
  return rest as T;
};

async function get<T>(pk: string, sk: string): Promise<T | undefined> {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: { pk, sk }, ConsistentRead: true }));
  return strip<T>(out.Item);
}

async function queryAll<T>(pk: string, prefix: string): Promise<T[]> {
  const items: T[] = [];
  let start: Item | undefined;
  do {
    const out = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) items.push(strip<T>(item)!);
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

// Users ------------------------------------------------------------------------------------------

export async function userExists(userId: string): Promise<boolean> {
  return (await get(k.userPk(userId), k.PROFILE_SK)) !== undefined;
}

export async function putUser(userId: string, createdAt: string): Promise<void> {
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: k.userPk(userId), sk: k.PROFILE_SK, shard: k.userShard(userId), userId, createdAt },
    }),
  );
}

/** Every user id, shard by shard through the usersByShard GSI (no table scan). */
export async function* allUserIds(): AsyncGenerator<string> {
  for (let shard = 0; shard < k.USER_SHARDS; shard++) {
    let start: Item | undefined;
    do {
      const out = await db().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'usersByShard',
          KeyConditionExpression: '#shard = :shard',
          ExpressionAttributeNames: { '#shard': 'shard' },
          ExpressionAttributeValues: { ':shard': `USERS#${shard}` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) yield item.userId as string;
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

// Connections and institutions -------------------------------------------------------------------

export const getConnection = (userId: string, connectionId: string) => get<Connection>(k.userPk(userId), k.connectionSk(connectionId));
export const listConnections = (userId: string) => queryAll<Connection>(k.userPk(userId), k.PREFIX.connection);

export async function putConnection(c: Connection): Promise<void> {
  await db().send(new PutCommand({ TableName: tableName(), Item: { pk: k.userPk(c.userId), sk: k.connectionSk(c.connectionId), ...c } }));
}

export async function setConnectionStatus(
  userId: string,
  connectionId: string,
  status: ConnectionStatus,
  lastError?: Connection['lastError'],
  syncedThrough?: string,
): Promise<void> {
  const sets = ['#status = :status', 'updatedAt = :now'];
  const values: Item = { ':status': status, ':now': new Date().toISOString() };
  if (lastError) {
    sets.push('lastError = :err');
    values[':err'] = lastError;
  }
  if (syncedThrough) {
    sets.push('syncedThrough = :synced');
    values[':synced'] = syncedThrough;
  }
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: k.userPk(userId), sk: k.connectionSk(connectionId) },
      UpdateExpression: `SET ${sets.join(', ')}${lastError ? '' : ' REMOVE lastError'}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    }),
  );
}

/** Stores the user's MFA answer for the next login and marks the connection ready to retry. */
export async function setMfaCode(userId: string, connectionId: string, code: string): Promise<void> {
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: k.userPk(userId), sk: k.connectionSk(connectionId) },
      UpdateExpression: 'SET credentials.mfaCode = :code, #status = :pending, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':code': code, ':pending': 'PENDING', ':now': new Date().toISOString() },
    }),
  );
}

/** Forgets a used MFA answer (one-time), unless the user has given a new one since. */
export async function clearMfaCode(userId: string, connectionId: string, usedCode: string): Promise<void> {
  await writeIf(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: k.userPk(userId), sk: k.connectionSk(connectionId) },
      UpdateExpression: 'REMOVE credentials.mfaCode',
      ConditionExpression: 'credentials.mfaCode = :used',
      ExpressionAttributeValues: { ':used': usedCode },
    }),
  );
}

export const getInstitution = (institutionId: string) => get<Institution>(k.INSTITUTIONS_PK, k.institutionSk(institutionId));
export const listInstitutions = () => queryAll<Institution>(k.INSTITUTIONS_PK, 'INST#');

export async function putInstitution(i: Institution): Promise<void> {
  await db().send(new PutCommand({ TableName: tableName(), Item: { pk: k.INSTITUTIONS_PK, sk: k.institutionSk(i.institutionId), ...i } }));
}

// Accounts and transactions ----------------------------------------------------------------------

export const listAccounts = (userId: string) => queryAll<AccountItem>(k.userPk(userId), k.PREFIX.account);

export async function putAccount(a: AccountItem): Promise<void> {
  await db().send(new PutCommand({ TableName: tableName(), Item: { pk: k.userPk(a.userId), sk: k.accountSk(a.accountId), ...a } }));
}

export const listAccountTransactions = (userId: string, accountId: string) =>
  queryAll<TransactionItem>(k.userPk(userId), `${k.PREFIX.transaction}${accountId}#`);

/** Applies a change set: puts are whole deterministic items and deletes are by key, so replaying it is harmless. */
export async function applyTransactionChanges(puts: TransactionItem[], deletes: Array<Pick<TransactionItem, 'userId' | 'accountId' | 'id'>>): Promise<void> {
  const requests = [
    ...puts.map((t) => ({
      PutRequest: { Item: { pk: k.userPk(t.userId), sk: k.transactionSk(t.accountId, t.id), dateKey: k.transactionDateKey(t.postedAt, t.id), ...t } },
    })),
    ...deletes.map((t) => ({ DeleteRequest: { Key: { pk: k.userPk(t.userId), sk: k.transactionSk(t.accountId, t.id) } } })),
  ];
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Record<string, any[]> | undefined = { [tableName()]: requests.slice(i, i + 25) };
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt) * Math.random()));
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed items');
      const out: { UnprocessedItems?: Record<string, any[]> } = await db().send(new BatchWriteCommand({ RequestItems: pending }));
      pending = out.UnprocessedItems;
    }
  }
}

export interface TransactionPage {
  transactions: TransactionItem[];
  next?: Item;
}

/** A user's transactions newest first, through the byDate LSI. */
export async function queryTransactions(userId: string, limit: number, start?: Item, accountId?: string): Promise<TransactionPage> {
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'byDate',
      KeyConditionExpression: 'pk = :pk AND begins_with(dateKey, :prefix)',
      ...(accountId ? { FilterExpression: 'accountId = :account' } : {}),
      ExpressionAttributeValues: { ':pk': k.userPk(userId), ':prefix': 'TXN#', ...(accountId ? { ':account': accountId } : {}) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: start,
    }),
  );
  return { transactions: (out.Items ?? []).map((i) => strip<TransactionItem>(i)!), next: out.LastEvaluatedKey };
}

// Refreshes --------------------------------------------------------------------------------------

const REFRESH_TTL_SECONDS = 90 * 24 * 3600;

/** Creates the refresh record unless it exists; returns false when it already did (a repeated request). */
export async function createRefresh(userId: string, refreshId: string, trigger: string, now: string): Promise<boolean> {
  return writeIf(
    new PutCommand({
      TableName: tableName(),
      Item: {
        pk: k.userPk(userId),
        sk: k.refreshSk(refreshId),
        userId,
        refreshId,
        trigger,
        status: 'RUNNING',
        startedAt: now,
        expiresAt: Math.floor(Date.parse(now) / 1000) + REFRESH_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export const getRefresh = (userId: string, refreshId: string) => get<RefreshItem>(k.userPk(userId), k.refreshSk(refreshId));

/**
 * Updates a refresh record that may not exist yet (a daily refresh has no API call to create it):
 * the identifying attributes are set on first write and kept after.
 */
async function updateRefresh(userId: string, refreshId: string, trigger: string, update: { set: string[]; add?: string; names: Record<string, string>; values: Record<string, unknown> }) {
  const now = new Date().toISOString();
  const set = [...update.set, 'startedAt = if_not_exists(startedAt, :now)', 'userId = :user', 'refreshId = :refresh', '#trigger = if_not_exists(#trigger, :trigger)', 'expiresAt = if_not_exists(expiresAt, :ttl)'];
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: k.userPk(userId), sk: k.refreshSk(refreshId) },
      UpdateExpression: `${update.add ? `ADD ${update.add} ` : ''}SET ${set.join(', ')}`,
      ExpressionAttributeNames: { '#status': 'status', '#trigger': 'trigger', ...update.names },
      ExpressionAttributeValues: {
        ':now': now,
        ':user': userId,
        ':refresh': refreshId,
        ':trigger': trigger,
        ':ttl': Math.floor(Date.now() / 1000) + REFRESH_TTL_SECONDS,
        ...update.values,
      },
    }),
  );
}

/** Progress marks are set members, so a retried step never counts twice. */
export async function markRefreshProgress(
  userId: string,
  refreshId: string,
  trigger: string,
  field: 'downloadedConnections' | 'processedStatements',
  member: string,
): Promise<void> {
  await updateRefresh(userId, refreshId, trigger, {
    add: '#field :member',
    set: ['#status = if_not_exists(#status, :running)'],
    names: { '#field': field },
    values: { ':member': new Set([member]), ':running': 'RUNNING' },
  });
}

export async function finishRefresh(userId: string, refreshId: string, trigger: string, status: RefreshOutcome, summary: Record<string, unknown>): Promise<void> {
  await updateRefresh(userId, refreshId, trigger, {
    set: ['#status = :status', 'summary = :summary', 'finishedAt = :now'],
    names: {},
    values: { ':status': status, ':summary': summary },
  });
}

// The post-process lease: one merge per user at a time --------------------------------------------

/** Takes the user's merge lease (or re-takes its own); false while another refresh holds it. */
export async function acquireLease(userId: string, owner: string, seconds: number): Promise<boolean> {
  const now = Math.floor(Date.now() / 1000);
  return writeIf(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: k.userPk(userId), sk: k.POST_PROCESS_LEASE_SK, owner, expiresAt: now + seconds },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': now, ':owner': owner },
    }),
  );
}

export async function releaseLease(userId: string, owner: string): Promise<void> {
  await writeIf(
    new DeleteCommand({
      TableName: tableName(),
      Key: { pk: k.userPk(userId), sk: k.POST_PROCESS_LEASE_SK },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    }),
  );
}
