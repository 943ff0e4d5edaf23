/**
 * ProcessStatement: parses one raw statement from S3 into normalized statements in S3. A statement
 * that does not parse is quarantined with its reason (and counted) instead of failing the refresh.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/aws';
import { bucketName } from '../shared/config';
import { LedgerFlowError } from '../shared/errors';
import { sha256Hex } from '../shared/hash';
import { s3Keys } from '../shared/keys';
import { requireStrings } from '../shared/input';
import { logger } from '../shared/logger';
import { parseStatementFile } from '../shared/statements';
import * as store from '../shared/store';
import { stableStringify } from '../shared/stable-json';

export interface ProcessInput {
  userId: string;
  refreshId: string;
  connectionId: string;
  rawKey: string;
  trigger?: string;
}

export interface ProcessOutput {
  rawKey: string;
  outcome: 'NORMALIZED' | 'QUARANTINED';
  normalizedKeys: string[];
  reason?: { code: string; message: string };
}

/** What post-process reads back: the statement plus where it came from. */
export interface StoredStatement {
  connectionId: string;
  statement: import('../shared/model').NormalizedStatement;
}

export async function handler(event: ProcessInput): Promise<ProcessOutput> {
  const { userId, refreshId, connectionId, rawKey } = requireStrings(event, ['userId', 'refreshId', 'connectionId', 'rawKey'], 'process-statement');
  logger.appendKeys({ userId, refreshId, connectionId, rawKey });
  const object = await s3().send(new GetObjectCommand({ Bucket: bucketName(), Key: rawKey }));
  const bytes = await object.Body!.transformToByteArray();

  let result: ProcessOutput;
  try {
    const parsed = parseStatementFile(bytes, rawKey);
    const normalizedKeys: string[] = [];
    for (const statement of parsed.statements) {
      const body = stableStringify({ connectionId, statement } satisfies StoredStatement);
      // Content-addressed: the same statement downloaded twice is stored once.
      const key = s3Keys.normalized(userId, connectionId, sha256Hex(body).slice(0, 32));
      await s3().send(new PutObjectCommand({ Bucket: bucketName(), Key: key, Body: body, ContentType: 'application/json' }));
      normalizedKeys.push(key);
    }
    result = { rawKey, outcome: 'NORMALIZED', normalizedKeys };
  } catch (error) {
    if (!(error instanceof LedgerFlowError)) throw error;
    const reason = { code: error.code, message: error.message };
    await s3().send(
      new PutObjectCommand({
        Bucket: bucketName(),
        Key: s3Keys.quarantine(rawKey),
        Body: JSON.stringify({ rawKey, userId, connectionId, refreshId, reason, errorType: error.name, body: Buffer.from(bytes).toString('base64') }),
        ContentType: 'application/json',
      }),
    );
    logger.warn('statement quarantined', { reason });
    result = { rawKey, outcome: 'QUARANTINED', normalizedKeys: [], reason };
  }
  await store.markRefreshProgress(userId, refreshId, event.trigger ?? 'api', 'processedStatements', rawKey);
  return result;
}
