/**
 * Hands a batch to the next consumer and keeps it until it is taken, as the consumer
 * contract asks: a PermanentError means the data will never be accepted (count it as
 * refused, acknowledge the source, go on); any other rejection means "not now", so the
 * receiver keeps the batch, stops reading (the caller awaits this), and retries with
 * exponential backoff and full jitter, honouring a RetryableError's `retryAfterMs`.
 * A retry is never counted as a drop.
 */
import { isPermanent, RetryableError } from '../../component/errors';
import type { LogsConsumer } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import type { ReceiverMetrics } from './metrics';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 5000 };

/**
 * Records per batch a receiver hands on by default (`max_batch`). Every batch costs the
 * same fixed work downstream whatever its size: an exporter queue commit and its delete
 * (SQLite rewrites a few 64 KiB metadata pages each time), a gRPC request, a promise
 * chain through the pipeline. From `npm run bench:e2e:compare` (two builds at once, each
 * sidecar on a CPU of its own): 1024 records per batch gave 3.5–6.4% more records per
 * CPU-second than 512 (Node 20); 2048 about 3% more than 1024 in two rounds of three;
 * 4096 10% less than 2048 (these with a 16 MiB young generation: a batch in flight, its raw
 * lines and its records, then takes a good part of it, and more of it survives each
 * scavenge). 1024 keeps well clear of that. A batch waits for nothing: a receiver sends
 * what it has when input pauses.
 */
export const DEFAULT_MAX_BATCH = 1024;

/** Thrown by `deliver` when the receiver is stopping while the batch is still not accepted. */
export class DeliveryAborted extends Error {
  constructor() {
    super('delivery abandoned: the receiver is shutting down');
    this.name = 'DeliveryAborted';
  }
}

export type DeliveryOutcome = 'accepted' | 'refused';

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface DeliverOptions {
  signal: AbortSignal;
  metrics: ReceiverMetrics;
  backoff?: BackoffOptions;
  /** Called once each time the consumer starts refusing (so a receiver can log and pause). */
  onBackpressure?: (err: unknown) => void;
  /** Called when the consumer accepts again after refusing. */
  onRecovered?: () => void;
}

/** A copy that shares nothing mutable with `r` (the interned resource is read-only and shared). */
export function cloneRecord(r: LogRecord): LogRecord {
  return { ...r, attributes: { ...r.attributes } };
}

/**
 * Whether `next` may change the records it is given. Unless it says it does not (the
 * service's receiver output knows every pipeline behind it), assume it does.
 */
function mayMutate(next: LogsConsumer): boolean {
  return (next as { readonly mutatesData?: boolean }).mutatesData !== false;
}

/**
 * Delivers `records` (which the caller must not touch afterwards). Resolves 'accepted' or
 * 'refused' (permanent); throws DeliveryAborted when `signal` aborts before acceptance.
 */
export async function deliver(next: LogsConsumer, records: LogRecord[], opts: DeliverOptions): Promise<DeliveryOutcome> {
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  let attempt = 0;
  const n = records.length;
  const copy = mayMutate(next);
  for (;;) {
    if (opts.signal.aborted) throw new DeliveryAborted();
    try {
      // A consumer that changes records in place gets a copy on each attempt, so the
      // receiver's originals stay as read, ready for the next attempt.
      await next.consumeLogs(copy ? records.map(cloneRecord) : records);
      opts.metrics.accepted(n);
      if (attempt > 0) opts.onRecovered?.();
      return 'accepted';
    } catch (err) {
      if (isPermanent(err)) {
        opts.metrics.refused(n, err);
        if (attempt > 0) opts.onRecovered?.();
        return 'refused';
      }
      if (attempt === 0) opts.onBackpressure?.(err);
      opts.metrics.retried(n);
      const cap = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 20));
      const hinted = err instanceof RetryableError && err.retryAfterMs !== undefined ? err.retryAfterMs : 0;
      attempt++;
      await sleep(Math.max(hinted, Math.random() * cap), opts.signal);
    }
  }
}
