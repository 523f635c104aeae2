import { createServer } from 'node:net';

/**
 * A port nobody listens on now, for a server a test starts soon after. Asking the kernel for port 0
 * raced: the port is free again once the probe closes, and a test in another worker could be handed
 * the same one before the first bound it. So each vitest worker takes ports from a block of its own,
 * below the kernel's ephemeral range (32768–60999), and skips any a server already holds.
 */
const BLOCK = 1000;
const FIRST = 10_000;
const BLOCKS = 22; // 10000–31999
const poolId = Number(process.env.VITEST_POOL_ID ?? 0);
let next = 0;

const probe = (port: number) =>
  new Promise<number | null>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });

export async function freePort(): Promise<number> {
  // Outside vitest (benchmarks) there is no other worker to race with.
  if (!poolId) return (await probe(0))!;
  const base = FIRST + ((poolId - 1) % BLOCKS) * BLOCK;
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = base + (next++ % BLOCK);
    if ((await probe(port)) !== null) return port;
  }
  throw new Error(`no free port left in ${base}–${base + BLOCK - 1}`);
}
