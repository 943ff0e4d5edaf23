/**
 * Download: logs in to one connection's institution over OFX Direct Connect and stores each
 * account's raw statement in S3. Returns the S3 keys (never bodies) for the Map that follows.
 *
 * Errors follow lambdas/shared/errors.ts: TransientError is recorded on the connection (status
 * ERROR) and thrown for the workflow to retry with backoff; NeedsUserError is recorded on the
 * connection and thrown (no retry); an open circuit returns DEFERRED without calling the bank.
 * A short HTTP 429 Retry-After is waited out per request inside the OFX client.
 *
 * The workflow runs it as a callback Task (.waitForTaskToken) with HeartbeatSeconds: a download can
 * run long (many accounts, a slow bank), so it reports heartbeats while it works and its result
 * through the task token (lambdas/shared/callback-task.ts); a download Step Functions has given up on
 * is aborted, so it stops calling the bank.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/aws';
import { callbackTask } from '../shared/callback-task';
import { awaitAdmission, recordFailure, recordSuccess } from '../shared/circuit';
import { bucketName, envNumber } from '../shared/config';
import { InstitutionError, NeedsUserError, TransientError } from '../shared/errors';
import { stableId } from '../shared/hash';
import { s3Keys } from '../shared/keys';
import { requireStrings } from '../shared/input';
import { logger } from '../shared/logger';
import { fetchStatements } from '../shared/ofx-client';
import * as store from '../shared/store';

export interface DownloadInput {
  userId: string;
  refreshId: string;
  trigger: string;
  connectionId: string;
}

export interface DownloadOutput {
  connectionId: string;
  outcome: 'DOWNLOADED' | 'DEFERRED';
  statements: Array<{ rawKey: string }>;
}

/** Overlap with what is already merged, so late-posting transactions are never missed. */
const OVERLAP_DAYS = 10;

export const handler = callbackTask(download);

async function download(event: DownloadInput, signal: AbortSignal): Promise<DownloadOutput> {
  const { userId, refreshId, trigger, connectionId } = requireInput(event);
  logger.appendKeys({ userId, refreshId, connectionId });
  const connection = await store.getConnection(userId, connectionId);
  if (!connection) throw new Error(`connection ${connectionId} of user ${userId} does not exist`);
  const institution = await store.getInstitution(connection.institutionId);
  if (!institution) throw new Error(`institution ${connection.institutionId} is not configured`);
  const institutionId = institution.institutionId;

  const admission = await awaitAdmission(institutionId);
  if (admission === 'reject') {
    logger.warn('circuit open: deferring without calling the bank', { institutionId });
    return { connectionId, outcome: 'DEFERRED', statements: [] };
  }
  if (admission === 'wait') {
    // Another download's probe has not reported yet: not a failure of the bank, try again later.
    throw new TransientError('CIRCUIT_OPEN', `${connectionId}: the circuit of ${institutionId} is probing; try again`);
  }

  const since = connection.syncedThrough ? new Date(Date.parse(connection.syncedThrough) - OVERLAP_DAYS * 86_400_000).toISOString() : undefined;
  const mfaCode = connection.credentials.mfaCode;
  const request = {
    url: institution.url,
    org: institution.org,
    fid: institution.fid,
    username: connection.credentials.username,
    password: connection.credentials.password,
    mfaCode,
    since,
    signal,
    timeouts: { connectMs: envNumber('BANK_CONNECT_TIMEOUT_MS', 3000), responseMs: envNumber('BANK_RESPONSE_TIMEOUT_MS', 20000) },
  };

  let statements: Awaited<ReturnType<typeof fetchStatements>>;
  try {
    statements = await fetchStatements(request);
  } catch (error) {
    if (error instanceof NeedsUserError) {
      await recordSuccess(institutionId); // the bank answered; it is the login that failed
      if (mfaCode !== undefined) await store.clearMfaCode(userId, connectionId, mfaCode); // a refused answer is spent too
      const status = error.code === 'INVALID_CREDENTIALS' ? 'LOGIN_REQUIRED' : error.code;
      await store.setConnectionStatus(userId, connectionId, status, { code: error.code, message: error.message, at: new Date().toISOString() });
      logger.warn('login needs the user', { code: error.code });
      throw forConnection(error, connectionId);
    }
    const transient = error instanceof TransientError ? error : error instanceof InstitutionError ? new TransientError('INSTITUTION_ERROR', error.message) : undefined;
    if (!transient) throw error;
    const state = await recordFailure(institutionId);
    // Shown on the connection until a download succeeds (post-process sets it OK again).
    await store.setConnectionStatus(userId, connectionId, 'ERROR', { code: transient.code, message: transient.message, at: new Date().toISOString() });
    logger.warn('institution failed', { code: transient.code, circuit: state });
    throw forConnection(transient, connectionId);
  }
  signal.throwIfAborted();
  await recordSuccess(institutionId);
  // MFA answers are one-time: the login it opened is done with it.
  if (mfaCode !== undefined) await store.clearMfaCode(userId, connectionId, mfaCode);

  const keys: Array<{ rawKey: string }> = [];
  for (const { account, body } of statements) {
    // Deterministic key: a retried download overwrites its own objects instead of adding new ones.
    const rawKey = s3Keys.raw(userId, refreshId, connectionId, stableId('stmt_', account.type, account.id));
    await s3().send(new PutObjectCommand({ Bucket: bucketName(), Key: rawKey, Body: body, ContentType: 'application/x-ofx' }));
    keys.push({ rawKey });
  }
  await store.markRefreshProgress(userId, refreshId, trigger, 'downloadedConnections', connectionId);
  logger.info('downloaded', { statements: keys.length });
  return { connectionId, outcome: 'DOWNLOADED', statements: keys };
}

/** The workflow history (a Map of connections) then shows which connection an error belongs to. */
function forConnection<E extends Error>(error: E, connectionId: string): E {
  error.message = `${connectionId}: ${error.message}`;
  return error;
}

function requireInput(event: DownloadInput): DownloadInput {
  requireStrings(event, ['userId', 'refreshId', 'connectionId'], 'download');
  return { ...event, trigger: event.trigger ?? 'api' };
}
