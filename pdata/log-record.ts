/**
 * The one record shape that flows receiver → processors → exporters.
 *
 * It mirrors an OTLP LogRecord, flattened for speed: attributes are a plain object of
 * dotted keys, times are decimal nanosecond strings (OTLP/JSON's own encoding, and a
 * Number cannot hold nanoseconds since the epoch), ids are lowercase hex.
 */
export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

/** OTLP SeverityNumber values used by the parsers. */
export const Severity = {
  UNSPECIFIED: 0,
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  INFO2: 10,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
  FATAL2: 22,
  FATAL3: 23,
  FATAL4: 24,
} as const;

export interface LogRecord {
  /** Event time in ns since the Unix epoch, decimal; "0" when the source gives none. */
  timeUnixNano: string;
  /** When kata-otel read the line, ns since the epoch, decimal. */
  observedTimeUnixNano: string;
  severityNumber: number;
  /** The level exactly as the emitter wrote it ("warning", "DEBG", "E"...). */
  severityText: string;
  body: string;
  /** OTLP EventName; "" when the record is not a named event. */
  eventName: string;
  /** 32 hex chars or "". */
  traceId: string;
  /** 16 hex chars or "". */
  spanId: string;
  attributes: Attributes;
  /**
   * Resource attributes (service.name, host.name). Shared between records of the same
   * emitter (interned), so treat it as read-only.
   */
  resource: Readonly<Attributes>;
}

export function emptyRecord(observedTimeUnixNano: string): LogRecord {
  return {
    timeUnixNano: '0',
    observedTimeUnixNano,
    severityNumber: Severity.UNSPECIFIED,
    severityText: '',
    body: '',
    eventName: '',
    traceId: '',
    spanId: '',
    attributes: {},
    resource: EMPTY_RESOURCE,
  };
}

export const EMPTY_RESOURCE: Readonly<Attributes> = Object.freeze({});
