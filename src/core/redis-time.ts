import type { QueueHandle } from './handle.js';

/**
 * The Redis server's clock in epoch ms. Every decision about time is made on it, so a host
 * whose own clock is off (by seconds or hours) behaves like one whose clock is right.
 */
export async function redisTime(handle: Pick<QueueHandle, 'call'>): Promise<number> {
  const [seconds, micros] = await handle.call((r) => r.time());
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
