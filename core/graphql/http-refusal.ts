import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors.js';

/** A GraphQL-shaped JSON body for a request refused before any operation ran. */
export const refusal = (code: ErrorCode, message: string): string => JSON.stringify({ errors: [{ message, extensions: { code } }] });

export function sendJson(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

/** A refused WebSocket upgrade gets a plain HTTP answer on the raw socket: no WebSocket exists yet. */
export function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
