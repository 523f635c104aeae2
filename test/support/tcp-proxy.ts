import { connect, createServer, type Socket } from 'node:net';
import { listen } from '../../core/net/listen.js';
import { freePort } from './free-port.js';

export interface TcpProxy {
  /** The proxy's address, as `http://127.0.0.1:<port>` plus whatever path the target's URL had. */
  url: string;
  /** The network drops: every connection through the proxy is reset, and new ones are refused until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay to a server on loopback that a test can cut, as a network that drops would: the
 * peers see their connections reset, not closed politely. (A browser's "offline" emulation leaves
 * streams it already has open untouched.)
 */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return void client.resetAndDestroy();
    const upstream = connect(Number(target.port), target.hostname);
    const pair = [client, upstream];
    for (const socket of pair) {
      sockets.add(socket);
      socket.on('error', () => {}).on('close', () => {
        sockets.delete(socket);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await listen(server, await freePort(), '127.0.0.1');
  const url = new URL(targetUrl);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.href,
    cut() {
      refusing = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      refusing = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
