/**
 * The `debug` exporter: records for people, on stdout, as the Collector's debug exporter.
 * - basic: one line per batch (`debug: 12 log records, 3 resources`);
 * - normal: one line per record: time, level, component, sandbox, body (the table of
 *   `kata-otel parse --output table`);
 * - detailed: every field of every record, one per line.
 * Text is made terminal-safe (escape sequences removed, control characters shown). It
 * waits for stdout to take each batch; once stdout is gone it accepts and discards,
 * counting the records as dropped (`stdout_closed`): it is a debugging aid, not a sink
 * to rely on.
 */
import type { Writable } from 'node:stream';
import type { Component } from '../../component/component';
import type { LogsConsumer } from '../../consumer/consumer';
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import { formatNanos } from '../../pdata/time';
import { TableFormatter } from '../../cli/formatters';
import { OutputSink } from '../../cli/output-sink';
import { oneLine, severityName } from '../../cli/text';
import type { ComponentMetrics } from '../../service/telemetry/metrics';
import type { DebugExporterConfig } from './config';

function showValue(v: AttributeValue): string {
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(oneLine(String(x)))).join(', ')}]`;
  if (typeof v === 'string') return oneLine(v);
  return String(v);
}

function showAttributes(a: Readonly<Attributes>, indent: string): string {
  let s = '';
  for (const k in a) s += `${indent}${oneLine(k)}: ${showValue(a[k]!)}\n`;
  return s;
}

/** Every field of one record. */
export function detailedRecord(r: LogRecord, index: number): string {
  const time = (ns: string): string => (ns === '0' || ns === '' ? '-' : `${formatNanos(ns)} (${ns})`);
  let s = `LogRecord #${index}\n`;
  s += `    Resource:\n${showAttributes(r.resource, '        ') || '        -\n'}`;
  s += `    Time: ${time(r.timeUnixNano)}\n`;
  s += `    ObservedTime: ${time(r.observedTimeUnixNano)}\n`;
  s += `    Severity: ${r.severityNumber === 0 ? 'UNSPECIFIED' : severityName(r.severityNumber)} (${r.severityNumber})${r.severityText === '' ? '' : ` ${JSON.stringify(oneLine(r.severityText))}`}\n`;
  if (r.eventName !== '') s += `    EventName: ${oneLine(r.eventName)}\n`;
  if (r.traceId !== '') s += `    TraceId: ${oneLine(r.traceId)}\n`;
  if (r.spanId !== '') s += `    SpanId: ${oneLine(r.spanId)}\n`;
  s += `    Body: ${r.body.split('\n').map(oneLine).join('\n          ')}\n`;
  s += `    Attributes:\n${showAttributes(r.attributes, '        ') || '        -\n'}`;
  return s;
}

export class DebugExporter implements Component, LogsConsumer {
  readonly mutatesData = false;
  private readonly sink: OutputSink;
  private readonly table: TableFormatter | undefined;
  private headerWritten = false;
  private count = 0;

  constructor(
    private readonly id: string,
    private readonly config: DebugExporterConfig,
    out: Writable & { isTTY?: boolean; columns?: number },
    private readonly metrics: ComponentMetrics,
  ) {
    this.sink = new OutputSink(out);
    this.table = config.verbosity === 'normal' ? new TableFormatter(this.sink, out.isTTY === true ? out.columns : undefined) : undefined;
  }

  async start(): Promise<void> {}

  async consumeLogs(records: LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.sink.closed) {
      this.metrics.dropped(records.length, 'stdout_closed');
      return;
    }
    switch (this.config.verbosity) {
      case 'basic': {
        const resources = new Set(records.map((r) => r.resource)).size;
        this.sink.write(`${this.id}: ${records.length} log record${records.length === 1 ? '' : 's'}, ${resources} resource${resources === 1 ? '' : 's'}\n`);
        break;
      }
      case 'normal':
        if (!this.headerWritten) {
          this.table!.start();
          this.headerWritten = true;
        }
        for (const r of records) this.table!.record(r);
        break;
      case 'detailed':
        for (const r of records) this.sink.write(detailedRecord(r, this.count++));
        break;
    }
    this.sink.flush();
    await this.sink.writable();
    this.metrics.exported(records.length);
  }

  async shutdown(): Promise<void> {
    await this.sink.end();
  }
}
