import { connect } from 'node:net';
import { Transient } from '../../plugin-errors.js';

export interface DnsServerAddress {
  host: string;
  port: number;
  /** How long one exchange (connect, send, answer) may take. */
  timeoutMs: number;
}

/**
 * Sends one DNS message over TCP (RFC 1035 §4.2.2: each message behind its two-byte length) and
 * resolves with the answer. TCP rather than UDP: updates with several SSHFP and TXT records outgrow
 * a UDP datagram, and an update must not be resent blindly after a lost datagram.
 * Anything that keeps the answer from arriving is Transient.
 */
export function exchangeOverTcp(server: DnsServerAddress, message: Buffer): Promise<Buffer> {
  const peer = `${server.host}:${server.port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () => settle(() => reject(new Transient(`the DNS server ${peer} did not answer within ${server.timeoutMs} ms`))),
      server.timeoutMs,
    );
    socket.once('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      // No half-close after writing: some servers drop a half-closed connection before answering.
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const answer = received.subarray(2, 2 + received.readUInt16BE(0));
        settle(() => resolve(answer));
      }
    });
    socket.once('error', (error) =>
      settle(() => reject(new Transient(`the DNS server ${peer} cannot be reached: ${error.message}`, { cause: error }))),
    );
    socket.once('close', () => settle(() => reject(new Transient(`the DNS server ${peer} closed the connection without answering`))));
  });
}
