/** The slow-bank setup the heartbeat tests share: every download lasts longer than HeartbeatSeconds. */
import { DOWNLOAD_TASK } from '../../lib/settings';
import type { LedgerFlowOptions } from '../../local/ledgerflow';
import { requestsPerDownload } from './harness';

export const BANK = 'sandbox-bank';
/** Equal to the ASL's (test/cdk checks). */
export const HEARTBEAT_MS = DOWNLOAD_TASK.heartbeatSeconds * 1000;
export const BEAT_MS = DOWNLOAD_TASK.heartbeatIntervalSeconds * 1000;

export const slowLogin = (customerId: string) => `user_slow+${customerId}`;

/** Each answer of the `slow` scenario takes slowMs, chosen so the customers' downloads outlast HeartbeatSeconds. */
export function slowBank(customerIds: string[]): { slowMs: number; options: LedgerFlowOptions } {
  const slowMs = Math.ceil((HEARTBEAT_MS + 4_000) / Math.min(...customerIds.map((c) => requestsPerDownload(BANK, c))));
  return { slowMs, options: { demoUsers: 0, bank: { date: '2026-12-01', slowMs }, lambdaEnv: { BANK_RESPONSE_TIMEOUT_MS: String(slowMs + 5_000) } } };
}
