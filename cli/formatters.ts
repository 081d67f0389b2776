/**
 * The three output forms of `kata-otel parse`. Each turns records into text for the
 * OutputSink; none of them writes to a stream itself.
 */
import type { LogRecord } from '../pdata/log-record';
import { ndjsonLine } from '../pdata/ndjson';
import { formatNanos } from '../pdata/time';
import type { ScopeInfo } from '../pdata/otlp/json-encoding';
import { exportRequestLine } from '../pdata/otlp/json-encoding';
import { K } from '../receiver/kata/keys';
import type { OutputSink } from './output-sink';
import { fitWidth, oneLine, padEnd, severityName } from './text';

export const OUTPUT_FORMATS = ['ndjson', 'otlp-json', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RecordFormatter {
  /** Called once before the first record. */
  start(): void;
  record(r: LogRecord): void;
  /** Writes anything held back (a partial batch), e.g. when live input goes idle. */
  flush(): void;
  /** Called once after the last record. */
  end(): void;
}

/**
 * One JSON object per line with exactly the LogRecord fields, attributes and resource as
 * flat objects of dotted keys.
 */
export class NdjsonFormatter implements RecordFormatter {
  constructor(private readonly sink: OutputSink) {}
  start(): void {}
  record(r: LogRecord): void {
    this.sink.write(ndjsonLine(r) + '\n');
  }
  flush(): void {}
  end(): void {}
}

/** One OTLP/JSON ExportLogsServiceRequest per line, `batchSize` records each. */
export class OtlpJsonFormatter implements RecordFormatter {
  private batch: LogRecord[] = [];
  constructor(
    private readonly sink: OutputSink,
    private readonly scope: ScopeInfo,
    private readonly batchSize: number,
  ) {}
  start(): void {}
  record(r: LogRecord): void {
    this.batch.push(r);
    if (this.batch.length >= this.batchSize) this.flush();
  }
  flush(): void {
    if (this.batch.length === 0) return;
    const line = exportRequestLine(this.batch, this.scope);
    this.batch = [];
    this.sink.write(line + '\n');
  }
  end(): void {
    this.flush();
  }
}

const TIME_WIDTH = 30; // 2022-04-22T05:17:07.936888662Z
const SEVERITY_WIDTH = 5;
const COMPONENT_WIDTH = 17; // container-manager
const SANDBOX_WIDTH = 12;
const FIXED_WIDTH = TIME_WIDTH + SEVERITY_WIDTH + COMPONENT_WIDTH + SANDBOX_WIDTH + 4;
const DEFAULT_BODY_WIDTH = 160;

/**
 * For people: time, severity level (the SeverityNumber range name; the emitter's own
 * spelling is in ndjson's severityText), component, sandbox id (first 12 characters)
 * and the body on one line, cut to the terminal width (or 160 characters off a TTY).
 */
export class TableFormatter implements RecordFormatter {
  private readonly bodyWidth: number;
  constructor(
    private readonly sink: OutputSink,
    terminalColumns: number | undefined,
  ) {
    this.bodyWidth = terminalColumns !== undefined && terminalColumns > 0
      ? Math.max(terminalColumns - FIXED_WIDTH - 1, 20)
      : DEFAULT_BODY_WIDTH;
  }
  start(): void {
    this.sink.write(
      `${padEnd('TIME', TIME_WIDTH)} ${padEnd('LEVEL', SEVERITY_WIDTH)} ${padEnd('COMPONENT', COMPONENT_WIDTH)} ${padEnd('SANDBOX', SANDBOX_WIDTH)} BODY\n`,
    );
  }
  record(r: LogRecord): void {
    const time = formatNanos(r.timeUnixNano) || '-';
    const sev = r.severityNumber === 0 ? '-' : severityName(r.severityNumber);
    const component = r.attributes[K.COMPONENT];
    const sandbox = r.attributes[K.SANDBOX_ID];
    const comp = oneLine(typeof component === 'string' && component !== '' ? component : '-');
    const sb = typeof sandbox === 'string' && sandbox !== '' ? oneLine(sandbox.slice(0, SANDBOX_WIDTH)) : '-';
    const body = fitWidth(oneLine(r.body), this.bodyWidth);
    this.sink.write(
      `${padEnd(time, TIME_WIDTH)} ${padEnd(sev, SEVERITY_WIDTH)} ${padEnd(comp, COMPONENT_WIDTH)} ${padEnd(sb, SANDBOX_WIDTH)} ${body}\n`,
    );
  }
  flush(): void {}
  end(): void {}
}

export function createFormatter(
  format: OutputFormat,
  sink: OutputSink,
  opts: { scope: ScopeInfo; batchSize: number; terminalColumns: number | undefined },
): RecordFormatter {
  switch (format) {
    case 'ndjson':
      return new NdjsonFormatter(sink);
    case 'otlp-json':
      return new OtlpJsonFormatter(sink, opts.scope, opts.batchSize);
    case 'table':
      return new TableFormatter(sink, opts.terminalColumns);
  }
}
