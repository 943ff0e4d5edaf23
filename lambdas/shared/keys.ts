/**
 * The single-table design: every item's keys are built here and nowhere else.
 *
 * | item        | pk                   | sk                          | other keys                      |
 * | ----------- | -------------------- | --------------------------- | ------------------------------- |
 * | user        | USER#<userId>        | PROFILE                     | shard, userId (usersByShard GSI) |
 * | connection  | USER#<userId>        | CONN#<connectionId>         |                                 |
 * | account     | USER#<userId>        | ACCT#<accountId>            |                                 |
 * | transaction | USER#<userId>        | TXN#<accountId>#<txnId>     | dateKey (byDate LSI)            |
 * | refresh     | USER#<userId>        | REFRESH#<refreshId>         |                                 |
 * | lease       | USER#<userId>        | LEASE#post-process          | expiresAt (TTL)                 |
 * | institution | INSTITUTIONS         | INST#<institutionId>        |                                 |
 * | circuit     | INST#<institutionId> | CIRCUIT                     |                                 |
 *
 * Access patterns: a user's accounts (begins_with ACCT#), transactions newest first (byDate LSI,
 * begins_with TXN#), one account's transactions (begins_with TXN#<accountId>#), a refresh by id,
 * a user's connections (begins_with CONN#), all users for the daily manifest (usersByShard GSI,
 * one query per shard, no scan), all institutions (one partition), an institution's circuit.
 */

export const USER_SHARDS = 16;

export const userPk = (userId: string) => `USER#${userId}`;
export const PROFILE_SK = 'PROFILE';
export const connectionSk = (connectionId: string) => `CONN#${connectionId}`;
export const accountSk = (accountId: string) => `ACCT#${accountId}`;
export const transactionSk = (accountId: string, txnId: string) => `TXN#${accountId}#${txnId}`;
export const refreshSk = (refreshId: string) => `REFRESH#${refreshId}`;
export const POST_PROCESS_LEASE_SK = 'LEASE#post-process';
export const institutionPk = (institutionId: string) => `INST#${institutionId}`;
export const INSTITUTIONS_PK = 'INSTITUTIONS';
export const institutionSk = (institutionId: string) => `INST#${institutionId}`;
export const CIRCUIT_SK = 'CIRCUIT';

export const PREFIX = { connection: 'CONN#', account: 'ACCT#', transaction: 'TXN#', refresh: 'REFRESH#' } as const;

/** byDate LSI sort key: newest-first listing of a user's transactions. */
export const transactionDateKey = (postedAt: string, txnId: string) => `TXN#${postedAt}#${txnId}`;

/** Spreads users over USER_SHARDS GSI partitions by a stable hash of the id. */
export function userShard(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return `USERS#${h % USER_SHARDS}`;
}

/** S3 layout of the statements bucket. */
export const s3Keys = {
  raw: (userId: string, refreshId: string, connectionId: string, name: string) => `raw/${userId}/${refreshId}/${connectionId}/${name}.ofx`,
  normalizedPrefix: (userId: string) => `normalized/${userId}/`,
  normalized: (userId: string, connectionId: string, contentHash: string) => `normalized/${userId}/${connectionId}/${contentHash}.json`,
  quarantine: (rawKey: string) => `quarantine/${rawKey.replace(/^raw\//, '')}.json`,
  manifest: (runId: string) => `manifests/daily/${runId}.json`,
};
