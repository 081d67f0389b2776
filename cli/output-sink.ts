/**
 * Batched writer for stdout. Formatters hand it small strings; it passes them on in
 * writes of about 256 KiB, so throughput does not depend on how many records there are.
 *
 * Back-pressure: `write()` never blocks (it is called from the synchronous line
 * callback); the reading side awaits `writable()` before it reads the next input chunk,
 * so at most one input chunk's worth of output waits in memory.
 *
 * A closed reader (EPIPE: `kata-otel parse ... | head`) is not an error: the sink turns
 * `closed`, drops further output, and the command stops reading and exits 0. Any other
 * write error is kept in `error`.
 */
import type { Writable } from 'node:stream';

const DEFAULT_BATCH_CHARS = 1 << 18;

export class OutputSink {
  /** True once the destination cannot take more output (EPIPE or another error). */
  closed = false;
  /** True when the reader went away (EPIPE / ERR_STREAM_DESTROYED). */
  brokenPipe = false;
  /** A write error other than a closed reader. */
  error: Error | undefined;
  /** Characters handed to the destination so far. */
  written = 0;

  /** Resolves when the sink closes. */
  readonly whenClosed: Promise<void>;

  /** write() returned false and 'drain' has not come yet. */
  private needDrain = false;
  private buf = '';
  private waiters: Array<() => void> = [];
  private pendingWrites = 0;
  private resolveClosed!: () => void;

  constructor(
    private readonly out: Writable,
    private readonly batchChars = DEFAULT_BATCH_CHARS,
  ) {
    this.whenClosed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    out.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
    out.on('drain', () => {
      this.needDrain = false;
      this.wake();
    });
  }

  write(text: string): void {
    if (this.closed) return;
    this.buf += text;
    if (this.buf.length >= this.batchChars) this.flush();
  }

  /** Hands the buffered text to the destination now. */
  flush(): void {
    if (this.closed || this.buf === '') return;
    const chunk = this.buf;
    this.buf = '';
    this.written += chunk.length;
    this.pendingWrites++;
    try {
      const ok = this.out.write(chunk, (err) => {
        this.pendingWrites--;
        if (err) this.fail(err);
        this.wake();
      });
      if (!ok) this.needDrain = true;
    } catch (err) {
      // A synchronous throw (stream already destroyed) counts like an error event.
      this.pendingWrites--;
      this.fail(err as Error);
    }
  }

  /** Resolves when the destination has room again (or is closed). */
  writable(): Promise<void> {
    if (this.closed || !this.needDrain) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Flushes and resolves once every write so far has completed (or the sink closed). */
  async end(): Promise<void> {
    this.flush();
    while (!this.closed && this.pendingWrites > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    this.closed = true;
    this.buf = '';
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ECONNRESET') this.brokenPipe = true;
    else this.error = err;
    this.resolveClosed();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
