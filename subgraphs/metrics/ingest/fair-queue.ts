import type { GraphitePoint } from './graphite-line.js';

/** One sender's unwritten points, and how to hold it back (pause its socket) or let it go on. */
export interface Sender {
  pending: GraphitePoint[];
  pause(): void;
  resume(): void;
  paused: boolean;
}

/**
 * Points waiting to be written, per sender. A batch takes from every sender in turn, an equal
 * share each, so one sender's flood never delays the others' points by more than a batch; a
 * sender with `limit` points waiting is paused — TCP backpressure then slows that sender alone —
 * and let go on once half of them are written.
 */
export class FairQueue {
  private readonly senders = new Set<Sender>();
  private total = 0;

  constructor(
    private readonly limit: number,
    private readonly onChange: (pending: number, paused: number) => void = () => {},
  ) {}

  get size() {
    return this.total;
  }

  add(sender: Sender, point: GraphitePoint) {
    this.senders.add(sender);
    sender.pending.push(point);
    this.total++;
    if (!sender.paused && sender.pending.length >= this.limit) {
      sender.paused = true;
      sender.pause();
      this.changed();
    }
  }

  /** Forgets a sender that hung up; its waiting points stay queued. */
  remove(sender: Sender) {
    if (sender.pending.length === 0) this.senders.delete(sender);
  }

  /** Up to `max` points, an equal share from each sender in turn. */
  take(max: number): GraphitePoint[] {
    const batch: GraphitePoint[] = [];
    while (batch.length < max && this.total > 0) {
      const active = [...this.senders].filter((sender) => sender.pending.length > 0);
      const share = Math.max(1, Math.floor((max - batch.length) / active.length));
      for (const sender of active) {
        const taken = sender.pending.splice(0, Math.min(share, max - batch.length));
        for (const point of taken) batch.push(point);
        this.total -= taken.length;
        if (batch.length >= max) break;
      }
    }
    for (const sender of this.senders) {
      if (sender.paused && sender.pending.length <= this.limit / 2) {
        sender.paused = false;
        sender.resume();
      }
      if (sender.pending.length === 0 && !sender.paused) this.senders.delete(sender);
    }
    this.changed();
    return batch;
  }

  private changed() {
    let paused = 0;
    for (const sender of this.senders) if (sender.paused) paused++;
    this.onChange(this.total, paused);
  }
}
