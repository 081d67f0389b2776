/**
 * What both transports do with a decoded request: convert, hand to the pipeline, turn the
 * consumer's answer into an OTLP outcome, and count. The transports only decode, check
 * size/auth/media type, and encode the outcome.
 *
 * Consumer answers (consumer/consumer.ts): resolved → success (partial_success unset
 * unless records were rejected on conversion); PermanentError anywhere in the cause chain →
 * "permanent" (INVALID_ARGUMENT / 400); any other rejection → "retryable" (UNAVAILABLE /
 * 503), with the error's `retryAfterMs` as the retry delay when it has one.
 */
import { isPermanent, KataOtelError } from '../../component/errors';
import type { Counter, Logger, Telemetry } from '../../component/telemetry';
import type { LogsConsumer, TracesConsumer, TracesRequest } from '../../consumer/consumer';
import type { ExportLogsServiceRequest } from '../../pdata/otlp/codec';
import { nowNanos } from '../../pdata/time';
import { convertLogsRequest, countLogRecords, countSpans, ResourceInterner } from './convert';
import type { Signal } from './decode';
import { trimMessage, type Failure } from './status';

export type Transport = 'grpc' | 'http';

export type Outcome =
  | { ok: true; rejected: number; message: string }
  | { ok: false; failure: Failure };

const SUCCESS: Outcome = { ok: true, rejected: 0, message: '' };

/** The consumer's retry hint: `retryAfterMs` on the error or on an error in its cause chain. */
export function retryAfterOf(err: unknown): number | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    const ms = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
  }
  return undefined;
}

function errorText(err: unknown): string {
  if (err instanceof KataOtelError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A rejection of the pipeline as an OTLP failure. */
export function failureOfConsumerError(err: unknown): Failure {
  if (isPermanent(err)) return { kind: 'permanent', message: trimMessage(`data refused: ${errorText(err)}`) };
  const failure: Failure = { kind: 'retryable', message: trimMessage(`pipeline busy, retry later: ${errorText(err)}`) };
  const retryAfterMs = retryAfterOf(err);
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  return failure;
}

interface Instruments {
  acceptedLogs: Counter;
  refusedLogs: Counter;
  acceptedSpans: Counter;
  refusedSpans: Counter;
  failedRequests: Counter;
  flattened: Counter;
}

/**
 * Per-transport counts. The service's Telemetry binds `kind` and `component` labels to every
 * metric of a component, so only `transport` (and `reason`) are added here; the names carry
 * `otlp` so they never clash with the common receiver metrics.
 */
function instruments(t: Telemetry): Instruments {
  const labels = ['transport'] as const;
  return {
    acceptedLogs: t.counter('receiver_otlp_accepted_log_records_total', 'Log records received over OTLP and accepted by the pipeline', labels),
    refusedLogs: t.counter('receiver_otlp_refused_log_records_total', 'Log records received over OTLP and not accepted (unconvertible, or refused by the pipeline)', labels),
    acceptedSpans: t.counter('receiver_otlp_accepted_spans_total', 'Spans received over OTLP and accepted by the pipeline', labels),
    refusedSpans: t.counter('receiver_otlp_refused_spans_total', 'Spans received over OTLP and refused by the pipeline', labels),
    failedRequests: t.counter('receiver_otlp_failed_requests_total', 'OTLP requests answered with an error, by reason', ['transport', 'reason']),
    flattened: t.counter('receiver_otlp_flattened_values_total', 'OTLP values stored as text (kvlists, non-string arrays, bytes, big ints, structured bodies)', labels),
  };
}

export class ExportHandler {
  /** Set while the logs part of the receiver runs; undefined = not configured or stopped. */
  logs: LogsConsumer | undefined;
  traces: TracesConsumer | undefined;
  private readonly m: Instruments;
  private readonly logger: Logger;
  private readonly interner = new ResourceInterner(1024);

  /** Whether each signal was created at all (else its path is unknown: 404 / UNIMPLEMENTED). */
  readonly configured: Record<Signal, boolean> = { logs: false, traces: false };

  constructor(
    private readonly receiverId: string,
    telemetry: Telemetry,
  ) {
    this.m = instruments(telemetry);
    this.logger = telemetry.logger;
  }

  private labels(transport: Transport): Record<string, string> {
    return { transport };
  }

  /** Counts a request answered with an error and logs one warning (never the body). */
  requestFailed(transport: Transport, signal: Signal, failure: Failure, peer: string): void {
    this.m.failedRequests.inc({ ...this.labels(transport), reason: failure.kind });
    const fields = { receiver: this.receiverId, transport, signal, reason: failure.kind, peer, error: failure.message };
    if (failure.kind === 'retryable' || failure.kind === 'shutting_down') this.logger.debug('otlp request refused, client may retry', fields);
    else if (failure.kind === 'internal') this.logger.error('otlp request failed', fields);
    else this.logger.warn('otlp request rejected', fields);
  }

  private stopped(transport: Transport, signal: Signal, peer: string): Outcome {
    const failure: Failure = { kind: 'shutting_down', message: `the ${signal} receiver is shutting down` };
    this.requestFailed(transport, signal, failure, peer);
    return { ok: false, failure };
  }

  async exportLogs(req: ExportLogsServiceRequest, transport: Transport, peer: string): Promise<Outcome> {
    const consumer = this.logs;
    if (consumer === undefined) return this.stopped(transport, 'logs', peer);
    const labels = this.labels(transport);
    let conv;
    try {
      conv = convertLogsRequest(req, { interner: this.interner, receivedTimeUnixNano: nowNanos() });
    } catch (err) {
      const failure: Failure = { kind: 'internal', message: `cannot convert the request: ${errorText(err)}` };
      this.m.refusedLogs.inc(labels, countLogRecords(req));
      this.requestFailed(transport, 'logs', failure, peer);
      return { ok: false, failure };
    }
    if (conv.flattenedValues > 0) this.m.flattened.inc(labels, conv.flattenedValues);
    let partial: Outcome = SUCCESS;
    if (conv.rejected > 0) {
      this.m.refusedLogs.inc(labels, conv.rejected);
      const message = trimMessage(`${conv.rejected} log record(s) rejected: ${conv.rejectReason}`);
      partial = { ok: true, rejected: conv.rejected, message };
      this.logger.warn('otlp log records rejected', { receiver: this.receiverId, transport, peer, rejected: conv.rejected, error: conv.rejectReason });
    }
    if (conv.records.length === 0) return partial;
    const n = conv.records.length;
    try {
      await consumer.consumeLogs(conv.records);
    } catch (err) {
      this.m.refusedLogs.inc(labels, n);
      const failure = failureOfConsumerError(err);
      this.requestFailed(transport, 'logs', failure, peer);
      return { ok: false, failure };
    }
    this.m.acceptedLogs.inc(labels, n);
    return partial;
  }

  async exportTraces(req: TracesRequest, transport: Transport, peer: string): Promise<Outcome> {
    const consumer = this.traces;
    if (consumer === undefined) return this.stopped(transport, 'traces', peer);
    const labels = this.labels(transport);
    const n = countSpans(req as Parameters<typeof countSpans>[0]);
    if (n === 0) return SUCCESS;
    try {
      await consumer.consumeTraces(req);
    } catch (err) {
      this.m.refusedSpans.inc(labels, n);
      const failure = failureOfConsumerError(err);
      this.requestFailed(transport, 'traces', failure, peer);
      return { ok: false, failure };
    }
    this.m.acceptedSpans.inc(labels, n);
    return SUCCESS;
  }
}
