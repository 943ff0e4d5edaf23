import { createHash } from 'node:crypto';

/** Short, stable identifier from its parts (ids must not change between runs: idempotency depends on it). */
export function stableId(prefix: string, ...parts: string[]): string {
  return prefix + createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
