/**
 * Folds the Go shim's double write. The shim logs each record through its syslog hook
 * (journal identifier `kata`, the shim's pid) and to stderr, which containerd (or CRI-O)
 * copies to its own stdout (identifier `containerd`, containerd's pid), with the same
 * text. An entry is a twin when an earlier, not yet paired entry of ANOTHER identifier of
 * the configured set has the same MESSAGE and lies within `window` of it in journal time.
 * Pairing is one to one, so a record the shim really logged twice stays twice, and the
 * same text from the same identifier is never folded.
 */
export interface DedupeOptions {
  identifiers: readonly string[];
  windowMicros: number;
  maxEntries: number;
}

interface Seen {
  identifier: string;
  micros: number;
  paired: boolean;
}

export class TwinSuppressor {
  private readonly identifiers: Set<string>;
  private readonly byMessage = new Map<string, Seen[]>();
  /** Arrival order, for expiry. */
  private readonly order: Array<{ message: string; seen: Seen }> = [];
  private head = 0;

  constructor(private readonly opts: DedupeOptions) {
    this.identifiers = new Set(opts.identifiers);
  }

  /** Whether entries of this identifier take part. */
  covers(identifier: string): boolean {
    return this.identifiers.has(identifier);
  }

  /**
   * True when the entry is the twin of one already seen (drop it); otherwise it is
   * remembered as a candidate for a later twin and false is returned.
   */
  isTwin(identifier: string, message: string, micros: number): boolean {
    this.expire(micros);
    const list = this.byMessage.get(message);
    if (list !== undefined) {
      for (const s of list) {
        if (!s.paired && s.identifier !== identifier && Math.abs(micros - s.micros) <= this.opts.windowMicros) {
          s.paired = true;
          return true;
        }
      }
    }
    const seen: Seen = { identifier, micros, paired: false };
    if (list === undefined) this.byMessage.set(message, [seen]);
    else list.push(seen);
    this.order.push({ message, seen });
    return false;
  }

  get size(): number {
    return this.order.length - this.head;
  }

  private expire(now: number): void {
    while (this.head < this.order.length) {
      const o = this.order[this.head]!;
      if (this.size <= this.opts.maxEntries && o.seen.micros >= now - this.opts.windowMicros) break;
      this.head++;
      const list = this.byMessage.get(o.message);
      if (list !== undefined) {
        const i = list.indexOf(o.seen);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.byMessage.delete(o.message);
      }
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
