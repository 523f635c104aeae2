import type { Bus } from './bus.js';
import { InProcessBus } from './in-process-bus.js';
import { RedisBus } from './redis-bus.js';

export const createBus = ({ redisUrl }: { redisUrl: string | null }): Bus =>
  redisUrl ? new RedisBus(redisUrl) : new InProcessBus();
