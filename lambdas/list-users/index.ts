/**
 * ListUsers: writes the daily manifest (one refresh input per user) to S3 for the Distributed Map.
 * Connections waiting for their user (bad password, locked, MFA) are skipped until the user acts;
 * connections of an institution whose circuit is open (still cooling down) are deferred, not failed;
 * once the cooldown is over they are listed again so their downloads probe the institution.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/aws';
import { isCoolingDown, readCircuit } from '../shared/circuit';
import { bucketName } from '../shared/config';
import { stableId } from '../shared/hash';
import { s3Keys } from '../shared/keys';
import { requireStrings } from '../shared/input';
import { logger } from '../shared/logger';
import * as store from '../shared/store';

export interface ListUsersInput {
  runId: string;
  startedAt?: string;
}

export interface ManifestItem {
  userId: string;
  refreshId: string;
  trigger: 'daily';
  connections: Array<{ connectionId: string }>;
}

const WAITING_FOR_USER = new Set(['LOGIN_REQUIRED', 'LOCKED', 'MFA_REQUIRED']);

export async function handler(event: ListUsersInput) {
  requireStrings(event, ['runId'], 'list-users');
  const circuitOpen = new Map<string, boolean>();
  const isOpen = async (institutionId: string) => {
    if (!circuitOpen.has(institutionId)) circuitOpen.set(institutionId, isCoolingDown(await readCircuit(institutionId)));
    return circuitOpen.get(institutionId)!;
  };

  const items: ManifestItem[] = [];
  const skipped = { waitingForUser: 0, deferred: 0, noConnections: 0 };
  for await (const userId of store.allUserIds()) {
    const connections: Array<{ connectionId: string }> = [];
    for (const c of await store.listConnections(userId)) {
      if (WAITING_FOR_USER.has(c.status)) skipped.waitingForUser++;
      else if (await isOpen(c.institutionId)) skipped.deferred++;
      else connections.push({ connectionId: c.connectionId });
    }
    if (connections.length === 0) {
      skipped.noConnections++;
      continue;
    }
    items.push({ userId, refreshId: stableId('ref_', event.runId, userId), trigger: 'daily', connections });
  }
  const key = s3Keys.manifest(event.runId);
  await s3().send(new PutObjectCommand({ Bucket: bucketName(), Key: key, Body: JSON.stringify(items), ContentType: 'application/json' }));
  logger.info('daily manifest written', { key, count: items.length, skipped });
  return { bucket: bucketName(), key, count: items.length, skipped };
}
