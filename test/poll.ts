/** Polling in tests. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `get` until it gives a value (anything but undefined or false); throws after timeoutMs. */
export async function until<T>(get: () => T | undefined | false | Promise<T | undefined | false>, { timeoutMs = 5_000, pollMs = 10 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}
