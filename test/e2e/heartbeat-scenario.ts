/** The slow-bank setup the heartbeat tests share: every download lasts longer than HeartbeatSeconds. */
import { DOWNLOAD_TASK } from '../../lib/settings';
import { INSTITUTIONS } from '../../local/bank';
import { accountsAt } from '../../local/bank/ledger';
import type { LedgerFlowOptions } from '../../local/ledgerflow';

export const BANK = 'sandbox-bank';
const SEED = 'ledgerflow'; // the sandbox bank's default data seed
/** Equal to the ASL's (test/cdk checks). */
export const HEARTBEAT_MS = DOWNLOAD_TASK.heartbeatSeconds * 1000;
export const BEAT_MS = DOWNLOAD_TASK.heartbeatIntervalSeconds * 1000;

/** OFX requests of one download of a customer at BANK: the account list, then one per account. */
export const requestsPerDownload = (customerId: string) => 1 + accountsAt(SEED, INSTITUTIONS.find((i) => i.id === BANK)!, customerId).length;
export const slowLogin = (customerId: string) => `user_slow+${customerId}`;

/** Each answer of the `slow` scenario takes slowMs, chosen so the customers' downloads outlast HeartbeatSeconds. */
export function slowBank(customerIds: string[]): { slowMs: number; options: LedgerFlowOptions } {
  const slowMs = Math.ceil((HEARTBEAT_MS + 4_000) / Math.min(...customerIds.map(requestsPerDownload)));
  return { slowMs, options: { demoUsers: 0, bank: { date: '2026-12-01', slowMs }, lambdaEnv: { BANK_RESPONSE_TIMEOUT_MS: String(slowMs + 5_000) } } };
}
