/**
 * The delivery core shared by the otlp and otlphttp exporters, in the shape of the
 * Collector's exporterhelper: a persistent queue in front, a sender loop behind it that
 * retries with backoff, and a transport (`ExporterSender`) that only knows how to make one
 * attempt and say what it came to.
 *
 * The loop takes the oldest queued batches (merged into one request up to
 * `max_request_mib`), sends them, and deletes them once the backend accepted them, so
 * delivery is at-least-once and in order. Retryable failures are retried with exponential
 * backoff and full jitter, honouring the server's throttle hint, for as long as
 * `max_elapsed_time` allows (forever by default: the queue is on disk). A permanent failure
 * of a merged request is retried batch by batch, so one bad batch does not take its
 * neighbours with it; a batch that fails permanently on its own is dropped, counted and
 * logged. Nothing is dropped silently.
 */
import { join } from 'node:path';
import type { Component, Host } from '../../component/component';
import { formatComponentId } from '../../component/component';
import { PermanentError, RetryableError } from '../../component/errors';
import type { CreateSettings } from '../../component/factory';
import type { Logger } from '../../component/telemetry';
import type { SendingQueueConfig } from '../queue/config';
import { MIB } from '../queue/config';
import type { QueuedBatch, ReleasePayload } from '../queue/persistent-queue';
import { PersistentQueue } from '../queue/persistent-queue';
import { backoffDelayMs, sleep } from './backoff';
import type { RetryConfig } from './config';
import type { ExporterMetrics } from './metrics';
import { exporterMetrics } from './metrics';
import type { SendOutcome } from './outcome';
import type { Signal } from './signals';

/** One transport: makes a single attempt, never throws, never retries. */
export interface ExporterSender {
  send(payload: Buffer, items: number): Promise<SendOutcome>;
  shutdown(): Promise<void>;
}

export interface QueuedExporterOptions {
  settings: CreateSettings;
  signal: Signal;
  queue: SendingQueueConfig;
  retry: RetryConfig;
  /** Where the data goes, for log lines (no credentials). */
  destination: string;
  createSender(): ExporterSender;
}

/** Warn again about an ongoing outage at most this often. */
const OUTAGE_LOG_INTERVAL_MS = 60_000;
const DROP_LOG_INTERVAL_MS = 10_000;

/** The queue file of an exporter: one per exporter and signal. */
export function queueFilePath(settings: CreateSettings, queue: SendingQueueConfig, signal: Signal): string {
  const id = formatComponentId(settings.id).replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(queue.storage_dir ?? settings.storageDir, `exporter_${id}_${signal.name}.sqlite`);
}

export class QueuedExporter implements Component {
  private readonly logger: Logger;
  private readonly metrics: ExporterMetrics;
  private readonly stop = new AbortController();
  private queue: PersistentQueue | undefined;
  private sender: ExporterSender | undefined;
  private loop: Promise<void> | undefined;
  private started = false;
  private shutdownPromise: Promise<void> | undefined;
  private dropsSinceLog = 0;
  private lastDropLog = 0;

  constructor(private readonly opts: QueuedExporterOptions) {
    this.logger = opts.settings.telemetry.logger;
    this.metrics = exporterMetrics(opts.settings.telemetry, opts.signal.name);
  }

  /** Records and bytes waiting (0 without a queue). */
  get queueDepth(): { records: number; bytes: number } {
    return this.queue?.depth ?? { records: 0, bytes: 0 };
  }

  async start(_host: Host): Promise<void> {
    if (this.started || this.shutdownPromise !== undefined) return;
    this.started = true;
    this.sender = this.opts.createSender();
    if (!this.opts.queue.enabled) return;
    const path = queueFilePath(this.opts.settings, this.opts.queue, this.opts.signal);
    this.queue = PersistentQueue.open({
      path,
      kind: this.opts.signal.queueKind,
      maxBytes: Math.floor(this.opts.queue.max_size_mib * MIB),
      blockTimeoutMs: this.opts.queue.block_timeout,
      whenFull: this.opts.queue.when_full,
      logger: this.logger,
      onDepth: (records, bytes) => this.metrics.queue(records, bytes),
      onDrop: (records) => this.droppedWhenFull(records),
    });
    const { records, bytes } = this.queue.depth;
    if (records > 0) this.logger.info('exporter queue holds records from before the restart; delivering them first', { path, records, bytes });
    this.loop = this.run(this.queue, this.sender).catch((err: unknown) => {
      this.logger.error('exporter sender loop stopped unexpectedly; queued records stay on disk', { error: (err as Error).message });
    });
  }

  /**
   * Accepts one encoded request: durably queued when this resolves (or delivered, without a
   * queue). The payload must not be changed afterwards; with a queue, `release` is called
   * with it once it is no longer needed (its memory may then be reused).
   */
  async submit(payload: Uint8Array, items: number, release?: ReleasePayload): Promise<void> {
    if (!this.started || this.shutdownPromise !== undefined || this.sender === undefined) {
      throw new RetryableError('KO_ERR_EXPORTER_STOPPED', 'the exporter is not running');
    }
    if (this.queue === undefined) return this.sendDirect(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), items);
    let committed: boolean;
    try {
      committed = await this.queue.enqueue(payload, items, release);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.metrics.enqueueRefused(items, code === 'KO_ERR_QUEUE_FULL' ? 'queue_full' : code === 'KO_ERR_BATCH_TOO_LARGE' ? 'too_large' : 'write_error');
      throw err;
    }
    if (committed) this.metrics.enqueued(items);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
    if (this.queue !== undefined) {
      const { records, bytes } = this.queue.depth;
      this.queue.close();
      if (records > 0) this.logger.info('exporter stopped; undelivered records stay queued for the next start', { records, bytes });
    }
    await this.sender?.shutdown();
    clearTimeout(this.dropLogTimer);
    this.flushDropLog(true);
  }

  // ---- without a queue ----------------------------------------------------------------

  private async sendDirect(payload: Buffer, items: number): Promise<void> {
    const t0 = performance.now();
    const outcome = await this.attempt(payload, items);
    if (outcome.kind === 'success') {
      this.succeeded(outcome, items, t0);
      return;
    }
    if (outcome.kind === 'retryable') {
      throw new RetryableError('KO_ERR_EXPORT_FAILED', `export to ${this.opts.destination} failed: ${outcome.error.message}`, outcome.retryAfterMs, { cause: outcome.error });
    }
    this.logger.warn('the backend refused a batch permanently; it goes back to the source as invalid', {
      destination: this.opts.destination, items, error: outcome.error.message,
    });
    throw new PermanentError('KO_ERR_EXPORT_REJECTED', `the backend refused the batch: ${outcome.error.message}`, { cause: outcome.error });
  }

  // ---- the sender loop ----------------------------------------------------------------

  private async run(queue: PersistentQueue, sender: ExporterSender): Promise<void> {
    const maxRequestBytes = Math.max(1, Math.floor(this.opts.queue.max_request_mib * MIB));
    const stopped = new Promise<void>((resolve) => this.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    // After a merged request failed permanently, its batches go one by one up to this seq.
    let isolateThrough = 0;
    while (!this.stop.signal.aborted) {
      try {
        const head = queue.peek(isolateThrough > 0 ? 0 : maxRequestBytes);
        if (head.length === 0) {
          await Promise.race([queue.whenNotEmpty(), stopped]);
          continue;
        }
        const result = await this.deliver(head, sender);
        if (result === 'stopped') return;
        if (result === 'split') {
          isolateThrough = head[head.length - 1]!.seq;
          continue;
        }
        queue.remove(head);
        if (isolateThrough > 0 && head[head.length - 1]!.seq >= isolateThrough) isolateThrough = 0;
      } catch (err) {
        // A read or delete failed (I/O error, disk full): the rows are still there; try again.
        if (this.stop.signal.aborted) return;
        this.logger.error('exporter queue access failed; retrying in 1 s (records stay on disk)', { error: (err as Error).message });
        await sleep(1000, this.stop.signal);
      }
    }
  }

  /** Sends `batches` as one request until it is done with them (delivered or dropped), split, or stopped. */
  private async deliver(batches: QueuedBatch[], sender: ExporterSender): Promise<'done' | 'split' | 'stopped'> {
    const payload = batches.length === 1 ? batches[0]!.payload : this.joinPayloads(batches);
    let items = 0;
    for (const b of batches) items += b.items;
    const retry = this.opts.retry;
    const firstTry = Date.now();
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      const outcome = await this.attempt(payload, items, sender);
      if (outcome.kind === 'success') {
        this.succeeded(outcome, items, t0);
        if (attempt > 0) {
          this.logger.info('export recovered', { destination: this.opts.destination, attempts: attempt + 1, waited_ms: Date.now() - firstTry });
        }
        return 'done';
      }
      if (outcome.kind === 'permanent') {
        if (batches.length > 1) {
          this.logger.warn('the backend refused a merged request permanently; resending its batches one by one', {
            destination: this.opts.destination, batches: batches.length, items, error: outcome.error.message,
          });
          return 'split';
        }
        this.drop(items, 'permanent_error', 'the backend refused a batch permanently (not retried); it is dropped', outcome.error, batches);
        return 'done';
      }
      // Retryable.
      if (!retry.enabled) {
        this.drop(items, 'retry_disabled', 'export failed and retry_on_failure is disabled; the batch is dropped', outcome.error, batches);
        return 'done';
      }
      const delay = backoffDelayMs(retry, attempt, outcome.retryAfterMs);
      const elapsed = Date.now() - firstTry;
      if (retry.max_elapsed_time > 0 && elapsed + delay > retry.max_elapsed_time) {
        this.drop(items, 'retry_exhausted', `export kept failing for ${elapsed} ms (max_elapsed_time ${retry.max_elapsed_time} ms); the batch is dropped`, outcome.error, batches);
        return 'done';
      }
      this.metrics.retried(items);
      if (attempt === 0 || this.shouldWarnAgain()) {
        this.logger.warn('export failed; retrying (records stay queued on disk)', {
          destination: this.opts.destination, items, attempt: attempt + 1, retry_in_ms: delay,
          ...(outcome.retryAfterMs !== undefined ? { server_retry_after_ms: outcome.retryAfterMs } : {}),
          queued_records: this.queueDepth.records, error: outcome.error.message,
        });
      }
      if (!(await sleep(delay, this.stop.signal))) return 'stopped';
    }
  }

  private lastOutageWarn = 0;
  /** Where merged requests are assembled; reused (see joinPayloads). */
  private joined: Buffer = Buffer.alloc(0);

  /**
   * The payloads of `batches` back to back, in a buffer reused from one request to the
   * next: a fresh megabyte per request is external memory that V8 counts toward starting
   * full collections. Reuse is safe because
   * requests go one at a time and a transport is done with the bytes once its attempt
   * settles (grpc-js copies them into its frame, http waits for the response).
   */
  private joinPayloads(batches: readonly QueuedBatch[]): Buffer {
    let n = 0;
    for (const b of batches) n += b.payload.length;
    // With room to spare, so the next, slightly larger request does not allocate again.
    if (this.joined.length < n) this.joined = Buffer.allocUnsafeSlow(Math.ceil((n * 1.25) / 65536) * 65536);
    let at = 0;
    for (const b of batches) at += b.payload.copy(this.joined, at);
    return this.joined.subarray(0, n);
  }

  private shouldWarnAgain(): boolean {
    const now = Date.now();
    if (now - this.lastOutageWarn < OUTAGE_LOG_INTERVAL_MS) return false;
    this.lastOutageWarn = now;
    return true;
  }

  private async attempt(payload: Buffer, items: number, sender = this.sender!): Promise<SendOutcome> {
    try {
      return await sender.send(payload, items);
    } catch (err) {
      // A transport must not throw; if one does, keep the data and retry.
      return { kind: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  private succeeded(outcome: Extract<SendOutcome, { kind: 'success' }>, items: number, t0: number): void {
    this.metrics.latency((performance.now() - t0) / 1000);
    const rejected = Math.min(outcome.rejected, items);
    this.metrics.exported(items - rejected);
    if (rejected > 0 || outcome.message !== '') {
      this.metrics.dropped(rejected, 'partial_success');
      this.logger.warn(rejected > 0 ? 'the backend rejected part of a batch (partial success); those items are dropped' : 'the backend accepted a batch with a warning', {
        destination: this.opts.destination, items, rejected, message: outcome.message.slice(0, 500),
      });
    }
  }

  private drop(items: number, reason: string, msg: string, error: Error, batches: QueuedBatch[]): void {
    this.metrics.dropped(items, reason);
    this.logger.error(msg, {
      destination: this.opts.destination, reason, items, batches: batches.length,
      first_seq: batches[0]?.seq, error: error.message,
    });
  }

  private droppedWhenFull(records: number): void {
    this.metrics.dropped(records, 'queue_full');
    this.dropsSinceLog += records;
    this.flushDropLog(false);
    if (this.dropsSinceLog > 0 && this.dropLogTimer === undefined) {
      // Drops after the last line are summed and logged when the interval is over.
      this.dropLogTimer = setTimeout(() => {
        this.dropLogTimer = undefined;
        this.flushDropLog(true);
      }, DROP_LOG_INTERVAL_MS);
      this.dropLogTimer.unref();
    }
  }

  private dropLogTimer: NodeJS.Timeout | undefined;

  private flushDropLog(force: boolean): void {
    if (this.dropsSinceLog === 0) return;
    const now = Date.now();
    if (!force && now - this.lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.logger.warn('exporter queue full: dropped the newest batches (sending_queue.when_full: drop_newest)', {
      destination: this.opts.destination, dropped: this.dropsSinceLog, max_size_mib: this.opts.queue.max_size_mib,
    });
    this.lastDropLog = now;
    this.dropsSinceLog = 0;
  }
}
