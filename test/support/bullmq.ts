import { Queue, createNodeRedisClient } from 'bullmq';
import { createClient } from 'redis';

/** Removes a BullMQ queue's keys, so tests leave a shared Redis as they found it. */
export async function obliterate(redisUrl: string, name: string) {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  const queue = new Queue(name, { connection: createNodeRedisClient(client) });
  await queue.obliterate({ force: true });
  await queue.close();
  await client.quit().catch(() => {});
}
