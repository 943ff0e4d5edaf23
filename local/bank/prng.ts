/**
 * Seeded, keyed randomness. Every random choice of the sandbox bank is a pure function of a key
 * (seed, customer, institution, account, day, ...), so the same seed always yields the same history
 * no matter in which order or how often it is generated.
 */
import { createHash } from 'node:crypto';

/** A small PRNG (mulberry32) seeded from a SHA-256 of the key parts. */
export class Rng {
  private state: number;

  constructor(...key: Array<string | number>) {
    this.state = hash32(key.join('\u0000'));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** n decimal digits (leading zeros possible). */
  digits(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += String(this.int(0, 9));
    return out;
  }
}

export function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** Uniform in [0, 1) for one key, without keeping a generator. */
export function unit(...key: Array<string | number>): number {
  return hash32(key.join('\u0000')) / 4294967296;
}
