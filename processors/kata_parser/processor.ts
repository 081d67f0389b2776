/**
 * The `kata_parser` processor: Kata log text in, Kata semantic-convention records out.
 *
 * A record is raw when its body is text and it has no `kata.log.format` (what a file,
 * journald or syslog receiver reads, or a Collector forwards over OTLP); raw records are
 * parsed, every other record passes through untouched, in place.
 *
 * Each batch runs through one Recombiner, flushed at the end of the batch, so a record
 * spanning several lines is joined only inside a batch: receivers that read lines send
 * whole records (static_file and filelog group lines with the same Recombiner). Lines of
 * several raw records can join into one (a Collector sending one line per record); the
 * result keeps the first one's attributes, times, ids and resource where the parser found
 * none. `kata.log.line_number` counts from the source's line number when the raw record
 * carried one, and is left out otherwise.
 *
 * The processor does not change the records it is given (it builds new ones), so fan-outs
 * need not copy for it. Blank lines make no record; they are counted as dropped with the
 * reason `blank_line`.
 */
import type { Component } from '../../component/component';
import type { LogsConsumer } from '../../consumer/consumer';
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import { EMPTY_RESOURCE } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import { K } from '../../receiver/kata/keys';
import { isBlank } from '../../receiver/kata/parse-text';
import { KataParser } from '../../receiver/kata/parser';
import type { Entry } from '../../receiver/kata/recombine';
import { Recombiner } from '../../receiver/kata/recombine';
import type { ComponentMetrics } from '../../service/telemetry/metrics';
import type { KataParserConfig } from './config';

/** Raw Kata text that still needs parsing. */
export function isRaw(r: LogRecord): boolean {
  return typeof r.body === 'string' && r.attributes[K.LOG_FORMAT] === undefined;
}

/**
 * The Collector's file_log receiver numbers lines as `log.file.record_number` (with
 * include_file_record_number), kata-otel's own readers as `kata.log.line_number`.
 */
const COLLECTOR_RECORD_NUMBER = 'log.file.record_number';

function lineNumberOf(r: LogRecord): number | undefined {
  const v = r.attributes[K.LOG_LINE_NUMBER] ?? r.attributes[COLLECTOR_RECORD_NUMBER];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Source resource + the parser's (which wins on shared keys), interned by identity pair. */
class ResourceMerger {
  private readonly cache = new WeakMap<object, WeakMap<object, Readonly<Attributes>>>();

  merge(source: Readonly<Attributes>, parsed: Readonly<Attributes>): Readonly<Attributes> {
    if (source === EMPTY_RESOURCE || source === parsed) return parsed;
    let inner = this.cache.get(source);
    if (inner === undefined) {
      let empty = true;
      for (const _ in source) {
        empty = false;
        break;
      }
      if (empty) return parsed;
      inner = new WeakMap();
      this.cache.set(source, inner);
    }
    let merged = inner.get(parsed);
    if (merged === undefined) {
      merged = Object.freeze({ ...source, ...parsed });
      inner.set(parsed, merged);
    }
    return merged;
  }
}

export interface BatchStats {
  parsed: number;
  failed: number;
  blank: number;
  passed: number;
}

export class KataParserProcessor implements Component, LogsConsumer {
  readonly mutatesData = false;
  private readonly parser: KataParser;
  private readonly resources = new ResourceMerger();

  constructor(
    private readonly config: KataParserConfig,
    private readonly next: LogsConsumer,
    private readonly metrics: ComponentMetrics,
  ) {
    // One parser for the processor's life: it learns each host's clock (the year of
    // journal dates) from the records before.
    this.parser = new KataParser({ original: config.original });
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  consumeLogs(records: LogRecord[]): Promise<void> {
    const { records: out, stats } = this.process(records);
    this.metrics.parsed(stats.parsed);
    this.metrics.parseFailed(stats.failed);
    this.metrics.dropped(stats.blank, 'blank_line');
    if (out.length === 0) return Promise.resolve();
    return this.next.consumeLogs(out);
  }

  /** Parses one batch (exposed for tests). */
  process(records: readonly LogRecord[]): { records: LogRecord[]; stats: BatchStats } {
    const stats: BatchStats = { parsed: 0, failed: 0, blank: 0, passed: 0 };
    const out: LogRecord[] = [];
    const recombiner = new Recombiner({ maxLines: this.config.max_lines, maxBytes: this.config.max_bytes });
    // Line n of the batch (1-based, the recombiner's line number) came from originRecord[n-1],
    // where it was line originOffset[n-1] (0-based).
    const originRecord: LogRecord[] = [];
    const originOffset: number[] = [];
    const take = (entry: Entry | undefined): void => {
      if (entry === undefined) return;
      if (isBlank(entry)) {
        stats.blank++;
        return;
      }
      const i = entry.lineNumber - 1;
      const r = this.finish(entry, originRecord[i]!, originOffset[i]!);
      stats.parsed++;
      if (r.attributes[K.PARSE_STATUS] === 'failed') stats.failed++;
      out.push(r);
    };
    let streamResource: Readonly<Attributes> | undefined;
    let streamPath: AttributeValue | undefined;
    for (const r of records) {
      if (!isRaw(r)) {
        // Keep order: what is pending ends before a structured record.
        take(recombiner.flush());
        out.push(r);
        stats.passed++;
        streamResource = undefined;
        continue;
      }
      // A Collector's batch interleaves files and the journal: lines join only within one
      // stream (same resource, same file), or a journal entry would become the tail of a
      // file's Go panic.
      const path = r.attributes[K.LOG_FILE_PATH];
      if (r.resource !== streamResource || path !== streamPath) {
        take(recombiner.flush());
        streamResource = r.resource;
        streamPath = path;
      }
      const body = r.body;
      let start = 0;
      let offset = 0;
      for (;;) {
        const nl = body.indexOf('\n', start);
        let line = nl < 0 ? body.slice(start) : body.slice(start, nl);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        originRecord.push(r);
        originOffset.push(offset);
        take(recombiner.push(line, originRecord.length));
        if (nl < 0) break;
        start = nl + 1;
        offset++;
      }
    }
    take(recombiner.flush());
    return { records: out, stats };
  }

  private finish(entry: Entry, source: LogRecord, offset: number): LogRecord {
    const observed = source.observedTimeUnixNano !== '0' && source.observedTimeUnixNano !== '' ? source.observedTimeUnixNano : nowNanos();
    const r = this.parser.parse(entry, observed);
    const a = r.attributes;
    // The parser numbered lines within the batch; the source's numbering is what means something.
    const first = lineNumberOf(source);
    if (first !== undefined) a[K.LOG_LINE_NUMBER] = first + offset;
    else delete a[K.LOG_LINE_NUMBER];
    const sa = source.attributes;
    for (const k in sa) {
      if (a[k] === undefined) a[k] = sa[k]!;
    }
    if (r.timeUnixNano === '0' && source.timeUnixNano !== '0' && source.timeUnixNano !== '') r.timeUnixNano = source.timeUnixNano;
    if (r.severityNumber === 0 && r.severityText === '' && (source.severityNumber !== 0 || source.severityText !== '')) {
      r.severityNumber = source.severityNumber;
      r.severityText = source.severityText;
    }
    if (r.traceId === '') r.traceId = source.traceId;
    if (r.spanId === '') r.spanId = source.spanId;
    if (r.eventName === '') r.eventName = source.eventName;
    r.resource = this.resources.merge(source.resource, r.resource);
    return r;
  }
}
