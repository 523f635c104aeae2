import type { Server } from 'node:net';

/** Starts listening and resolves with the port (the one chosen, for port 0), or rejects with why not. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}
