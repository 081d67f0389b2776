/**
 * How a field name in a rule reaches a record: `body`, `severityText`, `severityNumber`,
 * `eventName`, `traceId` and `spanId` are the record's own fields; every other name is an
 * attribute key (`kata.sandbox.id`, `k8s.namespace.name`) and then a resource attribute
 * (`host.name`, `service.name`), the record's attribute winning.
 *
 * EvalCtx keeps what one record's evaluation computed (lowercased texts) so rules sharing a
 * field lowercase it once per record, not once per rule.
 */
import type { AttributeValue, LogRecord } from '../../pdata/log-record';

export type FieldValue = AttributeValue | undefined;
export type Getter = (r: LogRecord) => FieldValue;

const RECORD_FIELDS: Record<string, Getter> = {
  body: (r) => r.body,
  severityText: (r) => r.severityText,
  severityNumber: (r) => r.severityNumber,
  eventName: (r) => r.eventName,
  traceId: (r) => r.traceId,
  spanId: (r) => r.spanId,
};

export const RECORD_FIELD_NAMES: readonly string[] = Object.keys(RECORD_FIELDS);

export function fieldGetter(name: string): Getter {
  const own = RECORD_FIELDS[name];
  if (own !== undefined) return own;
  return (r) => {
    const v = r.attributes[name];
    return v !== undefined ? v : r.resource[name];
  };
}

/** A value as the text(s) string matching sees; undefined when the field is absent. */
export function asText(v: FieldValue): string | readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v;
  return String(v);
}

function lowerText(v: string | readonly string[]): string | readonly string[] {
  return typeof v === 'string' ? v.toLowerCase() : v.map((s) => s.toLowerCase());
}

export class EvalCtx {
  record!: LogRecord;
  private readonly lowered = new Map<string, string | readonly string[] | null>();

  reset(r: LogRecord): void {
    this.record = r;
    if (this.lowered.size > 0) this.lowered.clear();
  }

  /** The field's text lowercased, computed once per record. */
  lower(field: string, get: Getter): string | readonly string[] | undefined {
    const hit = this.lowered.get(field);
    if (hit !== undefined) return hit === null ? undefined : hit;
    const t = asText(get(this.record));
    const l = t === undefined ? undefined : lowerText(t);
    this.lowered.set(field, l === undefined ? null : l);
    return l;
  }
}

/** True when `test` holds for the text or, for a string array, one of its elements. */
export function anyText(v: string | readonly string[], test: (s: string) => boolean): boolean {
  if (typeof v === 'string') return test(v);
  for (const s of v) if (test(s)) return true;
  return false;
}
