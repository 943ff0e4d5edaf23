/**
 * Bank-wide fault injection, seeded: the fault (if any) of the k-th OFX call since the chaos
 * config was set is a pure function of (chaos seed, k), so a run with the same seed and the same
 * sequence of calls injects the same faults.
 */
import { unit } from './prng';

export interface ChaosRates {
  /** Answer HTTP 500/502/503. */
  error5xx?: number;
  /** Destroy the connection without answering. */
  reset?: number;
  /** Wait stallMs before answering. */
  stall?: number;
  /** Announce the full Content-Length, send part of the body, then cut the connection. */
  truncate?: number;
}

export interface ChaosConfig {
  seed: string;
  rates: ChaosRates;
  /** Stall duration; default 5 s, at most 60 s. */
  stallMs?: number;
}

export type Fault = 'error5xx' | 'reset' | 'stall' | 'truncate';
export const FAULTS: readonly Fault[] = ['error5xx', 'reset', 'stall', 'truncate'];

export function validateChaos(config: ChaosConfig): ChaosConfig {
  let total = 0;
  for (const f of FAULTS) {
    const r = config.rates[f] ?? 0;
    if (!(r >= 0 && r <= 1)) throw new Error(`chaos rate ${f} must be within [0, 1]`);
    total += r;
  }
  if (total > 1) throw new Error('chaos rates add up to more than 1');
  return config;
}

/** The fault for call number `k` (0-based), or null. */
export function faultFor(config: ChaosConfig, k: number): Fault | null {
  const u = unit(config.seed, 'chaos', k);
  let edge = 0;
  for (const f of FAULTS) {
    edge += config.rates[f] ?? 0;
    if (u < edge) return f;
  }
  return null;
}
