import { readFileSync } from 'node:fs';

/** This process's soft limit on open files, from /proc/self/limits (Linux only). */
export function openFileLimit(): number {
  const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  if (!line) throw new Error('/proc/self/limits has no "Max open files" line');
  return line[1] === 'unlimited' ? Infinity : Number(line[1]);
}

/**
 * Every subscription holds four sockets in this process: the client's, the gateway's end of it,
 * the gateway's request to the subgraph, and the subgraph's end of that.
 */
export function requireOpenFiles(subscribers: number): void {
  const needed = subscribers * 4 + 256;
  const limit = openFileLimit();
  if (limit < needed) {
    throw new Error(`${subscribers} subscribers need about ${needed} open files, but the limit is ${limit}: run \`ulimit -n ${needed}\` first`);
  }
}
