import { connect, type Socket } from 'node:net';

export interface SenderResult {
  offered: number;
  written: number;
  /** Points the sender gave up on because its socket was full (TCP backpressure): a sender's own loss. */
  dropped: number;
}

/**
 * One agent sending Graphite plaintext at a steady rate, the way collectd does with a bounded
 * write queue: every tick it writes its share; while the socket is backed up (write returned false,
 * no 'drain' yet) the tick's points are dropped and counted, not queued without end.
 */
export class GraphiteSender {
  private socket!: Socket;
  private blocked = false;
  private sequence = 0;

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly series: string[],
  ) {}

  async connect() {
    this.socket = connect({ port: this.port, host: '127.0.0.1' });
    this.socket.on('drain', () => (this.blocked = false));
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  /** Sends `rate` points per second for `seconds`, in 50 ms ticks. */
  async send(rate: number, seconds: number, base: number): Promise<SenderResult> {
    const tickMs = 50;
    const ticks = Math.round((seconds * 1000) / tickMs);
    const perTick = rate / (1000 / tickMs);
    const result: SenderResult = { offered: 0, written: 0, dropped: 0 };
    let carry = 0;
    const started = performance.now();
    for (let tick = 0; tick < ticks; tick++) {
      carry += perTick;
      const count = Math.floor(carry);
      carry -= count;
      result.offered += count;
      if (this.blocked) result.dropped += count;
      else {
        let lines = '';
        for (let i = 0; i < count; i++) {
          const n = this.sequence++;
          // A distinct millisecond per point of a series, so no point replaces another.
          lines += `${this.host}.${this.series[n % this.series.length]} ${n % 100} ${((base + Math.floor(n / this.series.length)) / 1000).toFixed(3)}\n`;
        }
        if (!this.socket.write(lines)) this.blocked = true;
        result.written += count;
      }
      const wait = started + (tick + 1) * tickMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return result;
  }

  /** Writes lines as they come, waiting whenever the socket is backed up: a sender catching up, losing nothing. */
  async writeAll(lines: string[]): Promise<void> {
    if (!this.socket.write(lines.join('\n') + '\n')) await new Promise((resolve) => this.socket.once('drain', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.end(() => resolve());
      this.socket.once('error', () => resolve());
    });
  }
}
