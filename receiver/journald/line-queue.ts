/**
 * Lines of a child's stdout, pulled one at a time with a timeout, with backpressure: when
 * `highWater` lines wait unread, the stream is paused (journalctl then blocks on its
 * pipe) until the reader has taken them down to `lowWater`.
 */
import type { Readable } from 'node:stream';

export const EOF = Symbol('eof');
export const TIMEOUT = Symbol('timeout');

export class LineQueue {
  private readonly lines: string[] = [];
  private head = 0;
  private carry: Buffer[] = [];
  private carryLength = 0;
  private skipping = false;
  private ended = false;
  private paused = false;
  private wake: (() => void) | undefined;
  /** Lines longer than maxLine, dropped. */
  oversized = 0;

  constructor(
    private readonly stream: Readable,
    private readonly maxLine: number,
    private readonly highWater = 2048,
    private readonly lowWater = 512,
  ) {
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    const end = (): void => {
      this.ended = true;
      this.notify();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  get pending(): number {
    return this.lines.length - this.head;
  }

  /** The next line, EOF once the stream ended and every line was taken, or TIMEOUT. */
  async next(timeoutMs: number): Promise<string | typeof EOF | typeof TIMEOUT> {
    if (this.pending === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
    if (this.pending > 0) {
      const line = this.lines[this.head]!;
      this.lines[this.head++] = '';
      if (this.head > 1024 && this.head * 2 > this.lines.length) {
        this.lines.splice(0, this.head);
        this.head = 0;
      }
      if (this.paused && this.pending <= this.lowWater) {
        this.paused = false;
        this.stream.resume();
      }
      return line;
    }
    return this.ended ? EOF : TIMEOUT;
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    for (let nl = chunk.indexOf(10, pos); nl >= 0; nl = chunk.indexOf(10, pos)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.carryLength + nl - pos > this.maxLine) {
        this.oversized++;
      } else if (this.carry.length > 0) {
        this.carry.push(chunk.subarray(pos, nl));
        this.lines.push(Buffer.concat(this.carry).toString('utf8'));
      } else {
        this.lines.push(chunk.toString('utf8', pos, nl));
      }
      this.carry = [];
      this.carryLength = 0;
      pos = nl + 1;
    }
    if (pos < chunk.length && !this.skipping) {
      this.carry.push(chunk.subarray(pos));
      this.carryLength += chunk.length - pos;
      if (this.carryLength > this.maxLine) {
        // Drop the rest of this line as it arrives rather than hold it.
        this.oversized++;
        this.skipping = true;
        this.carry = [];
        this.carryLength = 0;
      }
    }
    if (!this.paused && this.pending >= this.highWater) {
      this.paused = true;
      this.stream.pause();
    }
    this.notify();
  }

  private notify(): void {
    this.wake?.();
  }
}
