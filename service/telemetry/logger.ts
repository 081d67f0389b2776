/**
 * The sidecar's own logs: one JSON object per line on stderr,
 * `{"time":"…","level":"info","msg":"…","kind":"exporter","component":"file",…}`.
 *
 * Log lines describe what kata-otel does, never what the logs it carries say: no record
 * bodies, no attribute values, no secrets. As a last guard, fields whose name suggests
 * record content or a secret (body, password, token, authorization, headers, …) are
 * written as "[REDACTED]", and errors are reduced to name, code and message.
 */
import type { Logger } from '../../component/telemetry';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written. */
const REDACTED_FIELD = /body|password|passwd|secret|token|authorization|api[_-]?key|credential|cookie|headers|^original$/i;

/** Where log lines go; process.stderr in the bin, a buffer in tests. */
export interface LineWriter {
  write(line: string): unknown;
}

export interface JsonLoggerOptions {
  level: LogLevel;
  out: LineWriter;
  /** Fields written on every line (e.g. kind and component). */
  bindings?: Record<string, unknown>;
  now?: () => Date;
}

export class JsonLogger implements Logger {
  private readonly min: number;
  private readonly bindings: Record<string, unknown>;

  constructor(private readonly opts: JsonLoggerOptions) {
    this.min = RANK[opts.level];
    this.bindings = opts.bindings ?? {};
  }

  /** A logger writing the same lines with more fixed fields. */
  child(bindings: Record<string, unknown>): JsonLogger {
    return new JsonLogger({ ...this.opts, bindings: { ...this.bindings, ...bindings } });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.min;
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }

  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }

  private log(level: LogLevel, msg: string, fields: Record<string, unknown> | undefined): void {
    if (RANK[level] < this.min) return;
    const line: Record<string, unknown> = { time: (this.opts.now?.() ?? new Date()).toISOString(), level, msg };
    for (const k in this.bindings) line[k] = this.bindings[k];
    if (fields !== undefined) {
      for (const k in fields) {
        if (k === 'time' || k === 'level' || k === 'msg') continue;
        line[k] = REDACTED_FIELD.test(k) ? '[REDACTED]' : safeValue(fields[k]);
      }
    }
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ time: line.time, level, msg, logError: 'fields could not be serialised' });
    }
    try {
      this.opts.out.write(text + '\n');
    } catch {
      // A closed stderr leaves nowhere to report to; logging must never crash the service.
    }
  }
}

/** Errors as {name, code, message}; everything else as is (JSON.stringify does the rest). */
function safeValue(v: unknown): unknown {
  if (v instanceof Error) {
    const out: Record<string, unknown> = { name: v.name, message: v.message };
    const code = (v as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out.code = code;
    if (v.cause instanceof Error) out.cause = safeValue(v.cause);
    return out;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** A logger that writes nothing. */
export const NOP_LOGGER: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
