import { assertRedisServerInstalled } from './redis-server.js';

/** Fails the whole run with one line when redis-server is missing. */
export default function setup(): void {
  assertRedisServerInstalled();
}
