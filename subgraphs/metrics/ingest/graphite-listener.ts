import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../../core/logger.js';
import { listen } from '../../../core/net/listen.js';
import type { FairQueue, Sender } from './fair-queue.js';
import { parseGraphiteLine } from './graphite-line.js';
import { ingestMetrics } from './ingest-metrics.js';

export interface GraphiteListenerOptions {
  host: string;
  port: number;
  prefixDepth: number;
  queue: FairQueue;
  logger: Logger;
  /** Called when points were queued, so the writer can start a batch early. */
  onPoints(): void;
}

/** carbon refuses longer lines too; a sender that never sends a newline must not grow our memory. */
const MAX_LINE = 4096;

/**
 * The Graphite plaintext protocol over TCP, as collectd's write_graphite, statsd and most agents
 * send it: one point per line. A bad line is counted and skipped, never the end of the connection;
 * a socket error ends that connection only.
 */
export async function startGraphiteListener(options: GraphiteListenerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const { queue, prefixDepth, logger } = options;
  const log = logger.child({ component: 'graphite-listener' });
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    ingestMetrics.connections.inc();
    const sender: Sender = { pending: [], paused: false, pause: () => socket.pause(), resume: () => socket.resume() };
    let rest = '';
    let malformedLogged = false;
    const malformed = (reason: string, line: string) => {
      ingestMetrics.lines.inc({ outcome: 'malformed' });
      // One line per connection is enough to find the sender; a flood of them is only counted.
      if (!malformedLogged) log.warn({ remote: socket.remoteAddress, reason, line: line.slice(0, 200) }, 'malformed Graphite line skipped');
      malformedLogged = true;
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      if (rest.length > MAX_LINE) {
        malformed(`a line longer than ${MAX_LINE} characters`, rest);
        rest = '';
      }
      let queued = 0;
      for (const line of lines) {
        if (line.trim() === '') continue;
        const point = parseGraphiteLine(line, prefixDepth);
        if (typeof point === 'string') malformed(point, line);
        else {
          queue.add(sender, point);
          queued++;
        }
      }
      if (queued > 0) {
        ingestMetrics.lines.inc({ outcome: 'accepted' }, queued);
        options.onPoints();
      }
    });
    socket.on('end', () => {
      if (rest.trim() !== '') {
        const point = parseGraphiteLine(rest, prefixDepth);
        if (typeof point === 'string') malformed(point, rest);
        else {
          queue.add(sender, point);
          ingestMetrics.lines.inc({ outcome: 'accepted' });
          options.onPoints();
        }
      }
      rest = '';
      socket.end();
    });
    socket.on('error', (error) => log.debug({ err: error, remote: socket.remoteAddress }, 'Graphite connection failed'));
    socket.on('close', () => {
      sockets.delete(socket);
      ingestMetrics.connections.dec();
      queue.remove(sender);
    });
  });

  const port = await listen(server, options.port, options.host);
  log.info({ host: options.host, port }, 'listening for Graphite plaintext');
  return {
    port,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
