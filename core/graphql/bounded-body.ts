import type { IncomingMessage } from 'node:http';

/**
 * The body of a request, or null as soon as it grows past `limit` bytes (whether or not it
 * declared its length), so a hostile caller costs at most `limit` bytes of memory.
 *
 * A refused body is still read and thrown away, up to `drainLimit` bytes, so the caller can finish
 * sending and read the refusal: closing the socket mid-upload makes most clients report a reset
 * connection instead of the 413. Past `drainLimit`, the connection is cut.
 */
export function readBoundedBody(request: IncomingMessage, limit: number, drainLimit = Math.max(16 * limit, 4 * 1024 * 1024)): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      resolve(null);
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) refuse();
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > drainLimit) request.socket.destroy();
        return;
      }
      if (size > limit) return refuse();
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (!refused) resolve(Buffer.concat(chunks, size));
    });
    request.once('error', (error) => (refused ? undefined : reject(error)));
  });
}
