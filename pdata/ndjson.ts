/**
 * The flat JSON form of a record (`kata-otel parse --output ndjson`, the file exporter's
 * `format: ndjson`): exactly the LogRecord fields, attributes and resource as objects of
 * dotted keys, one object per line.
 */
import type { LogRecord } from './log-record';

/** One record as a line of JSON, without the newline. */
export function ndjsonLine(r: LogRecord): string {
  return JSON.stringify({
    timeUnixNano: r.timeUnixNano,
    observedTimeUnixNano: r.observedTimeUnixNano,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    eventName: r.eventName,
    traceId: r.traceId,
    spanId: r.spanId,
    attributes: r.attributes,
    resource: r.resource,
  });
}
