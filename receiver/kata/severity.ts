/**
 * Level spellings of every Kata emitter mapped to OTLP SeverityNumber. The original
 * spelling is always kept as severityText by the callers.
 */
import { Severity } from '../../pdata/log-record';

const LEVELS: Record<string, number> = {
  // logrus (logfmt and the 4-letter TTY form), env_logger, Go std names
  trace: Severity.TRACE, trac: Severity.TRACE,
  debug: Severity.DEBUG, debu: Severity.DEBUG,
  info: Severity.INFO,
  notice: Severity.INFO2,
  warning: Severity.WARN, warn: Severity.WARN,
  error: Severity.ERROR, erro: Severity.ERROR, err: Severity.ERROR,
  fatal: Severity.FATAL, fata: Severity.FATAL,
  panic: Severity.FATAL2, pani: Severity.FATAL2,
  // slog short names (agent, runtime-rs)
  trce: Severity.TRACE, debg: Severity.DEBUG, crit: Severity.FATAL, critical: Severity.FATAL,
  // klog's one-letter prefix
  i: Severity.INFO, w: Severity.WARN, e: Severity.ERROR, f: Severity.FATAL,
  // syslog names
  emerg: Severity.FATAL4, alert: Severity.FATAL3,
};

/** Results by the level text exactly as written: a record's level is one of a few spellings. */
const BY_SPELLING = new Map<string, number>();

/** SeverityNumber for a level word, case-insensitive; UNSPECIFIED when unknown. */
export function severityFromLevel(level: string): number {
  // The spellings of nearly every record, compared directly (no hash of a fresh string).
  switch (level) {
    case 'debug': case 'DEBG': return Severity.DEBUG;
    case 'info': case 'INFO': return Severity.INFO;
    case 'warning': case 'WARN': return Severity.WARN;
    case 'error': case 'ERRO': return Severity.ERROR;
    default: break;
  }
  let n = BY_SPELLING.get(level);
  if (n === undefined) {
    n = LEVELS[level.trim().toLowerCase()] ?? Severity.UNSPECIFIED;
    // Level text comes from input: keep the table small.
    if (BY_SPELLING.size < 256) BY_SPELLING.set(level, n);
  }
  return n;
}

/** Syslog severity (PRI & 7) to SeverityNumber, as the Collector's syslog parser maps it. */
export const SYSLOG_SEVERITY: readonly number[] = [
  Severity.FATAL4, Severity.FATAL3, Severity.FATAL2, Severity.ERROR,
  Severity.WARN, Severity.INFO2, Severity.INFO, Severity.DEBUG,
];
export const SYSLOG_SEVERITY_TEXT: readonly string[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
