/**
 * Raw records, the receivers' output: the text as read in `body`, when it was read, where
 * it came from (attributes and an interned resource), and nothing parsed. The kata_parser
 * processor downstream parses them; a receiver never sets `kata.log.format`.
 */
import type { Attributes, LogRecord } from '../../pdata/log-record';
import { EMPTY_RESOURCE, Severity } from '../../pdata/log-record';

export function rawRecord(body: string, observedTimeUnixNano: string, attributes: Attributes, resource: Readonly<Attributes> = EMPTY_RESOURCE): LogRecord {
  return {
    timeUnixNano: '0',
    observedTimeUnixNano,
    severityNumber: Severity.UNSPECIFIED,
    severityText: '',
    body,
    eventName: '',
    traceId: '',
    spanId: '',
    attributes,
    resource,
  };
}

/**
 * Shares one frozen resource object among the records of the same emitter, as the
 * record model asks (OTLP grouping is by object identity). Bounded: resource values come
 * from input (a journal's host names), so past `max` distinct resources the oldest half
 * is forgotten; records already made keep theirs.
 */
export class ResourceInterner {
  private readonly byKey = new Map<string, Readonly<Attributes>>();

  constructor(
    private readonly base: Readonly<Attributes> = EMPTY_RESOURCE,
    private readonly max = 1024,
  ) {}

  /** The resource `base` + `extra`; `key` must identify `extra` (e.g. the host name). */
  get(key: string, extra: () => Attributes): Readonly<Attributes> {
    let r = this.byKey.get(key);
    if (r === undefined) {
      if (this.byKey.size >= this.max) {
        let drop = this.byKey.size >> 1;
        for (const k of this.byKey.keys()) {
          if (drop-- <= 0) break;
          this.byKey.delete(k);
        }
      }
      r = Object.freeze({ ...this.base, ...extra() });
      this.byKey.set(key, r);
    }
    return r;
  }

  /** The configured resource alone. */
  get baseResource(): Readonly<Attributes> {
    return this.base;
  }
}

/** Freezes a configured `resource:` map into a shared resource (EMPTY_RESOURCE when empty). */
export function staticResource(attrs: Record<string, string> | undefined): Readonly<Attributes> {
  if (attrs === undefined || Object.keys(attrs).length === 0) return EMPTY_RESOURCE;
  return Object.freeze({ ...attrs });
}
